/**
 * The persistent cache as one video's session sees it: names segments the way receipts do
 * (`segmentIdentity`), checks every segment read back against the video's CID or sha256 map
 * before it is played or shared (IndexedDB is as writable as any page script), and answers the
 * P2P core's storage questions, which come as (stream, position) pairs.
 */
import type { Segment } from 'p2p-media-loader-core';
import type { SegmentVerdict } from '../integrity/segment-verifier.js';
import { segmentIdentity } from '../segment-identity.js';
import type { SegmentBackingStore } from '../segment-storage.js';

/**
 * Where segment bytes are kept, by video and segment identity: the browser's IndexedDB cache
 * (segment-cache.ts) or the seeder's disk cache. Reads are checked here, not there.
 */
export interface SegmentBytesStore {
  has(videoCid: string, segment: string): boolean;
  get(videoCid: string, segment: string): Promise<ArrayBuffer | undefined>;
  put(videoCid: string, segment: string, data: ArrayBuffer): Promise<boolean>;
  delete(videoCid: string, segment: string): Promise<void>;
  close(): void;
}

export interface CachedSegmentsOptions {
  cache: SegmentBytesStore;
  videoCid: string;
  masterUrl: string;
  verify(url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): Promise<SegmentVerdict>;
  /** The segments of one of the core's streams, by position (its `${type}-${index}` key). */
  segmentsOfStream(streamKey: string): ReadonlyArray<Segment | undefined> | undefined;
  /** A stored entry failed its check: it was deleted and will be fetched again. */
  onCorrupt?(segment: string): void;
}

/**
 * The core names a stream in storage calls `v2-<swarm id>-<type>-<index>` (2.3.x's peer
 * protocol version and swarm id first); the swarm id is the video CID here.
 */
const STORAGE_STREAM_PREFIX = 'v2-';

export class CachedSegments implements SegmentBackingStore {
  private readonly prefix: string;

  constructor(private readonly options: CachedSegmentsOptions) {
    this.prefix = `${STORAGE_STREAM_PREFIX}${options.videoCid}-`;
  }

  get cache(): SegmentBytesStore {
    return this.options.cache;
  }

  identityOf(url: string, byteRange: { start: number; end: number } | undefined): string {
    return segmentIdentity(this.options.masterUrl, url, byteRange);
  }

  hasUrl(url: string, byteRange: { start: number; end: number } | undefined): boolean {
    return this.options.cache.has(this.options.videoCid, this.identityOf(url, byteRange));
  }

  /** The stored bytes of a segment if they pass the video's check; a corrupted entry is deleted. */
  async readUrl(url: string, byteRange: { start: number; end: number } | undefined): Promise<ArrayBuffer | undefined> {
    const { cache, videoCid } = this.options;
    const identity = this.identityOf(url, byteRange);
    const data = await cache.get(videoCid, identity);
    if (!data) return undefined;
    let verdict: SegmentVerdict;
    try {
      verdict = await this.options.verify(url, byteRange, data);
    } catch {
      verdict = 'unverifiable';
    }
    if (verdict === 'ok') return data;
    if (verdict === 'mismatch') {
      await cache.delete(videoCid, identity);
      this.options.onCorrupt?.(identity);
    }
    // Unverifiable bytes stay stored (the check may work next time) but are never used.
    return undefined;
  }

  storeUrl(url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): void {
    void this.options.cache.put(this.options.videoCid, this.identityOf(url, byteRange), data);
  }

  has(streamId: string, segmentId: number): boolean {
    const segment = this.segmentAt(streamId, segmentId);
    return segment !== undefined && this.hasUrl(segment.url, segment.byteRange);
  }

  ids(streamId: string): number[] {
    const segments = this.segmentsOf(streamId);
    if (!segments) return [];
    const ids: number[] = [];
    for (const segment of segments) {
      if (segment && this.hasUrl(segment.url, segment.byteRange)) ids.push(segment.externalId);
    }
    return ids;
  }

  async read(streamId: string, segmentId: number): Promise<ArrayBuffer | undefined> {
    const segment = this.segmentAt(streamId, segmentId);
    return segment ? this.readUrl(segment.url, segment.byteRange) : undefined;
  }

  store(streamId: string, segmentId: number, data: ArrayBuffer): void {
    const segment = this.segmentAt(streamId, segmentId);
    if (segment) this.storeUrl(segment.url, segment.byteRange, data);
  }

  private segmentsOf(streamId: string): ReadonlyArray<Segment | undefined> | undefined {
    if (!streamId.startsWith(this.prefix)) return undefined;
    return this.options.segmentsOfStream(streamId.slice(this.prefix.length));
  }

  private segmentAt(streamId: string, segmentId: number): Segment | undefined {
    const segment = this.segmentsOf(streamId)?.[segmentId];
    return segment?.externalId === segmentId ? segment : undefined;
  }
}
