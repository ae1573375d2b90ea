/**
 * One Video.js player with the spkP2p plugin, configured from the page URL. The benchmark
 * opens it once per headless viewer; the swarm page shows several in iframes. It records
 * what the benchmark measures (first frame, stalls, segments by source, peers) and exposes
 * it as `window.spkViewer.report()`.
 */
import { epochNow, videojsGlobal, type SpkP2pOptions, type VhsLike, type VideoJsPlayer } from './videojs-global.js';
import { parseViewerOptions, type ViewerOptions } from './viewer-options.js';
import type { SegmentRecord, StatsSample, ViewerReport } from './viewer-report.js';

/** Only rebuffering after this much playback counts as a stall (start-up is measured as TTFF). */
const STALL_MIN_POSITION_S = 0.1;

class ViewerRecorder {
  readonly segments: SegmentRecord[] = [];
  readonly peerConnects: { at: number; peerId: string }[] = [];
  readonly timeline: StatsSample[] = [];
  readonly stalls: number[] = [];
  readonly errors: string[] = [];
  readonly renditions: number[] = [];
  startedAt = 0;
  firstFrameAt: number | null = null;
  ended = false;
  private waitingSince: number | undefined;

  constructor(private readonly player: VideoJsPlayer) {}

  markFirstFrame(): void {
    this.firstFrameAt ??= epochNow();
  }

  onWaiting(): void {
    if (this.firstFrameAt !== null && this.player.currentTime() > STALL_MIN_POSITION_S && !this.player.ended()) {
      this.waitingSince ??= epochNow();
    }
  }

  onProgress(): void {
    if (this.waitingSince !== undefined && !this.player.paused() && this.player.readyState() >= 3) {
      this.stalls.push(epochNow() - this.waitingSince);
      this.waitingSince = undefined;
    }
  }

  report(options: ViewerOptions): ViewerReport {
    const stalls = [...this.stalls];
    if (this.waitingSince !== undefined) stalls.push(epochNow() - this.waitingSince);
    return {
      label: options.label,
      p2p: options.p2p,
      startedAt: this.startedAt,
      ttffMs: this.firstFrameAt === null ? null : this.firstFrameAt - this.startedAt,
      stalls,
      ended: this.ended,
      currentTime: this.player.currentTime(),
      errors: [...this.errors],
      renditions: [...this.renditions],
      segments: [...this.segments],
      peerConnects: [...this.peerConnects],
      timeline: [...this.timeline],
      stats: this.player.spkP2p().stats(),
    };
  }
}

/** Makes VHS keep to one rendition: the benchmark's offload maths needs every viewer on the same one. */
function pinRendition(vhs: VhsLike, height: number): void {
  vhs.selectPlaylist = () => {
    const playlists = vhs.playlists.main?.playlists ?? [];
    return playlists.find((playlist) => playlist.attributes?.RESOLUTION?.height === height) ?? playlists[0];
  };
}

function heightOf(url: string): number | undefined {
  const match = /\/(\d+)p\//.exec(url);
  return match ? Number(match[1]) : undefined;
}

function watchFirstFrame(player: VideoJsPlayer, recorder: ViewerRecorder): void {
  const video = player.tech(true)?.el();
  if (video && 'requestVideoFrameCallback' in video) {
    video.requestVideoFrameCallback(() => recorder.markFirstFrame());
    return;
  }
  // Without rVFC, the first advancing timeupdate is the closest signal of a painted frame.
  const onTime = () => {
    if (player.currentTime() > 0) {
      recorder.markFirstFrame();
      player.off('timeupdate', onTime);
    }
  };
  player.on('timeupdate', onTime);
}

