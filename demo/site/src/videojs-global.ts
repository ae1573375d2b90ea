/**
 * The slice of Video.js 8 (loaded as a classic script, `window.videojs`) and of the spkP2p
 * plugin that the demo pages use, typed by hand: video.js's own declarations type plugins and
 * VHS internals too loosely to help here.
 */
import type { SpkP2pOptions, SpkP2pStats } from 'videojs-spk-p2p';

export type { SpkP2pOptions, SpkP2pStats };

export interface EventTarget_ {
  on(event: string | string[], listener: (event: Event, data?: unknown) => void): void;
  off(event: string | string[], listener?: (event: Event, data?: unknown) => void): void;
}

export interface SpkP2pInstance extends EventTarget_ {
  stats(): SpkP2pStats;
  readonly mode: string;
}

export interface VhsPlaylistLike {
  attributes?: { RESOLUTION?: { width: number; height: number }; BANDWIDTH?: number };
}

export interface VhsLike {
  playlists: { main?: { playlists: VhsPlaylistLike[] } };
  selectPlaylist?: () => VhsPlaylistLike | undefined;
}

export interface TimeRangesLike {
  length: number;
  start(index: number): number;
  end(index: number): number;
}

export interface VideoJsPlayer extends EventTarget_ {
  src(source: { src: string; type: string }): void;
  play(): Promise<void> | undefined;
  pause(): void;
  muted(value?: boolean): boolean;
  currentTime(): number;
  duration(): number;
  paused(): boolean;
  ended(): boolean;
  readyState(): number;
  buffered(): TimeRangesLike;
  playbackRate(rate?: number): number;
  error(): { code: number; message: string } | null;
  tech(iWillNotUseThisInPlugins?: boolean): { vhs?: VhsLike; el(): HTMLVideoElement } | undefined;
  spkP2p(options?: SpkP2pOptions): SpkP2pInstance;
  dispose(): void;
}

export interface VideoJsStatic {
  (element: string | Element, options?: Record<string, unknown>): VideoJsPlayer;
  getPlugin(name: string): unknown;
}

export function videojsGlobal(): VideoJsStatic {
  const vjs = (window as unknown as { videojs?: VideoJsStatic }).videojs;
  if (!vjs) throw new Error('video.js is not loaded (expected window.videojs)');
  if (!vjs.getPlugin('spkP2p')) throw new Error('videojs-spk-p2p is not loaded (spkP2p plugin missing)');
  return vjs;
}

/** Milliseconds since the epoch with sub-millisecond precision: comparable across pages and Node. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
