/**
 * Start-up without waiting for Video.js: while its chunk loads and runs, fetch the master
 * playlist, the media playlist of the rendition the page will start with, and that playlist's
 * first segment. VHS then gets each of them from here (through a request hook) instead of the
 * network, once: every early response is handed out at most one time, so nothing is fetched
 * twice.
 *
 * The fetching runs in a worker: Video.js's chunk keeps the main thread busy for hundreds of
 * milliseconds while it evaluates, and a chain of fetches on the main thread would wait for it
 * between each step.
 */

export interface EarlyResponse {
  url: string;
  status: number;
  body: string | ArrayBuffer;
  /** Bits per second this response arrived at, for VHS's first bandwidth estimate. */
  bandwidth: number;
}

interface JobInput {
  masterUrl: string;
  playerHeight: number;
  downlinkBps: number | undefined;
  withSegment: boolean;
}

/** Messages from the job, in order: a URL is announced before the response that leads VHS to it. */
type JobMessage = { announce: string; media?: boolean } | { response: EarlyResponse } | { failed: string };

/**
 * The whole fetch chain, self-contained so that it can run as a worker's source text. Picks the
 * smallest rendition that fills the player's height on this screen within what the connection
 * is said to carry (the lowest when none fits); VHS's own first pick has the same two limits.
 * Plain TS segments only: keys, init sections and byte ranges need more than a URL to match.
 */
function earlyFetchJob(input: JobInput, post: (message: JobMessage, transfer?: Transferable[]) => void): void {
  const get = async (url: string, bytes: boolean): Promise<EarlyResponse | undefined> => {
    const started = performance.now();
    try {
      const reply = await fetch(url, { credentials: 'same-origin' });
      if (!reply.ok) throw new Error(String(reply.status));
      const body = bytes ? await reply.arrayBuffer() : await reply.text();
      const size = typeof body === 'string' ? body.length : body.byteLength;
      return { url, status: reply.status, body, bandwidth: Math.round((size * 8000) / Math.max(1, performance.now() - started)) };
    } catch {
      post({ failed: url });
      return undefined;
    }
  };
  const uriAfter = (lines: string[], from: number) => lines.slice(from).find((line) => line.trim() !== '' && !line.startsWith('#'))?.trim();
  void (async () => {
    const master = await get(input.masterUrl, false);
    if (!master) return;
    const lines = (master.body as string).split(/\r?\n/);
    const variants: { uri: string; height: number; bandwidth: number }[] = [];
    lines.forEach((line, i) => {
      const uri = line.startsWith('#EXT-X-STREAM-INF:') ? uriAfter(lines, i + 1) : undefined;
      if (uri) variants.push({ uri: new URL(uri, master.url).href, height: Number(/RESOLUTION=\d+x(\d+)/.exec(line)?.[1] ?? 0), bandwidth: Number(/[:,]BANDWIDTH=(\d+)/.exec(line)?.[1] ?? 0) });
    });
    const affordable = variants.filter((variant) => input.downlinkBps === undefined || variant.bandwidth <= input.downlinkBps);
    const pool = (affordable.length > 0 ? affordable : variants).sort((a, b) => a.height - b.height || a.bandwidth - b.bandwidth);
    const variant = pool.find((candidate) => candidate.height >= input.playerHeight) ?? pool[pool.length - 1];
    if (variant) post({ announce: variant.uri, media: true });
    post({ response: master });
    if (!variant) return;
    const media = await get(variant.uri, false);
    if (!media) return;
    const text = media.body as string;
    const first = input.withSegment && !/^#EXT-X-(KEY|MAP|BYTERANGE)/m.test(text) ? uriAfter(text.split(/\r?\n/), 0) : undefined;
    const segmentUrl = first === undefined ? undefined : new URL(first, media.url).href;
    if (segmentUrl) post({ announce: segmentUrl });
    post({ response: media });
    if (!segmentUrl) return;
    const segment = await get(segmentUrl, true);
    if (segment) post({ response: segment }, [segment.body as ArrayBuffer]);
  })();
}

export class EarlyFetch {
  private readonly responses = new Map<string, Promise<EarlyResponse | undefined>>();
  private readonly settle = new Map<string, (response: EarlyResponse | undefined) => void>();
  private worker: Worker | undefined;
  /** The media playlist chosen for the start, for the player's first rendition pick. */
  mediaUrl: string | undefined;

  constructor(input: JobInput, signal: AbortSignal) {
    this.expect(input.masterUrl);
    const onMessage = (message: JobMessage) => {
      if ('announce' in message) {
        this.expect(message.announce);
        if (message.media) this.mediaUrl = message.announce;
      } else if ('response' in message) this.settle.get(message.response.url)?.(message.response);
      else {
        // VHS then fetches it itself, with its own error handling and retries.
        this.responses.delete(message.failed);
        this.settle.get(message.failed)?.(undefined);
      }
    };
    try {
      const source = URL.createObjectURL(new Blob([`onmessage=(e)=>(${earlyFetchJob.toString()})(e.data,postMessage)`], { type: 'text/javascript' }));
      this.worker = new Worker(source);
      URL.revokeObjectURL(source);
      this.worker.onmessage = (event: MessageEvent<JobMessage>) => onMessage(event.data);
      this.worker.postMessage(input);
    } catch {
      // A page whose CSP refuses blob: workers still gets the early fetch, on the main thread.
      earlyFetchJob(input, onMessage);
    }
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** The early response for `url`, once; undefined when there is none (VHS then fetches it). */
  take(url: string): Promise<EarlyResponse | undefined> | undefined {
    const response = this.responses.get(url);
    this.responses.delete(url);
    return response;
  }

  private expect(url: string): void {
    this.responses.set(url, new Promise((resolve) => this.settle.set(url, resolve)));
  }

  private stop(): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const resolve of this.settle.values()) resolve(undefined);
  }
}

/**
 * Starts fetching for a player about to be made in `element`; `withSegment` false when playback
 * will not start at 0 (the first segment VHS asks for is then another one).
 */
export function startEarlyFetch(element: HTMLElement, masterUrl: string, withSegment: boolean, signal: AbortSignal): EarlyFetch {
  const box = element.getBoundingClientRect();
  const cssHeight = box.height || (box.width * 9) / 16;
  const downlink = (navigator as { connection?: { downlink?: number } }).connection?.downlink;
  return new EarlyFetch({ masterUrl, playerHeight: cssHeight * (window.devicePixelRatio || 1), downlinkBps: downlink ? downlink * 1e6 : undefined, withSegment }, signal);
}
