import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { SAMPLE_CID, SAMPLE_SEGMENTS_PER_RENDITION } from '../../../demo/media/sample.js';
import { cachedEntries, manifestUrl, openPlayer, p2pOptions, useBrowserFixture, waitFor, waitForEnd, type CacheEntry, type PlayerPage } from './support.js';

const indexOf = (name: string) => Number(/_(\d+)\.ts$/.exec(name)?.[1] ?? -1);

/** Overwrites the stored bytes of one segment with garbage of the same length, as a bad extension or disk could. */
async function corruptEntry(page: Page, segment: string): Promise<void> {
  await page.evaluate(
    ({ key }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spk-p2p-segments');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('data', 'readwrite');
          const store = tx.objectStore('data');
          const get = store.get(key);
          get.onsuccess = () => {
            const bytes = new Uint8Array((get.result as ArrayBuffer).byteLength).fill(0x47);
            store.put(bytes.buffer, key);
          };
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    { key: `${SAMPLE_CID}\u0000${segment}` },
  );
}

/** Media segments this page requested over the network (its CDN), as paths below the video folder. */
async function segmentRequests(page: Page): Promise<string[]> {
  const names = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
  const marker = `/ipfs/${SAMPLE_CID}/`;
  return names
    .map((name) => new URL(name).pathname)
    .filter((path) => path.endsWith('.ts') && path.includes(marker))
    .map((path) => path.slice(path.indexOf(marker) + marker.length));
}

describe('videojs-spk-p2p: persistent segment cache (IndexedDB)', () => {
  const fixture = useBrowserFixture({ latencyMs: 10 });

  /** Plays the whole video once in `context` and waits until every segment it played is stored. */
  async function watchOnce(
    context: BrowserContext,
    clientId: string,
    extra: object = {},
    stored: (entries: CacheEntry[], played: number) => boolean = (entries, played) => entries.length >= played,
  ): Promise<{ played: number; cached: CacheEntry[] }> {
    const { browser, cdn, tracker } = fixture;
    const viewer = await openPlayer(browser, { context, pageUrl: `${cdn.url}/pages/player.html`, src: manifestUrl(cdn, clientId), options: p2pOptions(tracker.url, extra), rate: 4 });
    try {
      const end = await waitForEnd(viewer, 60_000);
      assert.deepEqual(end.errors, []);
      // Distinct segments: under load VHS may fetch one twice (an ABR switch and back), and the cache holds it once.
      const played = new Set((await viewer.events('segmentloaded')).map((event) => String(event.url))).size;
      const cached = await waitFor(async () => {
        const entries = await cachedEntries(viewer.page);
        return stored(entries, played) ? entries : undefined;
      }, 10_000, 'played segments stored');
      return { played, cached };
    } finally {
      await viewer.close();
    }
  }

  it('a rewatch in the same browser profile plays from IndexedDB: no CDN request for any cached segment', async () => {
    const { browser, cdn, tracker } = fixture;
    const context = await browser.newContext();
    let second: PlayerPage | undefined;
    try {
      const first = await watchOnce(context, 'rewatch-1');
      assert.ok(first.played >= SAMPLE_SEGMENTS_PER_RENDITION, `played ${first.played} segments`);
      const cachedNames = new Set(first.cached.map((entry) => entry.segment));

      second = await openPlayer(browser, { context, pageUrl: `${cdn.url}/pages/player.html`, src: manifestUrl(cdn, 'rewatch-2'), options: p2pOptions(tracker.url), rate: 4 });
      const end = await waitForEnd(second, 60_000);
      const requested = await segmentRequests(second.page);
      const loaded = await second.events('segmentloaded');
      console.log('rewatch', JSON.stringify({ cached: cachedNames.size, requested, stats: end.stats }));
      assert.deepEqual(requested.filter((name) => cachedNames.has(name)), [], 'no cached segment was fetched from the CDN');
      assert.deepEqual(end.stalls, []);
      assert.deepEqual(end.errors, []);
      assert.ok(end.stats.segments.cache >= SAMPLE_SEGMENTS_PER_RENDITION, `segments from the cache: ${end.stats.segments.cache}`);
      assert.equal(loaded[0]?.source, 'cache', 'even the first segment, before the P2P engine is up');
      assert.equal(end.stats.cdnBytes, 0);
    } finally {
      await second?.close();
      await context.close();
    }
  });

  it('a corrupted stored segment is detected, never played, fetched again from the CDN and stored again', async () => {
    const { browser, cdn, tracker } = fixture;
    const context = await browser.newContext();
    let second: PlayerPage | undefined;
    try {
      const first = await watchOnce(context, 'corrupt-1');
      const victim = first.cached.map((entry) => entry.segment).sort()[3];
      assert.ok(victim, 'a stored segment to corrupt');
      // A tab of the origin, only to write its IndexedDB from; nothing is played in it.
      const tab = await context.newPage();
      await tab.goto(`${cdn.url}/pages/player.html`);
      await corruptEntry(tab, victim);
      await tab.close();

      second = await openPlayer(browser, { context, pageUrl: `${cdn.url}/pages/player.html`, src: manifestUrl(cdn, 'corrupt-2'), options: p2pOptions(tracker.url), rate: 4 });
      const end = await waitForEnd(second, 60_000);
      const corrupt = await second.events('persistentcachecorrupt');
      const requested = await segmentRequests(second.page);
      console.log('corrupt', JSON.stringify({ victim, corrupt, requested, stats: end.stats }));
      assert.deepEqual(corrupt.map((event) => event.segment), [victim]);
      assert.deepEqual(requested, [victim], 'only the corrupted segment came from the CDN');
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, []);
      const stored = await waitFor(async () => (await cachedEntries(second!.page)).find((entry) => entry.segment === victim), 10_000, 'the segment stored again');
      assert.ok(stored.bytes > 0);
    } finally {
      await second?.close();
      await context.close();
    }
  });

  it('evicts least recently used segments to stay within maxBytes', async () => {
    const { browser } = fixture;
    const context = await browser.newContext();
    try {
      const maxBytes = 400_000;
      const last = SAMPLE_SEGMENTS_PER_RENDITION - 1;
      const { played, cached } = await watchOnce(context, 'evict-1', { persistentCache: { maxBytes } }, (entries) => entries.some((entry) => indexOf(entry.segment) === last));
      const total = cached.reduce((sum, entry) => sum + entry.bytes, 0);
      console.log('evict', JSON.stringify({ played, cached }));
      assert.ok(total <= maxBytes, `stored ${total} bytes, limit ${maxBytes}`);
      assert.ok(cached.length > 0 && cached.length < played, `kept ${cached.length} of ${played}`);
      // What is left is what came last (the core may prefetch a little out of order): the
      // final segment is kept, the first ones went.
      const kept = cached.map((entry) => indexOf(entry.segment));
      assert.ok(kept.includes(last) && !kept.includes(0) && !kept.includes(1), `kept ${JSON.stringify(cached)}`);
    } finally {
      await context.close();
    }
  });

  it('a returning viewer serves a newcomer from its IndexedDB cache over WebRTC', async () => {
    const { browser, cdn, tracker } = fixture;
    const contextA = await browser.newContext();
    let returning: PlayerPage | undefined;
    let newcomer: PlayerPage | undefined;
    try {
      await watchOnce(contextA, 'seed-1');
      returning = await openPlayer(browser, { context: contextA, pageUrl: `${cdn.url}/pages/player.html`, src: manifestUrl(cdn, 'seed-2'), options: p2pOptions(tracker.url), rate: 1 });
      await waitFor(async () => (await returning!.state()).currentTime >= 3, 30_000, 'returning viewer playing');
      newcomer = await openPlayer(browser, { pageUrl: `${cdn.url}/pages/player.html`, src: manifestUrl(cdn, 'newcomer'), options: p2pOptions(tracker.url), rate: 2 });
      const end = await waitForEnd(newcomer, 90_000);
      const a = (await returning.state()).stats;
      console.log('seed from cache', JSON.stringify({ returning: a, newcomer: end.stats }));
      assert.ok(end.stats.p2pBytes > 0, 'the newcomer received segments from its peer');
      // The returning viewer downloaded nothing this visit: whatever it uploaded came from IndexedDB.
      assert.equal(a.cdnBytes, 0);
      assert.equal(a.p2pBytes, 0);
      assert.ok(a.uploadedBytes >= end.stats.p2pBytes, `uploaded ${a.uploadedBytes}, newcomer got ${end.stats.p2pBytes}`);
      assert.deepEqual(end.stalls, []);
    } finally {
      await newcomer?.close();
      await returning?.close();
      await contextA.close();
    }
  });

  it('no IndexedDB (private mode) or a full quota: no cache, and playback as usual', async () => {
    const { browser, cdn, tracker } = fixture;
    // Some private modes refuse IndexedDB outright: open() throws.
    const refused = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'private-mode'),
      options: p2pOptions(tracker.url),
      rate: 4,
      initScript: `IDBFactory.prototype.open = function () { throw new DOMException('The user denied permission to access the database.', 'InvalidStateError'); };`,
    });
    try {
      const end = await waitForEnd(refused, 60_000);
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, []);
      assert.equal(end.stats.segments.cache, 0);
      assert.ok(end.stats.segments.cdn >= SAMPLE_SEGMENTS_PER_RENDITION);
    } finally {
      await refused.close();
    }

    // A real quota error: Chromium is told this origin may store 64 KiB, less than one segment.
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(`${cdn.url}/pages/player.html`);
      const cdp = await context.newCDPSession(tab);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(cdn.url).origin, quotaSize: 64 * 1024 });
      await tab.evaluate(
        (args) => (window as unknown as { spkTest: { start(o: unknown): boolean } }).spkTest.start(args),
        { src: manifestUrl(cdn, 'quota'), options: p2pOptions(tracker.url), rate: 4 },
      );
      const state = () => tab.evaluate(() => (window as unknown as { spkTest: { state(): { ended: boolean; errors: string[]; stalls: number[]; stats: { segments: { cdn: number; cache: number } } } } }).spkTest.state());
      const end = await waitFor(async () => ((await state()).ended ? state() : undefined), 60_000, 'playback to end under a full quota');
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, []);
      assert.ok(end.stats.segments.cdn >= SAMPLE_SEGMENTS_PER_RENDITION);
      assert.deepEqual(await cachedEntries(tab), [], 'nothing could be stored');
    } finally {
      await context.close();
    }
  });
});
