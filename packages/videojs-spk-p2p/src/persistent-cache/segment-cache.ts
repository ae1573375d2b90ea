/**
 * Segments this browser played, kept in IndexedDB across visits, bounded in bytes and evicted
 * least-recently-used. The core asks "do you have it?" synchronously, so the entries' index
 * (names, sizes, last use; never the bytes) lives in memory, loaded once when the cache opens.
 *
 * Every failure of IndexedDB (none at all, a private mode that refuses it, a quota error, a
 * broken database) turns the cache off for this page: a cache never becomes an error.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

interface Entry {
  key: string;
  videoCid: string;
  segment: string;
  bytes: number;
  lastUsed: number;
}

interface CacheSchema extends DBSchema {
  /** The bytes, apart from the index, so opening the cache never reads them. */
  data: { key: string; value: ArrayBuffer };
  entries: { key: string; value: Entry };
}

export const DEFAULT_CACHE_DATABASE = 'spk-p2p-segments';

export interface SegmentCacheOptions {
  maxBytes: number;
  databaseName?: string;
}

export interface SegmentCacheUsage {
  usedBytes: number;
  maxBytes: number;
  entries: number;
}

function keyOf(videoCid: string, segment: string): string {
  return `${videoCid}\u0000${segment}`;
}

export class PersistentSegmentCache {
  private readonly index = new Map<string, Entry>();
  private usedBytes = 0;
  private clock = 0;
  private disabled = false;
  /** Writes one after another: each eviction must see the bytes the previous write added. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: IDBPDatabase<CacheSchema>,
    readonly maxBytes: number,
  ) {}

  /** Resolves to `undefined` when this browser gives no usable IndexedDB. */
  static async open(options: SegmentCacheOptions): Promise<PersistentSegmentCache | undefined> {
    if (options.maxBytes <= 0 || typeof indexedDB === 'undefined') return undefined;
    try {
      const db = await openDB<CacheSchema>(options.databaseName ?? DEFAULT_CACHE_DATABASE, 1, {
        upgrade(database) {
          database.createObjectStore('data');
          database.createObjectStore('entries', { keyPath: 'key' });
        },
      });
      const cache = new PersistentSegmentCache(db, options.maxBytes);
      const entries = await db.getAll('entries');
      entries.sort((a, b) => a.lastUsed - b.lastUsed);
      for (const entry of entries) {
        cache.index.set(entry.key, entry);
        cache.usedBytes += entry.bytes;
        cache.clock = Math.max(cache.clock, entry.lastUsed);
      }
      // A smaller limit than last visit's: shrink now.
      await cache.evictFor(0);
      return cache;
    } catch {
      return undefined;
    }
  }

  get enabled(): boolean {
    return !this.disabled;
  }

  has(videoCid: string, segment: string): boolean {
    return !this.disabled && this.index.has(keyOf(videoCid, segment));
  }

  usage(): SegmentCacheUsage {
    return { usedBytes: this.usedBytes, maxBytes: this.maxBytes, entries: this.index.size };
  }

  /** The bytes as stored (not yet checked: see CachedSegments), and the entry becomes the most recently used. */
  async get(videoCid: string, segment: string): Promise<ArrayBuffer | undefined> {
    const entry = this.index.get(keyOf(videoCid, segment));
    if (this.disabled || !entry) return undefined;
    try {
      const data = await this.db.get('data', entry.key);
      if (!(data instanceof ArrayBuffer)) {
        await this.delete(videoCid, segment);
        return undefined;
      }
      entry.lastUsed = this.tick();
      // The new position in the LRU order is worth keeping, not worth waiting for.
      void this.db.put('entries', entry).catch(() => undefined);
      return data;
    } catch {
      this.disable();
      return undefined;
    }
  }

  /** Stores a segment (replacing one of the same name); false when the cache cannot take it. */
  put(videoCid: string, segment: string, data: ArrayBuffer): Promise<boolean> {
    const run = this.writes.then(() => this.write(videoCid, segment, data));
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async write(videoCid: string, segment: string, data: ArrayBuffer): Promise<boolean> {
    if (this.disabled || data.byteLength === 0 || data.byteLength > this.maxBytes) return false;
    const key = keyOf(videoCid, segment);
    const previous = this.index.get(key);
    if (previous?.bytes === data.byteLength) {
      previous.lastUsed = this.tick();
      return true;
    }
    try {
      await this.evictFor(data.byteLength - (previous?.bytes ?? 0));
      const entry: Entry = { key, videoCid, segment, bytes: data.byteLength, lastUsed: this.tick() };
      const tx = this.db.transaction(['data', 'entries'], 'readwrite');
      await Promise.all([tx.objectStore('data').put(data, key), tx.objectStore('entries').put(entry), tx.done]);
      if (previous) this.usedBytes -= previous.bytes;
      this.index.set(key, entry);
      this.usedBytes += entry.bytes;
      return true;
    } catch {
      // QuotaExceededError above all: the browser decided there is no room, so no cache.
      this.disable();
      return false;
    }
  }

  async delete(videoCid: string, segment: string): Promise<void> {
    await this.remove([keyOf(videoCid, segment)]);
  }

  close(): void {
    this.db.close();
  }

  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  /** Drops least-recently-used entries until `incoming` more bytes fit. */
  private async evictFor(incoming: number): Promise<void> {
    if (this.usedBytes + incoming <= this.maxBytes) return;
    const victims: string[] = [];
    let freed = 0;
    const byAge = [...this.index.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of byAge) {
      if (this.usedBytes - freed + incoming <= this.maxBytes) break;
      victims.push(entry.key);
      freed += entry.bytes;
    }
    await this.remove(victims);
  }

  private async remove(keys: string[]): Promise<void> {
    const present = keys.filter((key) => this.index.has(key));
    if (present.length === 0) return;
    for (const key of present) {
      this.usedBytes -= this.index.get(key)?.bytes ?? 0;
      this.index.delete(key);
    }
    try {
      const tx = this.db.transaction(['data', 'entries'], 'readwrite');
      await Promise.all([
        ...present.flatMap((key) => [tx.objectStore('data').delete(key), tx.objectStore('entries').delete(key)]),
        tx.done,
      ]);
    } catch {
      this.disable();
    }
  }

  private disable(): void {
    this.disabled = true;
    this.index.clear();
    this.usedBytes = 0;
  }
}