export function startViewer(element: HTMLElement, options: ViewerOptions, status?: HTMLElement): { player: VideoJsPlayer; report(): ViewerReport } {
  const videojs = videojsGlobal();
  const pluginOptions: SpkP2pOptions = {
    enabled: options.p2p,
    trackerUrls: options.trackerUrls,
    // Local runs never reach a public STUN server; host candidates are enough on one machine.
    stunServers: [],
    ...(options.cid ? { videoCid: options.cid } : {}),
    ...(options.cdnFallbackDelay !== undefined ? { cdnFallbackDelay: options.cdnFallbackDelay } : {}),
    ...(options.integrity ? { integrity: options.integrity } : {}),
  };
  const player = videojs(element, {
    muted: true,
    autoplay: false,
    preload: 'auto',
    fluid: true,
    plugins: { spkP2p: pluginOptions },
    html5: { vhs: { limitRenditionByPlayerDimensions: options.pinHeight === 0, useBandwidthFromLocalStorage: false } },
  });
  const recorder = new ViewerRecorder(player);
  const plugin = player.spkP2p();

  plugin.on('segmentloaded', (_event, data) => {
    const segment = data as Omit<SegmentRecord, 'at'>;
    recorder.segments.push({ at: epochNow(), source: segment.source, bytes: segment.bytes, url: segment.url, durationMs: segment.durationMs, ...(segment.peerId ? { peerId: segment.peerId } : {}) });
    const height = heightOf(segment.url);
    if (height !== undefined && !recorder.renditions.includes(height)) recorder.renditions.push(height);
  });
  plugin.on('peerconnect', (_event, data) => {
    recorder.peerConnects.push({ at: epochNow(), peerId: String((data as { peerId?: unknown }).peerId) });
  });
  plugin.on('stats', () => {
    const stats = plugin.stats();
    recorder.timeline.push({ at: epochNow(), p2pBytes: stats.p2pBytes, cdnBytes: stats.cdnBytes, uploadedBytes: stats.uploadedBytes, peers: stats.peers });
    if (status) status.textContent = `${options.label ? `${options.label} · ` : ''}${stats.mode} · P2P ${(stats.p2pRatio * 100).toFixed(0)} % · ${stats.peers} peer${stats.peers === 1 ? '' : 's'} · up ${(stats.uploadedBytes / 1e6).toFixed(1)} MB`;
  });
  player.on('xhr-hooks-ready', () => {
    const vhs = player.tech(true)?.vhs;
    if (vhs && options.pinHeight > 0) pinRendition(vhs, options.pinHeight);
  });
  player.on('waiting', () => recorder.onWaiting());
  player.on(['playing', 'timeupdate'], () => recorder.onProgress());
  player.on('ended', () => {
    recorder.ended = true;
  });
  player.on('error', () => recorder.errors.push(player.error()?.message ?? 'unknown player error'));
  player.on('loadedmetadata', () => {
    if (options.rate !== 1) player.playbackRate(options.rate);
  });

  recorder.startedAt = epochNow();
  player.src({ src: options.src, type: 'application/x-mpegURL' });
  watchFirstFrame(player, recorder);
  if (options.autoplay) {
    player.play()?.catch((error: unknown) => recorder.errors.push(`play() refused: ${String(error)}`));
  }
  return { player, report: () => recorder.report(options) };
}

/** Media segment fetches this page made (VHS's own and the P2P engine's), as epoch milliseconds. */
function segmentFetches(): SegmentFetch[] {
  return performance
    .getEntriesByType('resource')
    .filter((entry) => /\.ts(\?|$)/.test(entry.name))
    .map((entry) => ({
      url: entry.name,
      start: performance.timeOrigin + entry.startTime,
      end: performance.timeOrigin + (entry as PerformanceResourceTiming).responseEnd,
      // `xmlhttprequest`: VHS's own request; `fetch`: the P2P engine's or the plugin's CDN request.
      initiator: (entry as PerformanceResourceTiming).initiatorType,
    }));
}

export interface SegmentFetch {
  url: string;
  start: number;
  end: number;
  initiator: string;
}

export interface ViewerHandle {
  report(): ViewerReport;
  /** Cheap to poll: no arrays. */
  status(): { ended: boolean; errors: number; currentTime: number; segments: number };
  segmentFetches(): SegmentFetch[];
}

declare global {
  interface Window {
    spkViewer?: ViewerHandle;
    spkViewerError?: string;
  }
}

const element = document.querySelector<HTMLElement>('video-js');
if (element) {
  try {
    const options = parseViewerOptions(location.search);
    const viewer = startViewer(element, options, document.querySelector<HTMLElement>('#status') ?? undefined);
    performance.setResourceTimingBufferSize(2000);
    window.spkViewer = {
      report: viewer.report,
      status: () => {
        const report = viewer.report();
        return { ended: report.ended, errors: report.errors.length, currentTime: report.currentTime, segments: report.segments.length };
      },
      segmentFetches,
    };
  } catch (error) {
    window.spkViewerError = String(error);
    const status = document.querySelector('#status');
    if (status) status.textContent = String(error);
  }
}
