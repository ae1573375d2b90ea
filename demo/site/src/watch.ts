/**
 * Watch page: one `<spk-player>` on the demo video, its live P2P stats, and a uPlot chart of
 * bytes by source and peers over time. Open it in two tabs to see them share segments.
 */
import type { SpkP2pStats } from 'videojs-spk-p2p';
import { bytesChart, COLORS } from './charts.js';
import { formatBytes, formatMs, loadDemoConfig, setStat } from './demo-config.js';

const MB = 1e6;

declare global {
  interface Window {
    spkWatch?: { samples: number; last: SpkP2pStats | undefined; playing: boolean; error: string | undefined };
  }
}

async function main(): Promise<void> {
  const state: NonNullable<Window['spkWatch']> = { samples: 0, last: undefined, playing: false, error: undefined };
  window.spkWatch = state;
  const config = await loadDemoConfig();
  const holder = document.querySelector<HTMLElement>('#player');
  const statsRoot = document.querySelector<HTMLElement>('#stats');
  const chartTarget = document.querySelector<HTMLElement>('#chart');
  if (!holder || !statsRoot || !chartTarget) throw new Error('watch page markup is incomplete');

  const params = new URLSearchParams(location.search);
  const p2p = params.get('p2p') !== 'off';
  const player = document.createElement('spk-player') as HTMLElement & { p2pOptions?: Record<string, unknown> };
  // Loopback only: no STUN server can be reached from the demo, and none is needed.
  player.p2pOptions = { stunServers: [], contributions: true };
  player.setAttribute('cid', config.cid);
  player.setAttribute('gateway', config.gateway);
  player.setAttribute('signal', config.signalUrl);
  player.setAttribute('p2p', p2p ? 'on' : 'off');
  player.setAttribute('muted', '');
  player.setAttribute('autoplay', 'muted');
  player.setAttribute('title', 'SPK P2P sample video');
  holder.append(player);

  const started = performance.now();
  const data: [number[], number[], number[], number[]] = [[], [], [], []];
  const chart = bytesChart(
    chartTarget,
    {
      title: 'This viewer: bytes by source and peers',
      width: Math.min(860, chartTarget.clientWidth || 860),
      height: 280,
      xLabel: 'seconds',
      series: [
        { label: 'from peers', color: COLORS.peers, fill: true },
        { label: 'from CDN', color: COLORS.cdn },
        { label: 'peers', color: COLORS.peerCount, peersAxis: true },
      ],
    },
    data,
  );

  player.addEventListener('playing', () => {
    state.playing = true;
  });
  player.addEventListener('error', (event) => {
    // The element dispatches its failures as a CustomEvent named `error`, not as an ErrorEvent.
    state.error = String((event as unknown as CustomEvent<{ message?: string }>).detail?.message ?? 'player error');
    setStat(statsRoot, 'mode', 'error');
  });
  player.addEventListener('spk-p2p-stats', (event) => {
    const stats = (event as CustomEvent<SpkP2pStats>).detail;
    state.samples += 1;
    state.last = stats;
    setStat(statsRoot, 'mode', stats.mode);
    setStat(statsRoot, 'ratio', `${(stats.p2pRatio * 100).toFixed(1)} %`);
    setStat(statsRoot, 'p2p', formatBytes(stats.p2pBytes));
    setStat(statsRoot, 'cdn', formatBytes(stats.cdnBytes));
    setStat(statsRoot, 'up', formatBytes(stats.uploadedBytes));
    setStat(statsRoot, 'peers', String(stats.peers));
    setStat(statsRoot, 'discovery', formatMs(stats.discoveryMs));
    setStat(statsRoot, 'latency', `${formatMs(stats.latency.p2p.p50)} / ${formatMs(stats.latency.cdn.p50)}`);
    data[0].push(Math.round((performance.now() - started) / 100) / 10);
    data[1].push(stats.p2pBytes / MB);
    data[2].push(stats.cdnBytes / MB);
    data[3].push(stats.peers);
    chart.setData(data);
  });

  const room = document.querySelector<HTMLElement>('#room');
  const roomUrl = `${config.signalHttpUrl}/api/p2p/rooms/${config.cid}`;
  const refreshRoom = async () => {
    try {
      const response = await fetch(roomUrl, { cache: 'no-store' });
      if (room) room.textContent = response.ok ? `Signal server room for this video: ${JSON.stringify(await response.json())}` : `Signal server room: HTTP ${response.status}`;
    } catch (error) {
      if (room) room.textContent = `Signal server room: unavailable (${String(error)})`;
    }
  };
  void refreshRoom();
  setInterval(() => void refreshRoom(), 3000);
}

main().catch((error: unknown) => {
  const message = document.querySelector('#message');
  if (message) message.textContent = String(error);
  if (window.spkWatch) window.spkWatch.error = String(error);
});
