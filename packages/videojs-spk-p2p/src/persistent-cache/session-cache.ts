/**
 * One source session's use of the browser's persistent segment cache. This file is in the
 * first-frame bundle and stays small: the cache itself (IndexedDB code) is a lazily loaded chunk,
 * opened while VHS fetches its playlists, or with the engine when the page answers those itself.
 *
 * - Segments VHS would fetch itself (the first one, before the P2P engine is up, and any the
 *   engine cannot serve) are taken from the cache when it holds them, checked; otherwise from
 *   the CDN, and kept once the session has checked them (`keep`).
 * - Behind the engine's memory storage it answers for every segment the engine asks about, so
 *   a rewatch is served from it and its segments are announced and served to peers.
 */
import type { Segment } from 'p2p-media-loader-core';
import type { SegmentVerdict } from '../integrity/segment-verifier.js';
import { DEFAULT_PERSISTENT_CACHE_BYTES, type PersistentCacheOption } from '../options.js';
import { cdnSegmentFetch } from '../cdn-fetch.js';
import { parseRangeHeader } from '../segment-identity.js';
import type { LimitedSegmentStorage } from '../segment-storage.js';
import type { SegmentFetch } from '../segment-xhr.js';
import type { CachedSegments } from './cached-segments.js';

export interface SessionCacheOptions {
  option: boolean | PersistentCacheOption;
  videoCid: string;
  masterUrl: string;
  verify(url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): Promise<SegmentVerdict>;
  segmentsOfStream(streamKey: string): readonly Segment[] | undefined;
  /** VHS's current bandwidth estimate (bits/s), so a segment read from disk does not move its ABR. */
  bandwidth(): number | undefined;
  onServed(source: 'cache', bytes: number, url: string, durationMs: number): void;
  /**
   * A segment fetched from the CDN in VHS's place, with a copy of its bytes (VHS detaches the
   * buffer it is given). It is not stored here: the session checks it first and then calls `keep`.
   */
  onFetched(data: ArrayBuffer, url: string, byteRange: { start: number; end: number } | undefined, durationMs: number): void;
  onCorrupt(segment: string): void;
}

/** The cache opens within milliseconds; a browser that takes longer plays its first segment from the CDN. */
const OPEN_WAIT_MS = 1500;
/** VHS's own starting estimate (its INITIAL_BANDWIDTH). */
const FALLBACK_BANDWIDTH_BPS = 4_194_304;

export class SessionCache {
  private opening: Promise<CachedSegments | undefined> | undefined;
  private cached: CachedSegments | undefined;
  /** Runtime ids of segments the engine took from the cache (not downloaded), for their source. */
  private readonly servedFromCache = new Set<string>();

  constructor(private readonly options: SessionCacheOptions) {}

  /**
   * The open cache, opened on first use (see SourceSession.playlistRequested): a page that
   * answers the first segment itself, as `<spk-player>`'s early fetch does, has no use for it
   * before the engine starts, and opening it meanwhile made that first frame later.
   */
  get ready(): Promise<CachedSegments | undefined> {
    this.opening ??= this.open();
    return this.opening;
  }

  /** Closes the database if it was opened; never opens it. */
  close(): void {
    void this.opening?.then((cached) => cached?.cache.close());
  }

  private open(): Promise<CachedSegments | undefined> {
    const { option } = this.options;
    const settings = typeof option === 'object' ? option : {};
    const maxBytes = settings.maxBytes ?? DEFAULT_PERSISTENT_CACHE_BYTES;
    return import('./index.js')
      .then((m) =>
        m.openCachedSegments(
          { maxBytes, databaseName: settings.databaseName },
          {
            videoCid: this.options.videoCid,
            masterUrl: this.options.masterUrl,
            verify: this.options.verify,
            segmentsOfStream: this.options.segmentsOfStream,
            onCorrupt: this.options.onCorrupt,
          },
        ),
      )
      .catch(() => undefined)
      .then((cached) => (this.cached = cached));
  }

  /** Whether the open cache holds this segment; false while it is still opening or when it is off. */
  async holds(uri: string, rangeHeader: string | undefined): Promise<boolean> {
    const cached = await this.ready;
    return cached?.hasUrl(uri, parseRangeHeader(rangeHeader)) ?? false;
  }

  static enabled(option: boolean | PersistentCacheOption): boolean {
    return option !== false && (typeof option !== 'object' || option.maxBytes !== 0);
  }

  /** Puts the cache behind the engine's memory storage once it is open. */
  attach(storage: LimitedSegmentStorage): void {
    void this.ready.then((cached) => {
      if (!cached) return;
      storage.setBackingStore({
        has: (streamId, segmentId) => cached.has(streamId, segmentId),
        ids: (streamId) => cached.ids(streamId),
        read: async (streamId, segmentId) => {
          const data = await cached.read(streamId, segmentId);
          const segment = data && this.options.segmentsOfStream(streamId.slice(`v2-${this.options.videoCid}-`.length))?.[segmentId];
          if (segment) this.servedFromCache.add(segment.runtimeId);
          return data;
        },
        store: (streamId, segmentId, data) => cached.store(streamId, segmentId, data),
      });
    });
  }

  /** Stores bytes VHS fetched itself once they passed their check (they are then offered to peers). */
  keep(uri: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): void {
    void this.ready.then((cached) => cached?.storeUrl(uri, byteRange, data));
  }

  /** `cache` when the engine had this segment from the persistent cache rather than a download. */
  storedSource(segment: Segment): 'cache' | undefined {
    return this.servedFromCache.delete(segment.runtimeId) ? 'cache' : undefined;
  }

  /** A stand-in for a segment request VHS would make itself: from the cache when it has it, else the CDN. */
  segmentFetch(uri: string, rangeHeader: string | undefined): SegmentFetch {
    const byteRange = parseRangeHeader(rangeHeader);
    const fromCdn = cdnSegmentFetch(uri, rangeHeader, this.options.onFetched);
    return async (signal) => {
      const startedAt = performance.now();
      const cached = this.cached ?? (await Promise.race([this.ready, new Promise<undefined>((resolve) => setTimeout(resolve, OPEN_WAIT_MS))]));
      if (cached?.hasUrl(uri, byteRange)) {
        const data = await cached.readUrl(uri, byteRange);
        if (data) {
          this.options.onServed('cache', data.byteLength, uri, performance.now() - startedAt);
          return { data, bandwidth: this.options.bandwidth() ?? FALLBACK_BANDWIDTH_BPS };
        }
      }
      return fromCdn(signal);
    };
  }
}
