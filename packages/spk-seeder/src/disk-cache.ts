/**
 * The seeder's segment store on disk: a file per segment and one index (`index.json`) naming
 * each file's video, segment and size and when it was last used. The total is kept within a cap
 * by dropping the least recently used segments; the index is rewritten atomically (temp file +
 * rename), so a crash leaves the old or the new one, and files the index does not know (or that
 * are missing or of the wrong size) are dropped at open. Bytes are not trusted here: readers
 * check them against the CID (CachedSegments) and delete what fails.
 *
 * A bounded memory copy of recently read segments sits in front of the files.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegmentBytesStore } from 'videojs-spk-p2p/node';
import type { Logger } from './log.js';
import { errorMessage } from './log.js';

interface IndexEntry {
  cid: string;
  segment: string;
  file: string;
  bytes: number;
  lastUsed: number;
}

interface IndexFile {
  version: 1;
  entries: IndexEntry[];
}

const INDEX = 'index.json';
const SEGMENTS = 'segments';
const INDEX_WRITE_DELAY_MS = 1000;

export class DiskFullError extends Error {
  override name = 'DiskFullError';
}

export interface DiskCacheOptions {
  dir: string;
  maxBytes: number;
  /** Bytes of recently read segments kept in memory. */
  maxMemoryBytes: number;
  log: Logger;
  /** Segments left the cache (evicted or deleted): their swarms are told. */
  onRemoved?: (cid: string, segment: string) => void;
}

const keyOf = (cid: string, segment: string) => `${cid}/${segment}`;

