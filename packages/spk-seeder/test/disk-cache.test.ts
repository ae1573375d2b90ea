import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../src/disk-cache.js';
import { jsonLogger } from '../src/log.js';

const CID = 'QmW5frznNVKnJP4FCG7GHfN9Byn2KJH3AgmDpdmL2QRVse';
const log = jsonLogger('error');
const bytes = (size: number, fill: number) => new Uint8Array(size).fill(fill).buffer;

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spk-seeder-disk-'));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('spk-seeder disk cache', () => {
  it('stays within its cap by dropping the least recently used segments, and tells which', () =>
    withDir(async (dir) => {
      const removed: string[] = [];
      const cache = await DiskCache.open({ dir, maxBytes: 3000, maxMemoryBytes: 0, log, onRemoved: (_cid, segment) => removed.push(segment) });
      for (const name of ['a', 'b', 'c']) assert.equal(await cache.put(CID, name, bytes(1000, name.charCodeAt(0))), true);
      // Reading `a` makes `b` the least recently used.
      assert.ok(await cache.get(CID, 'a'));
      assert.equal(await cache.put(CID, 'd', bytes(1000, 100)), true);
      assert.deepEqual(removed, ['b']);
      assert.equal(cache.usedBytes, 3000);
      assert.deepEqual(['a', 'c', 'd'].map((name) => cache.has(CID, name)), [true, true, true]);
      assert.equal(cache.has(CID, 'b'), false);
      assert.equal(readdirSync(join(dir, 'segments')).length, 3, 'the evicted file is gone from disk');
      assert.equal(await cache.put(CID, 'huge', bytes(3001, 1)), false, 'larger than the cap: refused');
      // A prefetch does not evict what it fetched itself.
      const runStart = cache.tick();
      assert.equal(await cache.put(CID, 'e', bytes(1000, 101), runStart), true);
      assert.equal(await cache.put(CID, 'f', bytes(1000, 102), runStart), true);
      assert.equal(await cache.put(CID, 'g', bytes(1000, 103), runStart), true);
      assert.equal(await cache.put(CID, 'h', bytes(1000, 104), runStart), false, 'only segments of this run are left');
      assert.equal(cache.usedBytes, 3000);
      await cache.flush();
    }));

  it('survives a restart; files the index does not know, or of the wrong size, are dropped', () =>
    withDir(async (dir) => {
      const first = await DiskCache.open({ dir, maxBytes: 10_000, maxMemoryBytes: 4000, log });
      await first.put(CID, '480p/480p_0.ts', bytes(1000, 1));
      await first.put(CID, '480p/480p_1.ts', bytes(2000, 2));
      await first.flush();
      writeFileSync(join(dir, 'segments', 'stray.seg'), 'left over from a crash');
      const [truncated] = readdirSync(join(dir, 'segments')).filter((file) => file !== 'stray.seg').sort();
      assert.ok(truncated);
      const second = await DiskCache.open({ dir, maxBytes: 10_000, maxMemoryBytes: 4000, log });
      const kept = ['480p/480p_0.ts', '480p/480p_1.ts'].filter((name) => second.has(CID, name));
      assert.equal(kept.length, 2);
      assert.deepEqual(new Uint8Array((await second.get(CID, '480p/480p_1.ts'))!), new Uint8Array(bytes(2000, 2)));
      await second.flush();
      assert.equal(readdirSync(join(dir, 'segments')).includes('stray.seg'), false);
      writeFileSync(join(dir, 'segments', truncated), 'short');
      const third = await DiskCache.open({ dir, maxBytes: 10_000, maxMemoryBytes: 0, log });
      assert.equal(third.count, 1, 'the file of the wrong size was dropped');
      // A lowered cap applies at open.
      await third.flush();
      const fourth = await DiskCache.open({ dir, maxBytes: 500, maxMemoryBytes: 0, log });
      assert.equal(fourth.count, 0);
      assert.equal(fourth.usedBytes, 0);
    }));

  it('--max-memory-bytes: the in-memory copies stay within the cap, the most recently used kept', () =>
    withDir(async (dir) => {
      const cap = 2500;
      const cache = await DiskCache.open({ dir, maxBytes: 100_000, maxMemoryBytes: cap, log });
      const names = ['a', 'b', 'c', 'd', 'e', 'f'];
      for (const [index, name] of names.entries()) {
        assert.equal(await cache.put(CID, name, bytes(1000, index)), true);
        assert.ok(cache.memoryBytesUsed <= cap, `${cache.memoryBytesUsed} bytes in memory after storing ${name}`);
      }
      // Reads from disk, some of them at once, and a segment stored twice.
      for (const name of names) {
        await Promise.all([cache.get(CID, name), cache.get(CID, name)]);
        assert.ok(cache.memoryBytesUsed <= cap, `${cache.memoryBytesUsed} bytes in memory after reading ${name}`);
      }
      assert.equal(await cache.put(CID, 'f', bytes(1000, 9)), true);
      assert.equal(cache.memoryBytesUsed, 2000, 'two 1000-byte segments fit under 2500, counted once each');
      // With the files gone, only what memory holds can still be read: the two used last.
      rmSync(join(dir, 'segments'), { recursive: true, force: true });
      const readable = [];
      for (const name of ['f', 'e', 'd', 'a']) if (await cache.get(CID, name)) readable.push(name);
      assert.deepEqual(readable, ['f', 'e']);
      assert.ok(cache.memoryBytesUsed <= cap);
      await cache.flush();
    }));
});
