/**
 * The plugin in pages written the way sites write them: relative and protocol-relative source
 * URLs, signed per-viewer URLs, the plugin added in every order, and sources that name no CID.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { useBrowserFixture, waitFor } from './support.js';
import { openSitePlayer, pluginWarnings, roomPeers, waitForSiteEnd, type SitePage } from './site-support.js';

async function closeAll(pages: SitePage[]): Promise<void> {
  await Promise.all(pages.map((page) => page.close()));
}

describe('videojs-spk-p2p: pages as sites write them', () => {
  const fixture = useBrowserFixture();

  it('page-relative, root-relative, protocol-relative and absolute sources with per-viewer tokens share one swarm', async () => {
    const { browser, cdn, tracker } = fixture;
    const host = new URL(cdn.url).host;
    const pages: SitePage[] = [];
    try {
      // The seeder: an absolute URL, as the plugin README shows it.
      const seeder = await openSitePlayer(browser, cdn.url, {
        src: `${cdn.clientUrl('abs')}/ipfs/${SAMPLE_CID}/manifest.m3u8?token=abs`,
        cid: SAMPLE_CID,
        tracker: tracker.url,
        rate: 4,
      });
      pages.push(seeder);
      await waitForSiteEnd(seeder, 60_000);
      const joiners = {
        // Root-relative, on a CDN layout that names no CID: the option names it.
        root: { src: `/client/root/files/${SAMPLE_CID}/manifest.m3u8?token=root`, cid: SAMPLE_CID },
        // Page-relative (the page is /pages/site/index.html), no CID option: the /ipfs/ path names it.
        page: { src: `../../client/page/ipfs/${SAMPLE_CID}/manifest.m3u8?token=page`, cid: undefined },
        proto: { src: `//${host}/client/proto/ipfs/${SAMPLE_CID}/manifest.m3u8?token=proto`, cid: SAMPLE_CID },
      };
      const opened = await Promise.all(
        Object.values(joiners).map(({ src, cid }) =>
          openSitePlayer(browser, cdn.url, { src, tracker: tracker.url, rate: 4, ...(cid ? { cid } : {}) }),
        ),
      );
      pages.push(...opened);
      const ends = await Promise.all(opened.map((page) => waitForSiteEnd(page, 90_000)));
      for (const [index, name] of Object.keys(joiners).entries()) {
        const state = ends[index];
        const page = opened[index];
        assert.ok(state && page);
        assert.deepEqual(state.errors, [], `${name}: no error`);
        // A CDN layout that is no IPFS gateway gives the verifier no block source: it says so once
        // and checks against the sha256 map instead; the gateway URLs warn about nothing.
        const expected = name === 'root' ? [/cannot check segments against CID .*no IPFS gateway/] : [];
        const warnings = pluginWarnings(state);
        assert.equal(warnings.length, expected.length, `${name}: warnings ${warnings.join(' | ')}`);
        expected.forEach((pattern, at) => assert.match(warnings[at] ?? '', pattern));
        assert.equal(state.mode, 'p2p', `${name}: P2P on`);
        assert.equal(state.videoCid, SAMPLE_CID, `${name}: in the video's swarm`);
        assert.ok(state.stats && state.stats.p2pBytes > 0, `${name}: got segments from peers (${JSON.stringify(state.stats)})`);
        const loaded = await page.events('segmentloaded');
        const fromCdn = loaded.filter((event) => event.source === 'cdn').map((event) => String(event.url));
        // Its own signed URLs were used for what came from the CDN.
        assert.ok(fromCdn.length > 0 && fromCdn.every((url) => url.includes(`token=${name}`)), `${name}: own token on ${fromCdn.join(', ')}`);
      }
      assert.ok(cdn.bytesServed().byClient.abs, 'the seeder fetched from the CDN');
      assert.equal(await roomPeers(tracker.url, SAMPLE_CID), 4, 'one room holds all four viewers');
    } finally {
      await closeAll(pages);
    }
  });

  it('a source that names no video CID plays from the CDN and says why, once', async () => {
    const { browser, cdn, tracker } = fixture;
    const site = await openSitePlayer(browser, cdn.url, { src: `/client/nocid/files/${SAMPLE_CID}/manifest.m3u8`, tracker: tracker.url, rate: 4 });
    try {
      const state = await waitForSiteEnd(site, 60_000);
      assert.deepEqual(state.errors, []);
      assert.equal(state.mode, 'cdn-only');
      const changes = await site.events('modechange');
      assert.deepEqual(
        changes.map((event) => [event.mode, event.reason]),
        [['cdn-only', 'no-video-cid']],
      );
      const warnings = pluginWarnings(state);
      assert.equal(warnings.length, 1, `one warning: ${warnings.join(' | ')}`);
      assert.match(warnings[0] ?? '', /videoCid/);
      assert.ok(state.stats && state.stats.cdnBytes > 0 && state.stats.p2pBytes === 0, 'every byte counted, from the CDN');
    } finally {
      await site.close();
    }
  });

  it('the plugin works given in `plugins`, added before src() and added after src()', async () => {
    const { browser, cdn, tracker } = fixture;
    const orders = ['plugins-option', 'before-src', 'after-src'] as const;
    const pages = await Promise.all(
      orders.map((order) =>
        openSitePlayer(browser, cdn.url, {
          src: `/client/order-${order}/ipfs/${SAMPLE_CID}/manifest.m3u8`,
          cid: SAMPLE_CID,
          tracker: tracker.url,
          order,
          rate: 4,
        }),
      ),
    );
    try {
      const ends = await Promise.all(pages.map((page) => waitForSiteEnd(page, 90_000)));
      for (const [index, order] of orders.entries()) {
        const state = ends[index];
        assert.ok(state);
        assert.deepEqual(state.errors, [], order);
        assert.equal(state.mode, 'p2p', order);
        assert.deepEqual(pluginWarnings(state), [], order);
        assert.equal((await pages[index]?.events('coreready'))?.length, 1, `${order}: the engine started once`);
        assert.equal((await pages[index]?.events('sourcechange'))?.length, 1, `${order}: one swarm session`);
        assert.ok(state.stats && state.stats.cdnBytes + state.stats.p2pBytes > 0, `${order}: segments counted`);
      }
      // Three viewers of one video in one room, whatever the order.
      await waitFor(async () => (await roomPeers(tracker.url, SAMPLE_CID)) === 3, 10_000, 'three peers in the room');
    } finally {
      await closeAll(pages);
    }
  });
});
