/**
 * The small part of Video.js 8 this plugin touches, typed by hand: video.js's shipped
 * declarations are generated from JSDoc and type plugins and VHS internals as `any`-ish shapes.
 */
import type { VhsMain, VhsPlaylist } from './segment-map.js';

export interface VhsRequestOptions {
  uri: string;
  requestType?: string;
  headers?: Record<string, string>;
  xhr?: unknown;
  timeout?: number;
  [key: string]: unknown;
}

export interface VhsRequest {
  uri?: string;
  requestType?: string;
  requestTime?: number;
  response?: unknown;
  /** Set by VHS on a request it aborted (a rendition switch, a seek): no verdict on its gateway. */
  aborted?: boolean;
}

export interface VhsResponse {
  body?: unknown;
  statusCode?: number;
  /** Response headers, names in lower case (@videojs/xhr parses them). */
  headers?: Record<string, string>;
}

export type VhsRequestHook = (options: VhsRequestOptions) => VhsRequestOptions;
export type VhsResponseHook = (request: VhsRequest, error: unknown, response: VhsResponse) => void;

export interface VhsXhr {
  onRequest(hook: VhsRequestHook): void;
  onResponse(hook: VhsResponseHook): void;
  offRequest(hook: VhsRequestHook): void;
  offResponse(hook: VhsResponseHook): void;
}

export interface VhsHandle {
  xhr: VhsXhr;
  /** VHS's current bandwidth estimate, bits per second. */
  bandwidth?: number;
  playlists?: {
    main?: VhsMain;
    media?: () => VhsPlaylist | undefined;
    on?: (event: string, listener: () => void) => void;
    off?: (event: string, listener: () => void) => void;
  };
}

export interface TimeRangesLike {
  length: number;
  start(index: number): number;
  end(index: number): number;
}

export interface PlayerLike {
  on(event: string | string[], listener: (...args: unknown[]) => void): void;
  off(event: string | string[], listener: (...args: unknown[]) => void): void;
  one(event: string, listener: (...args: unknown[]) => void): void;
  tech(iWillNotUseThisInPlugins?: boolean): { vhs?: VhsHandle } | undefined;
  currentTime(): number;
  duration(): number;
  playbackRate(): number;
  buffered(): TimeRangesLike;
  paused(): boolean;
  /** HTMLMediaElement's: 2 (HAVE_CURRENT_DATA) and up once `loadeddata` has fired. */
  readyState(): number;
  currentSrc(): string;
  /** The source object as given to `src()`; sites may add `videoCid` to it. */
  currentSource(): { src?: string; type?: string; videoCid?: unknown };
  addChild(name: string, options?: unknown): ComponentLike | undefined;
  removeChild(component: ComponentLike): void;
  options_: Record<string, unknown>;
  isDisposed?(): boolean;
}

export interface ComponentLike {
  el(): HTMLElement;
  dispose(): void;
}
