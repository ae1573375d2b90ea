import { assert } from '@esm-bundle/chai';
import { PersistentSegmentCache } from '../../src/persistent-cache/segment-cache.js';
import { segmentIdentity } from '../../src/segment-identity.js';

const CID = 'QmTestCid';

function bytes(length: number, fill: number): ArrayBuffer {
  return new Uint8Array(length).fill(fill).buffer;
}

describe('videojs-spk-p2p: persistent segment cache store (IndexedDB)', () => {
  let databaseName: string;
  beforeEach(() => {
    databaseName = `spk-test-${Math.random().toString(36).slice(2)}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(databaseName);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  });

  it('evicts the least recently used entry (a read counts as use) and survives reopening', async () => {
    const cache = await PersistentSegmentCache.open({ maxBytes: 300, databaseName });
    assert.ok(cache);
    await cache.put(CID, 'a.ts', bytes(100, 1));
    await cache.put(CID, 'b.ts', bytes(100, 2));
    await cache.put(CID, 'c.ts', bytes(100, 3));
    assert.deepEqual(new Uint8Array((await cache.get(CID, 'a.ts'))!)[0], 1);
    await cache.put(CID, 'd.ts', bytes(100, 4));
    assert.deepEqual(['a.ts', 'b.ts', 'c.ts', 'd.ts'].map((name) => cache.has(CID, name)), [true, false, true, true]);
    assert.deepEqual(cache.usage(), { usedBytes: 300, maxBytes: 300, entries: 3 });
    cache.close();

    // A smaller limit on the next visit shrinks the cache at once, oldest first.
    const again = await PersistentSegmentCache.open({ maxBytes: 150, databaseName });
    assert.ok(again);
    assert.deepEqual(['a.ts', 'c.ts', 'd.ts'].map((name) => again.has(CID, name)), [false, false, true]);
    assert.deepEqual(new Uint8Array((await again.get(CID, 'd.ts'))!)[0], 4);
    again.close();
  });

  it('refuses what cannot fit, and keeps videos apart', async () => {
    const cache = await PersistentSegmentCache.open({ maxBytes: 100, databaseName });
    assert.ok(cache);
    assert.isFalse(await cache.put(CID, 'big.ts', bytes(101, 1)));
    assert.isTrue(await cache.put(CID, 'x.ts', bytes(10, 1)));
    assert.isFalse(cache.has('QmOther', 'x.ts'));
    assert.isUndefined(await cache.get('QmOther', 'x.ts'));
    await cache.delete(CID, 'x.ts');
    assert.isFalse(cache.has(CID, 'x.ts'));
    cache.close();
  });

  it('is no cache at all when opted out with 0 bytes', async () => {
    assert.isUndefined(await PersistentSegmentCache.open({ maxBytes: 0, databaseName }));
  });

  it('names segments by their path below the video folder, whatever the host', () => {
    const master = 'https://gw.example/ipfs/QmV/manifest.m3u8?token=1';
    assert.strictEqual(segmentIdentity(master, 'https://other.example/ipfs/QmV/480p/480p_3.ts?x=2'), '480p/480p_3.ts');
    assert.strictEqual(segmentIdentity(master, 'https://gw.example/ipfs/QmV/480p/all.ts', { start: 0, end: 999 }), '480p/all.ts#0-999');
    assert.strictEqual(segmentIdentity(master, 'https://cdn.example/elsewhere/seg.ts'), 'elsewhere/seg.ts');
  });
});
