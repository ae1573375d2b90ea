import type { SegmentStorage, StreamType } from 'p2p-media-loader-core';
import type { UploadLimiter } from './upload-limiter.js';

interface StoredSegment {
  data: ArrayBuffer;
  startTime: number;
  endTime: number;
}

const MIB = 1024 * 1024;

/**
 * A slower store behind the memory one (the browser's persistent cache): what it holds is
 * announced and served to peers like memory segments, and everything stored is handed to it.
 */
export interface SegmentBackingStore {
  has(streamId: string, segmentId: number): boolean;
  ids(streamId: string): number[];
  /** Checked bytes, or undefined (absent, or failed its check). */
  read(streamId: string, segmentId: number): Promise<ArrayBuffer | undefined>;
  store(streamId: string, segmentId: number, data: ArrayBuffer): void;
}

/**
 * In-memory segment store the core shares from. It differs from the core's own store in one way
 * that matters: reads for peers go through the upload limiter, and a refused read answers
 * "absent", so the asking peer falls back to another source at once instead of waiting.
 *
 * The core reads for two reasons with the same call; it always announces a read for the local
 * player with `onSegmentRequested` just before, so such a read is let through unlimited.
 */
export class LimitedSegmentStorage implements SegmentStorage {
  private readonly streams = new Map<string, Map<number, StoredSegment>>();
  private readonly localReads = new Set<string>();
  private usedBytes = 0;
  private position = 0;
  private onChange: ((streamId: string) => void) | undefined;
  private backing: SegmentBackingStore | undefined;

  constructor(
    private readonly limitBytes: number,
    private readonly limiter: UploadLimiter,
    private readonly onUploadRefused: () => void,
    /** How long a peer's request may be held for the upload limit; below the peers' no-bytes timeout. */
    private readonly maxUploadHoldMs = 600,
  ) {}

  static fromMiB(limitMiB: number, limiter: UploadLimiter, onUploadRefused: () => void, maxUploadHoldMs?: number): LimitedSegmentStorage {
    return new LimitedSegmentStorage(Math.max(1, limitMiB) * MIB, limiter, onUploadRefused, maxUploadHoldMs);
  }

  async initialize(): Promise<void> {}

  /** Set once the persistent cache has opened (it may never); memory stays the first place looked. */
  setBackingStore(backing: SegmentBackingStore): void {
    this.backing = backing;
  }

  onPlaybackUpdated(position: number): void {
    this.position = position;
  }

  onSegmentRequested(_swarmId: string, streamId: string, segmentId: number): void {
    const key = `${streamId}\u0000${segmentId}`;
    this.localReads.add(key);
    // The core's local read follows synchronously; anything left over is stale by the next task.
    queueMicrotask(() => this.localReads.delete(key));
  }

  async storeSegment(
    _swarmId: string,
    streamId: string,
    segmentId: number,
    data: ArrayBuffer,
    startTime: number,
    endTime: number,
    _streamType: StreamType,
    _isLive: boolean,
  ): Promise<void> {
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = new Map();
      this.streams.set(streamId, stream);
    }
    const previous = stream.get(segmentId);
    if (previous) this.usedBytes -= previous.data.byteLength;
    stream.set(segmentId, { data, startTime, endTime });
    this.usedBytes += data.byteLength;
    this.evict();
    this.backing?.store(streamId, segmentId, data);
    this.onChange?.(streamId);
  }

  async getSegmentData(_swarmId: string, streamId: string, segmentId: number): Promise<ArrayBuffer | undefined> {
    const key = `${streamId}\u0000${segmentId}`;
    // Before any await: the local-read mark lasts only until the next microtask.
    const local = this.localReads.delete(key);
    const data = this.streams.get(streamId)?.get(segmentId)?.data ?? (await this.backing?.read(streamId, segmentId));
    if (!data) return undefined;
    if (local) return data;
    if (!(await this.limiter.take(data.byteLength, this.maxUploadHoldMs))) {
      this.onUploadRefused();
      return undefined;
    }
    return data;
  }

  /** The backing store gained or lost segments of a stream: its peers are told what we hold now. */
  backingChanged(streamId: string): void {
    this.onChange?.(streamId);
  }

  /** Makes the core re-announce every stream's segments to its peers. */
  announceAll(): void {
    for (const streamId of this.streams.keys()) this.onChange?.(streamId);
  }

  getUsage(): { totalCapacity: number; usedCapacity: number } {
    return { totalCapacity: this.limitBytes, usedCapacity: this.usedBytes };
  }

  hasSegment(_swarmId: string, streamId: string, segmentId: number): boolean {
    return (this.streams.get(streamId)?.has(segmentId) ?? false) || (this.backing?.has(streamId, segmentId) ?? false);
  }

  getStoredSegmentIds(_swarmId: string, streamId: string): number[] {
    const inMemory = [...(this.streams.get(streamId)?.keys() ?? [])];
    if (!this.backing) return inMemory;
    return [...new Set([...inMemory, ...this.backing.ids(streamId)])];
  }

  setSegmentChangeCallback(callback: (streamId: string) => void): void {
    this.onChange = callback;
  }

  destroy(): void {
    this.streams.clear();
    this.localReads.clear();
    this.usedBytes = 0;
    this.onChange = undefined;
    this.backing = undefined;
  }

  /** Drops the segments farthest from the playhead first: those are the least likely to be asked for. */
  private evict(): void {
    while (this.usedBytes > this.limitBytes) {
      let victim: { streamId: string; segmentId: number; distance: number; bytes: number } | undefined;
      for (const [streamId, stream] of this.streams) {
        for (const [segmentId, segment] of stream) {
          const distance =
            segment.endTime < this.position ? this.position - segment.endTime : Math.max(0, segment.startTime - this.position);
          if (!victim || distance > victim.distance) {
            victim = { streamId, segmentId, distance, bytes: segment.data.byteLength };
          }
        }
      }
      if (!victim) return;
      this.streams.get(victim.streamId)?.delete(victim.segmentId);
      this.usedBytes -= victim.bytes;
      this.onChange?.(victim.streamId);
    }
  }
}
