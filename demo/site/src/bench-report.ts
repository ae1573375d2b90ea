/**
 * Draws the latest swarm benchmark (`swarm.json`) as a chart; the benchmark screenshots this
 * page into bench-results/swarm.png, and `npm start` serves it next to the demo.
 */
import { bytesChart, COLORS } from './charts.js';

interface ReportData {
  viewers: number;
  p2pRatio: number;
  theoreticalBest: number;
  generatedAt: string;
  targets: { name: string; target: string; value: string; met: boolean }[];
  chart: { t: number[]; baselineCdnMB: (number | null)[]; p2pRunCdnMB: (number | null)[]; p2pRunPeersMB: (number | null)[]; peers: (number | null)[] };
}

declare global {
  interface Window {
    spkChartReady?: boolean;
    spkChartError?: string;
  }
}

async function main(): Promise<void> {
  const source = new URLSearchParams(location.search).get('data') ?? '/bench-results/swarm.json';
  const status = document.querySelector<HTMLElement>('#status');
  const response = await fetch(source, { cache: 'no-store' });
  if (!response.ok) {
    if (status) status.textContent = `No benchmark results yet (${response.status}): run npm run bench:swarm.`;
    window.spkChartError = `HTTP ${response.status}`;
    return;
  }
  const data = (await response.json()) as ReportData;
  const chart = data.chart;
  const target = document.querySelector<HTMLElement>('#chart');
  if (!target) return;
  bytesChart(
    target,
    {
      title: `${data.viewers} viewers · P2P ratio ${(data.p2pRatio * 100).toFixed(1)} % (best possible ${(data.theoreticalBest * 100).toFixed(1)} %)`,
      width: 860,
      height: 380,
      xLabel: 'seconds since the first viewer joined',
      liveLegend: false,
      series: [
        { label: 'CDN bytes, P2P off (baseline)', color: COLORS.baseline, dash: [6, 4] },
        { label: 'CDN bytes, P2P on', color: COLORS.cdn },
        { label: 'bytes from peers, P2P on', color: COLORS.peers, fill: true },
        { label: 'peer connections', color: COLORS.peerCount, peersAxis: true },
      ],
    },
    [chart.t, chart.baselineCdnMB, chart.p2pRunCdnMB, chart.p2pRunPeersMB, chart.peers],
  );
  const table = document.querySelector('#targets tbody');
  for (const check of data.targets) {
    const row = document.createElement('tr');
    for (const text of [check.name, check.target, check.value, check.met ? 'met' : 'missed']) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    row.className = check.met ? 'met' : 'missed';
    table?.append(row);
  }
  if (status) status.textContent = `Run at ${data.generatedAt}.`;
  window.spkChartReady = true;
}

main().catch((error: unknown) => {
  window.spkChartError = String(error);
});
