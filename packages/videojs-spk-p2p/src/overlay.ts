import videojs from 'video.js';
import type { SpkP2pStats } from './stats.js';

export const OVERLAY_COMPONENT = 'SpkP2pOverlay';

interface StatsSource {
  stats(): SpkP2pStats;
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener?: (...args: unknown[]) => void): void;
}

// video.js types components loosely; this is the slice the overlay uses.
type ComponentBase = new (player: unknown, options: Record<string, unknown>) => {
  el(): HTMLElement;
  dispose(): void;
  on(event: string, listener: () => void): void;
};

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatOverlayText(stats: SpkP2pStats): string {
  if (stats.mode !== 'p2p') return `P2P ${stats.mode}`;
  const ratio = Math.round(stats.p2pRatio * 100);
  return `P2P ${ratio}% · ${stats.peers} peer${stats.peers === 1 ? '' : 's'} · ↓${formatBytes(stats.p2pBytes + stats.cdnBytes)} ↑${formatBytes(stats.uploadedBytes)}`;
}

let registered = false;

/** Registers the overlay component once, on first use, so pages without it pay nothing. */
export function registerOverlay(): void {
  if (registered) return;
  registered = true;
  const Component = videojs.getComponent('Component') as unknown as ComponentBase;

  class SpkP2pOverlay extends Component {
    private readonly source: StatsSource;
    private readonly refresh = () => {
      this.el().textContent = formatOverlayText(this.source.stats());
    };

    constructor(player: unknown, options: Record<string, unknown>) {
      super(player, options);
      this.source = options.plugin as StatsSource;
      const el = this.el();
      el.className = 'vjs-spk-p2p-overlay';
      el.setAttribute('aria-live', 'off');
      Object.assign(el.style, {
        position: 'absolute',
        top: '0.5em',
        left: '0.5em',
        padding: '0.2em 0.5em',
        font: '12px/1.4 system-ui, sans-serif',
        color: '#fff',
        background: 'rgba(0, 0, 0, 0.55)',
        borderRadius: '3px',
        pointerEvents: 'none',
        zIndex: '2',
      });
      this.source.on('stats', this.refresh);
      this.source.on('segmentloaded', this.refresh);
      this.source.on('modechange', this.refresh);
      this.refresh();
    }

    override dispose(): void {
      this.source.off('stats', this.refresh);
      this.source.off('segmentloaded', this.refresh);
      this.source.off('modechange', this.refresh);
      super.dispose();
    }
  }

  videojs.registerComponent(OVERLAY_COMPONENT, SpkP2pOverlay as never);
}
