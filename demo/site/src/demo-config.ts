/** Where the running demo's pieces are; `npm start` writes it, so pages hold no ports. */
export interface DemoConfig {
  cid: string;
  /** CDN / gateway origin: `${gateway}/ipfs/<cid>/manifest.m3u8`. */
  gateway: string;
  manifestUrl: string;
  signalUrl: string;
  signalHttpUrl: string;
  cdn: { latencyMs: number; bandwidthBytesPerSec: number };
}

export async function loadDemoConfig(): Promise<DemoConfig> {
  const response = await fetch('/config/demo.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`demo configuration unavailable (HTTP ${response.status}): start the demo with npm start`);
  return (await response.json()) as DemoConfig;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

export function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${Math.round(value)} ms`;
}

/** Fills `<div class="stat" data-stat="name"><b></b><span>label</span></div>` tiles by name. */
export function setStat(root: ParentNode, name: string, value: string): void {
  const tile = root.querySelector(`[data-stat="${name}"] b`);
  if (tile) tile.textContent = value;
}
