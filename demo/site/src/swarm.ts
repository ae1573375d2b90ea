/**
 * Swarm page: several viewers of the same video in one tab (each an iframe with its own
 * player and P2P engine), joining a couple of seconds apart, with the swarm's totals and the
 * CDN's own byte count, so one person on one machine can watch P2P happen.
 */
import { bytesChart, COLORS } from './charts.js';
import { formatBytes, loadDemoConfig, setStat, type DemoConfig } from './demo-config.js';
import { viewerQuery } from './viewer-options.js';
import type { ViewerHandle } from './viewer.js';

const MB = 1e6;
const MAX_VIEWERS = 8;

declare global {
  interface Window {
    spkSwarm?: { viewers: number; p2pBytes: number; cdnBytes: number; playing: number };
  }
}

function viewerSrc(config: DemoConfig, index: number): string {
  const src = `${config.gateway}/client/swarm-${index}/ipfs/${config.cid}/manifest.m3u8`;
  return `/viewer.html?${viewerQuery({ src, cid: config.cid, trackerUrls: [config.signalUrl], pinHeight: 480, label: `viewer ${index}` })}`;
}

async function main(): Promise<void> {
  const config = await loadDemoConfig();
  const params = new URLSearchParams(location.search);
  const count = Math.min(MAX_VIEWERS, Math.max(1, Number(params.get('n') ?? 4) || 4));
  const gapMs = Math.max(0, Number(params.get('gap') ?? 2000) || 0);
  const grid = document.querySelector<HTMLElement>('#viewers');
  const totals = document.querySelector<HTMLElement>('#totals');
  const chartTarget = document.querySelector<HTMLElement>('#chart');
  if (!grid || !totals || !chartTarget) throw new Error('swarm page markup is incomplete');
  const summary = { viewers: 0, p2pBytes: 0, cdnBytes: 0, playing: 0 };
  window.spkSwarm = summary;

  const frames: HTMLIFrameElement[] = [];
  for (let i = 1; i <= count; i++) {
    const frame = document.createElement('iframe');
    frame.title = `viewer ${i}`;
    frame.allow = 'autoplay';
    grid.append(frame);
    frames.push(frame);
    // Staggered joins, as real viewers arrive: later ones find earlier ones holding segments.
    setTimeout(() => {
      frame.src = viewerSrc(config, i);
    }, (i - 1) * gapMs);
  }

  const started = performance.now();
  const data: [number[], number[], number[], number[]] = [[], [], [], []];
  const chart = bytesChart(
    chartTarget,
    {
      title: 'Whole swarm: bytes by source and peer connections',
      width: Math.min(860, chartTarget.clientWidth || 860),
      height: 280,
      xLabel: 'seconds',
      series: [
        { label: 'played from peers', color: COLORS.peers, fill: true },
        { label: 'served by the CDN', color: COLORS.cdn },
        { label: 'peer connections', color: COLORS.peerCount, peersAxis: true },
      ],
    },
    data,
  );

  const tick = async () => {
    let p2pBytes = 0;
    let playedCdn = 0;
    let peers = 0;
    let viewers = 0;
    let playing = 0;
    for (const frame of frames) {
      const handle = (frame.contentWindow as (Window & { spkViewer?: ViewerHandle }) | null)?.spkViewer;
      if (!handle) continue;
      const report = handle.report();
      viewers += 1;
      if (report.currentTime > 0 && !report.ended) playing += 1;
      p2pBytes += report.stats.p2pBytes;
      playedCdn += report.stats.cdnBytes;
      peers += report.stats.peers;
    }
    let cdnServed = 0;
    try {
      const response = await fetch('/__cdn/stats', { cache: 'no-store' });
      if (response.ok) cdnServed = ((await response.json()) as { total: number }).total;
    } catch {
      cdnServed = playedCdn;
    }
    Object.assign(summary, { viewers, p2pBytes, cdnBytes: cdnServed, playing });
    const played = p2pBytes + playedCdn;
    setStat(totals, 'viewers', `${viewers} / ${count}`);
    setStat(totals, 'ratio', played > 0 ? `${((p2pBytes / played) * 100).toFixed(1)} %` : '–');
    setStat(totals, 'p2p', formatBytes(p2pBytes));
    setStat(totals, 'cdn', formatBytes(cdnServed));
    setStat(totals, 'peers', String(peers));
    data[0].push(Math.round((performance.now() - started) / 100) / 10);
    data[1].push(p2pBytes / MB);
    data[2].push(cdnServed / MB);
    data[3].push(peers);
    chart.setData(data);
  };
  setInterval(() => void tick(), 1000);
}

main().catch((error: unknown) => {
  const message = document.querySelector('#message');
  if (message) message.textContent = String(error);
});
