/**
 * What the stand-in request needs from whoever fulfils it: the bytes (a copy VHS may detach)
 * and the bandwidth, in bits per second, that VHS's ABR should believe.
 */
export interface SegmentResult {
  data: ArrayBuffer;
  bandwidth: number;
}

export type SegmentFetch = (signal: AbortSignal) => Promise<SegmentResult>;

type Listener = (event: ProgressEventLike) => void;
type XhrEventType = 'readystatechange' | 'progress' | 'load' | 'error' | 'abort' | 'loadend';

interface ProgressEventLike {
  type: XhrEventType;
  target: SegmentXhr;
  loaded: number;
  total: number;
  lengthComputable: boolean;
  error?: unknown;
}

/**
 * A stand-in XMLHttpRequest that VHS drives exactly like a real one (through @videojs/xhr),
 * so VHS keeps its own timeouts, retries and ABR maths while the bytes come from elsewhere.
 */
export class SegmentXhr {
  readyState = 0;
  status = 0;
  statusText = '';
  response: ArrayBuffer | null = null;
  responseType: XMLHttpRequestResponseType = '';
  responseURL = '';
  timeout = 0;
  withCredentials = false;
  /** Read by VHS instead of timing the request: a segment served from memory must not look infinitely fast. */
  bandwidth: number | undefined;

  onreadystatechange: Listener | null = null;
  onload: Listener | null = null;
  onerror: Listener | null = null;
  onabort: Listener | null = null;
  ontimeout: Listener | null = null;
  onprogress: Listener | null = null;
  onloadend: Listener | null = null;

  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly requestHeaders: Record<string, string> = {};
  private readonly controller = new AbortController();
  private url = '';
  private finished = false;

  constructor(private readonly fetchSegment: SegmentFetch) {}

  open(_method: string, url: string): void {
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.requestHeaders[name] = value;
  }

  getRequestHeader(name: string): string | undefined {
    return this.requestHeaders[name];
  }

  send(): void {
    // Always settle in a later task: VHS stamps `requestTime` only after send() returns.
    this.fetchSegment(this.controller.signal).then(
      (result) => setTimeout(() => this.succeed(result), 0),
      (error: unknown) => setTimeout(() => this.fail(error), 0),
    );
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.controller.abort();
    this.readyState = 4;
    this.status = 0;
    this.dispatch('abort');
    this.dispatch('loadend');
  }

  getAllResponseHeaders(): string {
    if (!this.response) return '';
    return `content-type: video/mp2t\r\ncontent-length: ${this.response.byteLength}\r\n`;
  }

  getResponseHeader(name: string): string | null {
    if (!this.response) return null;
    const lower = name.toLowerCase();
    if (lower === 'content-length') return String(this.response.byteLength);
    if (lower === 'content-type') return 'video/mp2t';
    return null;
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  private succeed(result: SegmentResult): void {
    if (this.finished) return;
    if (result.data.byteLength === 0) {
      this.fail(new Error('empty segment'));
      return;
    }
    this.finished = true;
    const bytes = result.data.byteLength;
    this.response = result.data;
    this.bandwidth = Math.max(1, Math.round(result.bandwidth));
    this.responseURL = this.url;
    this.status = this.requestHeaders.Range ? 206 : 200;
    this.statusText = 'OK';
    this.dispatch('progress', bytes);
    this.readyState = 4;
    this.dispatch('readystatechange', bytes);
    this.dispatch('load', bytes);
    this.dispatch('loadend', bytes);
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.readyState = 4;
    this.status = 0;
    this.dispatch('error', 0, error);
    this.dispatch('loadend');
  }

  /** To `addEventListener` listeners, then the `on<type>` handler, as a real XHR does. */
  private dispatch(type: XhrEventType, loaded = 0, error?: unknown): void {
    const event: ProgressEventLike = { type, target: this, loaded, total: loaded, lengthComputable: loaded > 0 };
    if (error !== undefined) event.error = error;
    for (const listener of this.listeners.get(type) ?? []) listener(event);
    this[`on${type}`]?.(event);
  }
}
