import type { SpkP2pStats } from 'videojs-spk-p2p';
/**
 * The slice of Video.js's player API the element uses. Video.js's own typings describe
 * `options` and many returns as `any`; a narrow interface keeps our code strictly typed.
 */
export interface VjsEventTarget {
  on(type: string | string[], listener: (event: Event) => void): void;
  off(type?: string | string[], listener?: (event: Event) => void): void;
  one(type: string | string[], listener: (event: Event) => void): void;
}

export interface VjsMediaError {
  code: number;
  message: string;
}

export interface VjsComponent {
  el(): HTMLElement;
  /** Only TitleBar has it: sets its text (rendered with textContent). */
  update?(options: { title?: string; description?: string }): void;
}

/** The plugin instance `player.spkP2p()` returns once set up (see videojs-spk-p2p). */
export interface SpkP2pInstance extends VjsEventTarget {
  stats(): SpkP2pStats;
}

/** The plugin's own type: a hand-made copy here had drifted (latencies are null before a segment). */
export type { SpkP2pStats } from 'videojs-spk-p2p';

/** What VHS hands its response hooks (see the VHS notes: `vhs.xhr.onResponse`). */
export interface VhsResponseHook {
  (
    request: { aborted?: boolean; uri?: string; requestType?: string; requestTime?: number },
    error: unknown,
    response: { statusCode?: number } | undefined,
  ): void;
}

export interface VjsTech {
  vhs?: { xhr: { onResponse(hook: VhsResponseHook): void; offResponse(hook: VhsResponseHook): void } };
}

export interface VjsPlayer extends VjsEventTarget, VjsComponent {
  tech(iWillNotUseThisInPlugins: true): VjsTech | undefined;
  src(source: { src: string; type: string }): void;
  currentSrc(): string;
  play(): Promise<void> | undefined;
  pause(): void;
  paused(): boolean;
  ended(): boolean;
  currentTime(): number;
  currentTime(seconds: number): void;
  duration(): number;
  readyState(): number;
  volume(): number;
  volume(level: number): void;
  muted(): boolean;
  muted(value: boolean): void;
  loop(value: boolean): void;
  controls(value: boolean): void;
  autoplay(value: boolean | string): void;
  poster(url: string): void;
  preload(value: string): void;
  playsinline(value: boolean): void;
  language(code: string): void;
  error(): VjsMediaError | null;
  error(value: null): void;
  videoWidth(): number;
  videoHeight(): number;
  dispose(): void;
  isDisposed(): boolean;
  getChild(name: string): VjsComponent | undefined;
  spkP2p?: (options?: Record<string, unknown>) => SpkP2pInstance;
}

export type VjsFactory = (element: Element, options: Record<string, unknown>) => VjsPlayer;
