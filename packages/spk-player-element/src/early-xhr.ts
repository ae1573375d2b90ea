/**
 * A stand-in XMLHttpRequest for VHS (driven through @videojs/xhr) that answers from an early
 * response. It completes asynchronously and sets `bandwidth`, as VHS needs (see the VHS notes).
 */
import type { EarlyResponse } from './early-fetch.js';

type Handler = ((event: { type: string; target: EarlyXhr; loaded: number; total: number }) => void) | null;

export class EarlyXhr {
  readyState = 0;
  status = 0;
  statusText = '';
  response: string | ArrayBuffer | null = null;
  responseText = '';
  responseType = '';
  responseURL = '';
  timeout = 0;
  withCredentials = false;
  bandwidth: number | undefined;
  onreadystatechange: Handler = null;
  onload: Handler = null;
  onerror: Handler = null;
  onabort: Handler = null;
  ontimeout: Handler = null;
  onprogress: Handler = null;
  onloadend: Handler = null;
  private aborted = false;
  private readonly listeners: { type: string; listener: NonNullable<Handler> }[] = [];

  constructor(
    private readonly early: Promise<EarlyResponse | undefined>,
    private readonly url: string,
  ) {}

  open(): void {
    this.readyState = 1;
  }

  setRequestHeader(): void {}

  send(): void {
    void this.early.then((response) =>
      // A later task, always: VHS stamps `requestTime` after send() returns.
      setTimeout(() => {
        if (this.aborted) return;
        if (response) this.finish(response);
        else void this.fetchItself();
      }, 0),
    );
  }

  /** The early fetch failed (nothing arrived): fetch for real, as VHS would have. */
  private async fetchItself(): Promise<void> {
    const started = performance.now();
    try {
      const reply = await fetch(this.url, { credentials: 'same-origin' });
      const body = this.responseType === 'arraybuffer' ? await reply.arrayBuffer() : await reply.text();
      const size = typeof body === 'string' ? body.length : body.byteLength;
      if (this.aborted) return;
      this.finish({ url: this.url, status: reply.status, body, bandwidth: Math.round((size * 8) / Math.max(0.001, (performance.now() - started) / 1000)) });
    } catch {
      if (this.aborted) return;
      this.readyState = 4;
      this.emit('error', 0);
      this.emit('loadend', 0);
    }
  }

  abort(): void {
    if (this.aborted || this.readyState === 4) return;
    this.aborted = true;
    this.readyState = 4;
    this.emit('abort', 0);
    this.emit('loadend', 0);
  }

  getAllResponseHeaders(): string {
    return '';
  }

  getResponseHeader(): null {
    return null;
  }

  addEventListener(type: string, listener: NonNullable<Handler>): void {
    this.listeners.push({ type, listener });
  }

  removeEventListener(type: string, listener: NonNullable<Handler>): void {
    const index = this.listeners.findIndex((entry) => entry.type === type && entry.listener === listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  private finish(response: EarlyResponse): void {
    const body = response.body;
    // Handed out once (EarlyFetch.take), so VHS may transfer this buffer to its worker as its own.
    this.response = body;
    this.responseText = typeof body === 'string' ? body : '';
    this.bandwidth = response.bandwidth;
    this.responseURL = response.url;
    this.status = response.status;
    this.statusText = 'OK';
    const size = typeof body === 'string' ? body.length : body.byteLength;
    this.emit('progress', size);
    this.readyState = 4;
    for (const type of ['readystatechange', 'load', 'loadend']) this.emit(type, size);
  }

  private emit(type: string, loaded: number): void {
    const event = { type, target: this, loaded, total: loaded };
    for (const entry of this.listeners) if (entry.type === type) entry.listener(event);
    (this as unknown as Record<string, Handler>)[`on${type}`]?.(event);
  }
}
