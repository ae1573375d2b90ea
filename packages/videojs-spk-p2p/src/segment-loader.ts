import type { Core, CoreRequestError, Segment, SegmentLoadDetails, SegmentStartDetails } from 'p2p-media-loader-core';
import type { SegmentSource } from './stats.js';
import type { SegmentFetch } from './segment-xhr.js';
import { fetchFromCdn } from './cdn-fetch.js';

export interface LoadedSegment {
  /** A copy: VHS transfers it to its transmuxer worker, the core keeps sharing the original. */
  data: ArrayBuffer;
  bandwidth: number;
  source: SegmentSource;
  peerId: string | undefined;
  /** How long the download from its source took (it may have been prefetched earlier). */
  durationMs: number;
  /** How long the player waited for it. */
  waitMs: number;
  /** True when the plugin fetched it itself because the P2P path ran late. */
  fallback: boolean;
}

/**
 * Why a segment the player waits on was taken from the CDN by the plugin itself:
 * - `peer-failed`: the peer download failed (silent for `cdnFallbackDelay`, closed, bad bytes);
 * - `late`: nothing arrived for `cdnFallbackDelay` while the buffer was low;
 * - `peer-too-slow`: a peer download ran past `segmentTimeout`;
 * - `engine-error`: the P2P engine failed or rejected the request;
 * - `not-in-engine`: the engine cannot load this segment (not in its playlists).
 */
export type CdnFallbackReason = 'peer-failed' | 'late' | 'peer-too-slow' | 'engine-error' | 'not-in-engine';

export interface SegmentLoaderOptions {
  cdnFallbackDelay: number;
  segmentTimeout: number;
  /** Seconds of media buffered ahead of the playhead, in wall-clock seconds (buffer / rate). */
  bufferAheadSeconds: () => number;
  /** Where a segment the core had stored without downloading it came from (the persistent cache). */
  storedSource?: (segment: Segment) => SegmentSource | undefined;
  /** Called when the loader starts fetching a segment from the CDN itself. */
  onFallback?: (segment: Segment, reason: CdnFallbackReason) => void;
  /** How the fallback fetches a segment; by default straight from its URL, unchecked. */
  fetchFallback?: (segment: Segment, signal: AbortSignal) => Promise<ArrayBuffer>;
  /**
   * Gateway hedging: ms an engine HTTP download of a segment the player waits on may run before
   * the same request also goes to another gateway; undefined means never (one gateway, not IPFS).
   */
  hedgeAfterMs?: (segment: Segment) => number | undefined;
  /** Fetches the hedge from the next-ranked gateway, checked; the first good answer wins. */
  fetchHedge?: (segment: Segment, signal: AbortSignal) => Promise<ArrayBuffer>;
  /** The hedge answered first: the engine's download is aborted. */
  onHedgeWon?: (segment: Segment) => void;
}

interface DownloadRecord {
  source: SegmentSource;
  peerId: string | undefined;
  durationMs: number;
}

interface StartRecord {
  at: number;
  url: string;
  source: SegmentSource;
  peerId: string | undefined;
}

/** Below this much buffered playback a late segment is fetched from the CDN without further waiting. */
const LOW_BUFFER_SECONDS = 3;
const WATCHDOG_TICK_MS = 250;
const MAX_RECORDS = 500;

/**
 * Serves one VHS segment request through the core and keeps the no-stall promise: the core
 * schedules HTTP and P2P itself, and this loader watches it; when the segment runs late while
 * the buffer is low, or a peer download drags past `segmentTimeout`, it takes the segment
 * straight from the CDN. An HTTP download from a gateway that runs late is hedged: the same
 * request races it on another gateway, and the first good answer wins.
 */
export class SegmentLoader {
  private readonly starts = new Map<string, StartRecord>();
  private readonly downloads = new Map<string, DownloadRecord>();
  /** Segments the player is waiting on while the core has them, each with its CDN fallback. */
  private readonly waiting = new Map<string, (reason: CdnFallbackReason) => void>();

  constructor(
    private readonly core: Core,
    private readonly options: SegmentLoaderOptions,
  ) {
    core.addEventListener('onSegmentStart', this.onSegmentStart);
    core.addEventListener('onSegmentLoaded', this.onSegmentLoaded);
  }

  detach(): void {
    this.core.removeEventListener('onSegmentStart', this.onSegmentStart);
    this.core.removeEventListener('onSegmentLoaded', this.onSegmentLoaded);
    this.starts.clear();
    this.downloads.clear();
    this.waiting.clear();
  }

  /**
   * Takes a segment the player is waiting on from the CDN now, because its peer download just
   * failed. Left to the core, the segment would be retried over HTTP only once it became urgent
   * (or by the watchdog after cdnFallbackDelay on a low buffer), by which time the player may
   * stall. Does nothing for segments no request is waiting on (prefetches).
   */
  failFast(runtimeId: string): void {
    this.waiting.get(runtimeId)?.('peer-failed');
  }