export class DiskCache implements SegmentBytesStore {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly memory = new Map<string, ArrayBuffer>();
  private memoryBytes = 0;
  private used = 0;
  private clock = 0;
  private indexTimer: ReturnType<typeof setTimeout> | undefined;
  private indexWrite: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: DiskCacheOptions) {}

  static async open(options: DiskCacheOptions): Promise<DiskCache> {
    const cache = new DiskCache(options);
    await mkdir(join(options.dir, SEGMENTS), { recursive: true });
    await cache.load();
    return cache;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Bytes of segments held in memory now (at most `maxMemoryBytes`). */
  get memoryBytesUsed(): number {
    return this.memoryBytes;
  }

  get count(): number {
    return this.entries.size;
  }

  has(cid: string, segment: string): boolean {
    return this.entries.has(keyOf(cid, segment));
  }

  segmentsOf(cid: string): string[] {
    return [...this.entries.values()].filter((entry) => entry.cid === cid).map((entry) => entry.segment);
  }

  async get(cid: string, segment: string): Promise<ArrayBuffer | undefined> {
    const key = keyOf(cid, segment);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.touch(entry);
    const remembered = this.memory.get(key);
    if (remembered) {
      this.memory.delete(key);
      this.memory.set(key, remembered);
      return remembered;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.options.dir, SEGMENTS, entry.file));
    } catch (error) {
      this.options.log.warn('cached segment unreadable, dropped', { cid, segment, error: errorMessage(error) });
      await this.delete(cid, segment);
      return undefined;
    }
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.remember(key, data);
    return data;
  }

  /**
   * Stores a segment, evicting the least recently used ones to make room. Returns false (and
   * stores nothing) when it cannot fit: larger than the cap, or room only at the cost of segments
   * used at or after `keepUsedSince` (a prefetch must not evict what it has just fetched).
   * Throws DiskFullError when the disk itself is full.
   */
  async put(cid: string, segment: string, data: ArrayBuffer, keepUsedSince?: number): Promise<boolean> {
    const key = keyOf(cid, segment);
    const previous = this.entries.get(key);
    const room = this.options.maxBytes - (this.used - (previous?.bytes ?? 0));
    if (data.byteLength > this.options.maxBytes) return false;
    const victims = data.byteLength > room ? this.victimsFor(data.byteLength - room, key, keepUsedSince) : [];
    if (!victims) return false;
    const file = `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.seg`;
    try {
      await writeFile(join(this.options.dir, SEGMENTS, `${file}.tmp`), new Uint8Array(data));
      await rename(join(this.options.dir, SEGMENTS, `${file}.tmp`), join(this.options.dir, SEGMENTS, file));
    } catch (error) {
      await rm(join(this.options.dir, SEGMENTS, `${file}.tmp`), { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new DiskFullError(`disk full writing to ${this.options.dir}`);
      throw error;
    }
    await this.evict(victims);
    if (previous) this.used -= previous.bytes;
    const entry: IndexEntry = { cid, segment, file, bytes: data.byteLength, lastUsed: 0 };
    this.entries.set(key, entry);
    this.used += data.byteLength;
    this.touch(entry);
    this.remember(key, data);
    return true;
  }

  async delete(cid: string, segment: string): Promise<void> {
    const key = keyOf(cid, segment);
    const entry = this.entries.get(key);
    if (!entry) return;
    this.drop(key, entry);
    await rm(join(this.options.dir, SEGMENTS, entry.file), { force: true });
  }

  /** Writes the index now; later changes are written again as they come. */
  async flush(): Promise<void> {
    if (this.indexTimer !== undefined) clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    await this.writeIndex();
  }

  close(): void {
    this.closed = true;
    void this.flush();
  }

  /** The least recently used entries that free `bytes`, or undefined when only newer ones than `keepUsedSince` would. */
  private victimsFor(bytes: number, except: string, keepUsedSince: number | undefined): Array<[string, IndexEntry]> | undefined {
    const candidates = [...this.entries.entries()].filter(([key]) => key !== except).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    const victims: Array<[string, IndexEntry]> = [];
    let freed = 0;
    for (const candidate of candidates) {
      if (freed >= bytes) break;
      if (keepUsedSince !== undefined && candidate[1].lastUsed >= keepUsedSince) return undefined;
      freed += candidate[1].bytes;
      victims.push(candidate);
    }
    return freed >= bytes ? victims : undefined;
  }

  private async evict(victims: ReadonlyArray<[string, IndexEntry]>): Promise<void> {
    for (const [key, entry] of victims) {
      if (this.entries.get(key) !== entry) continue;
      this.drop(key, entry);
      this.options.log.debug('evicted', { cid: entry.cid, segment: entry.segment, bytes: entry.bytes });
    }
    await Promise.all(victims.map(([, entry]) => rm(join(this.options.dir, SEGMENTS, entry.file), { force: true })));
  }

  /** A logical clock: orders uses without trusting the wall clock across restarts. */
  tick(): number {
    return ++this.clock;
  }

  private touch(entry: IndexEntry): void {
    entry.lastUsed = this.tick();
    this.scheduleIndexWrite();
  }

  private drop(key: string, entry: IndexEntry): void {
    this.entries.delete(key);
    this.used -= entry.bytes;
    const remembered = this.memory.get(key);
    if (remembered) {
      this.memory.delete(key);
      this.memoryBytes -= remembered.byteLength;
    }
    this.scheduleIndexWrite();
    this.options.onRemoved?.(entry.cid, entry.segment);
  }

  private remember(key: string, data: ArrayBuffer): void {
    // A segment stored again, or read by two requests at once: its old copy is not counted twice.
    const previous = this.memory.get(key);
    if (previous) {
      this.memory.delete(key);
      this.memoryBytes -= previous.byteLength;
    }
    if (data.byteLength > this.options.maxMemoryBytes) return;
    this.memory.set(key, data);
    this.memoryBytes += data.byteLength;
    for (const [oldKey, old] of this.memory) {
      if (this.memoryBytes <= this.options.maxMemoryBytes) break;
      this.memory.delete(oldKey);
      this.memoryBytes -= old.byteLength;
    }
  }

  private scheduleIndexWrite(): void {
    if (this.indexTimer !== undefined || this.closed) return;
    this.indexTimer = setTimeout(() => {
      this.indexTimer = undefined;
      void this.writeIndex();
    }, INDEX_WRITE_DELAY_MS);
    this.indexTimer.unref();
  }

  private writeIndex(): Promise<void> {
    const body: IndexFile = { version: 1, entries: [...this.entries.values()] };
    const path = join(this.options.dir, INDEX);
    this.indexWrite = this.indexWrite.then(async () => {
      try {
        await writeFile(`${path}.tmp`, JSON.stringify(body));
        await rename(`${path}.tmp`, path);
      } catch (error) {
        this.options.log.error('cannot write the cache index', { path, error: errorMessage(error) });
      }
    });
    return this.indexWrite;
  }

  private async load(): Promise<void> {
    const { dir, log } = this.options;
    let index: IndexFile | undefined;
    try {
      const parsed = JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as IndexFile;
      if (parsed.version === 1 && Array.isArray(parsed.entries)) index = parsed;
      else log.warn('cache index of an unknown version: starting empty', { dir });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cache index unreadable: starting empty', { dir, error: errorMessage(error) });
    }
    const known = new Set<string>();
    for (const entry of [...(index?.entries ?? [])].sort((a, b) => a.lastUsed - b.lastUsed)) {
      const size = await stat(join(dir, SEGMENTS, entry.file)).then((s) => s.size, () => -1);
      if (size !== entry.bytes) continue;
      known.add(entry.file);
      this.entries.set(keyOf(entry.cid, entry.segment), { ...entry, lastUsed: this.tick() });
      this.used += entry.bytes;
    }
    for (const file of await readdir(join(dir, SEGMENTS))) {
      if (!known.has(file)) await rm(join(dir, SEGMENTS, file), { force: true });
    }
    // A lowered cap takes effect at once.
    if (this.used > this.options.maxBytes) await this.evict(this.victimsFor(this.used - this.options.maxBytes, '', undefined) ?? []);
    log.info('disk cache opened', { dir, segments: this.entries.size, bytes: this.used, maxBytes: this.options.maxBytes });
  }
}
