/**
 * Viewer contribution dashboard: this browser's contribution (its viewer id, sessions, credited
 * bytes, Hive link), the leaderboard, and the network's bytes and P2P ratio over time.
 */
import uPlot from 'uplot';
import { ContributionsApi, type TimelinePoint } from './api.js';
import { keychainAvailable, signWithKeychain } from './keychain.js';
import { publicViewerId, readViewerSecret } from './viewer-identity.js';

const REFRESH_MS = 10_000;
const HOURS = 48;
const MB = 1e6;

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`dashboard: ${selector} missing from the page`);
  return found;
}

function setStat(root: ParentNode, name: string, value: string): void {
  const tile = root.querySelector(`[data-stat="${name}"] b`);
  if (tile) tile.textContent = value;
}

function row(cells: string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

/** The API lives on the signal server: `?api=` wins, else the demo's config written by `npm start`. */
async function apiBase(): Promise<string> {
  const fromQuery = new URLSearchParams(location.search).get('api');
  if (fromQuery) return fromQuery.replace(/\/+$/, '');
  const response = await fetch('/config/demo.json', { cache: 'no-store' });
  if (!response.ok) throw new Error('no signal server known: start the demo with npm start, or add ?api=http://host:port');
  const config = (await response.json()) as { signalHttpUrl: string };
  return config.signalHttpUrl;
}

class Charts {
  private bytes: uPlot | undefined;
  private ratio: uPlot | undefined;

  update(points: TimelinePoint[]): void {
    const x = points.map((point) => Date.parse(point.hour) / 1000);
    const bytesData: uPlot.AlignedData = [x, points.map((p) => p.p2pBytes / MB), points.map((p) => p.cdnBytes / MB)];
    const ratioData: uPlot.AlignedData = [x, points.map((p) => (p.p2pBytes + p.cdnBytes === 0 ? null : p.p2pRatio * 100))];
    const width = Math.min(1000, element('main').clientWidth - 40);
    if (!this.bytes) {
      this.bytes = new uPlot(
        {
          title: 'Bytes received by viewers, per hour',
          width,
          height: 240,
          axes: [{}, { label: 'MB' }],
          series: [{}, { label: 'from peers', stroke: '#1a9e5c', fill: '#1a9e5c22', width: 2 }, { label: 'from CDN', stroke: '#d9534f', width: 2 }],
        },
        bytesData,
        element('#bytes-chart'),
      );
      this.ratio = new uPlot(
        {
          title: 'Share of bytes from peers, per hour',
          width,
          height: 200,
          scales: { y: { range: [0, 100] } },
          axes: [{}, { label: '%' }],
          series: [{}, { label: 'P2P ratio', stroke: '#3366cc', width: 2, spanGaps: false }],
        },
        ratioData,
        element('#ratio-chart'),
      );
    } else {
      this.bytes.setData(bytesData);
      this.ratio?.setData(ratioData);
    }
  }
}

async function main(): Promise<void> {
  const message = element('#message');
  const api = new ContributionsApi(await apiBase());
  const charts = new Charts();
  const secret = await readViewerSecret();
  const viewerId = secret ? await publicViewerId(secret) : undefined;
  element('#viewer').textContent = viewerId ?? 'none yet';
  message.textContent = viewerId
    ? 'Numbers refresh every 10 seconds.'
    : 'This browser has not reported yet: watch a video with P2P on, then come back.';

  const refreshMine = async () => {
    if (!viewerId) return;
    const summary = await api.viewer(viewerId);
    if (!summary) return;
    element('#hive').textContent = summary.hiveUsername ? `@${summary.hiveUsername}` : 'not linked';
    const mine = element('#mine');
    setStat(mine, 'credited-day', formatBytes(summary.credited.day));
    setStat(mine, 'credited-week', formatBytes(summary.credited.week));
    setStat(mine, 'credited-all', formatBytes(summary.credited.all));
    setStat(mine, 'claimed', formatBytes(summary.sessions.reduce((sum, s) => sum + s.bytesUploaded, 0)));
    setStat(mine, 'received', formatBytes(summary.sessions.reduce((sum, s) => sum + s.bytesDownloaded, 0)));
    setStat(mine, 'sessions', String(summary.sessions.length));
    const body = element('#sessions tbody');
    body.replaceChildren(
      ...summary.sessions.map((s) =>
        row([new Date(s.joinedAt).toLocaleString(), s.peerId.slice(0, 12), s.videoCid.slice(0, 12), formatBytes(s.bytesUploaded), formatBytes(s.bytesDownloaded), s.status]),
      ),
    );
  };

  const refreshBoard = async () => {
    const period = element<HTMLSelectElement>('#period').value;
    const entries = await api.leaderboard(period);
    const body = element('#leaderboard tbody');
    body.replaceChildren(
      ...entries.map((entry) => {
        const tr = row([String(entry.rank), entry.viewer, entry.hiveUsername ? `@${entry.hiveUsername}` : '–', formatBytes(entry.creditedBytes), formatBytes(entry.claimedBytes)]);
        if (entry.viewer === viewerId) tr.style.fontWeight = '600';
        return tr;
      }),
    );
    if (entries.length === 0) body.replaceChildren(row(['', 'nobody has credited bytes in this period yet', '', '', '']));
  };

  const refreshNetwork = async () => {
    const points = await api.timeline(HOURS);
    const p2p = points.reduce((sum, p) => sum + p.p2pBytes, 0);
    const cdn = points.reduce((sum, p) => sum + p.cdnBytes, 0);
    const network = element('#network');
    setStat(network, 'ratio', p2p + cdn === 0 ? '–' : `${((p2p / (p2p + cdn)) * 100).toFixed(1)} %`);
    setStat(network, 'p2p', formatBytes(p2p));
    setStat(network, 'cdn', formatBytes(cdn));
    charts.update(points);
  };

  const refresh = async () => {
    try {
      await Promise.all([refreshMine(), refreshBoard(), refreshNetwork()]);
      document.body.dataset.loaded = 'true';
    } catch (error) {
      message.textContent = `Could not reach the contributions API: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  element<HTMLSelectElement>('#period').addEventListener('change', () => void refreshBoard());
  element<HTMLFormElement>('#link').addEventListener('submit', (event) => {
    event.preventDefault();
    void linkHive();
  });

  async function linkHive(): Promise<void> {
    const status = element('#link-status');
    const username = element<HTMLInputElement>('#link input[name=username]').value.trim().toLowerCase().replace(/^@/, '');
    if (!secret) {
      status.textContent = 'Watch a video first: the link is made for this browser\u2019s viewer.';
      return;
    }
    if (!keychainAvailable()) {
      status.textContent = 'Hive Keychain is not installed in this browser.';
      return;
    }
    try {
      status.textContent = 'Asking Keychain to sign…';
      const challenge = await api.challenge(secret, username);
      const signature = await signWithKeychain(username, challenge.message);
      const linked = await api.link(secret, challenge.challengeId, signature);
      // Shown at once: the summary refresh below may take a moment, and the status must not run ahead of it.
      element('#hive').textContent = `@${linked.hiveUsername}`;
      status.textContent = `Linked to @${linked.hiveUsername}.`;
      await refreshMine();
    } catch (error) {
      status.textContent = `Not linked: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  await refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}

void main().catch((error: unknown) => {
  const message = document.querySelector('#message');
  if (message) message.textContent = error instanceof Error ? error.message : String(error);
});