  load(segment: Segment, signal: AbortSignal): Promise<LoadedSegment> {
    const requestedAt = performance.now();
    const id = segment.runtimeId;
    return new Promise<LoadedSegment>((resolve, reject) => {
      let phase: 'core' | 'cdn' | 'done' = 'core';
      let timer: ReturnType<typeof setInterval> | undefined;
      let hedge: AbortController | undefined;

      /** A segment the loader fetched from the CDN itself (the fallback or a hedge), as VHS gets it. */
      const fetchedHere = (data: ArrayBuffer, startedAt: number, fallback: boolean): LoadedSegment => {
        const durationMs = performance.now() - startedAt;
        const bandwidth = (data.byteLength * 8 * 1000) / Math.max(1, durationMs);
        return { data, bandwidth, source: 'cdn', peerId: undefined, durationMs, waitMs: performance.now() - requestedAt, fallback };
      };
      const stop = () => {
        phase = 'done';
        hedge?.abort();
        this.forget(id, fallBack);
        if (timer !== undefined) clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (phase === 'core') this.core.abortSegmentLoading(id);
        stop();
        reject(new DOMException('aborted', 'AbortError'));
      };
      const fallBack = (reason: CdnFallbackReason) => {
        if (phase !== 'core') return;
        phase = 'cdn';
        hedge?.abort();
        this.forget(id, fallBack);
        if (timer !== undefined) clearInterval(timer);
        this.core.abortSegmentLoading(id);
        this.options.onFallback?.(segment, reason);
        const startedAt = performance.now();
        (this.options.fetchFallback ?? fetchFromCdn)(segment, signal).then(
          (data) => {
            if (phase !== 'cdn') return;
            stop();
            resolve(fetchedHere(data, startedAt, true));
          },
          (error: unknown) => {
            if (phase !== 'cdn') return;
            stop();
            reject(error);
          },
        );
      };

      if (signal.aborted) {
        reject(new DOMException('aborted', 'AbortError'));
        return;
      }
      signal.addEventListener('abort', onAbort);
      this.waiting.set(id, fallBack);
      if (!this.core.isSegmentLoadable(id)) {
        fallBack('not-in-engine');
        return;
      }

      /** The engine's HTTP download runs late: the same request races it on another gateway. */
      const startHedge = () => {
        const controller = new AbortController();
        hedge = controller;
        const startedAt = performance.now();
        this.options.fetchHedge?.(segment, controller.signal).then(
          (data) => {
            if (phase !== 'core') return;
            stop();
            this.core.abortSegmentLoading(id);
            this.options.onHedgeWon?.(segment);
            resolve(fetchedHere(data, startedAt, false));
          },
          // The engine's own download goes on (and its own timeout retries it).
          () => undefined,
        );
      };

      timer = setInterval(() => {
        if (phase !== 'core') return;
        const waited = performance.now() - requestedAt;
        const start = this.starts.get(id);
        if (hedge === undefined && start?.source === 'cdn' && this.options.fetchHedge) {
          const after = this.options.hedgeAfterMs?.(segment);
          if (after !== undefined && performance.now() - start.at >= after) startHedge();
        }
        const lowBuffer = this.options.bufferAheadSeconds() < LOW_BUFFER_SECONDS;
        const p2pDragging = start?.source === 'p2p' && performance.now() - start.at > this.options.segmentTimeout;
        if (p2pDragging) fallBack('peer-too-slow');
        else if (lowBuffer && waited >= this.options.cdnFallbackDelay && start?.source !== 'cdn') fallBack('late');
      }, WATCHDOG_TICK_MS);

      this.core
        .loadSegment(id, {
          onSuccess: ({ data, bandwidth }) => {
            if (phase !== 'core') return;
            const record = this.downloads.get(id);
            stop();
            resolve({
              data: data.slice(0),
              bandwidth,
              source: record?.source ?? this.options.storedSource?.(segment) ?? 'cdn',
              peerId: record?.peerId,
              durationMs: record?.durationMs ?? performance.now() - requestedAt,
              waitMs: performance.now() - requestedAt,
              fallback: false,
            });
          },
          onError: (error: CoreRequestError) => {
            if (phase !== 'core' || error.type === 'aborted') return;
            fallBack('engine-error');
          },
        })
        // The core rejects without calling back when it does not know the segment.
        .catch(() => fallBack('engine-error'));
    });
  }

  private readonly onSegmentStart = ({ segment, downloadSource, peerId }: SegmentStartDetails) => {
    this.remember(this.starts, segment.runtimeId, {
      at: performance.now(),
      url: segment.url,
      source: downloadSource === 'p2p' ? 'p2p' : 'cdn',
      peerId,
    });
  };

  private readonly onSegmentLoaded = ({ segmentUrl, downloadSource, peerId }: SegmentLoadDetails) => {
    const source: SegmentSource = downloadSource === 'p2p' ? 'p2p' : 'cdn';
    for (const [id, start] of this.starts) {
      if (start.url === segmentUrl && start.source === source && start.peerId === peerId) {
        this.starts.delete(id);
        this.remember(this.downloads, id, { source, peerId, durationMs: performance.now() - start.at });
        return;
      }
    }
  };

  /** Only this request's entry: a newer request for the same segment may have replaced it. */
  private forget(id: string, fallBack: (reason: CdnFallbackReason) => void): void {
    if (this.waiting.get(id) === fallBack) this.waiting.delete(id);
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_RECORDS) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
