/**
 * videojs-spk-p2p/hlsjs on a Video.js 10 page (its hls.js media element) shares segments with
 * our Video.js 8 plugin, both ways, on our signal server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { hexId, type HlsSite, openHlsSite, openOurs, waitForHlsEnd } from './hlsjs-support.js';
import { manifestUrl, type PlayerPage, useBrowserFixture, waitForEnd } from './support.js';

const V10_PAGE = '/pages/v10/index.html';

describe('videojs-spk-p2p/hlsjs: Video.js 10 and Video.js 8 viewers of one video', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it('a Video.js 10 viewer seeds a Video.js 8 viewer, which then seeds a later Video.js 10 viewer', async () => {
    const { browser, cdn, tracker } = fixture;
    const query = { tracker: tracker.url, cid: SAMPLE_CID };
    const seeder = await openHlsSite(browser, cdn.url, { ...query, src: manifestUrl(cdn, 'v10-seeder'), rate: 4 }, V10_PAGE);
    let ours: Awaited<ReturnType<typeof openOurs>> | undefined;
    let joiner: HlsSite | undefined;
    try {
      const seederEnd = await waitForHlsEnd(seeder, 60_000);
      assert.equal(seederEnd.segments[0]?.source, 'cdn', 'its first segment from the CDN');
      ours = await openOurs(browser, cdn.url, manifestUrl(cdn, 'v8'), tracker.url, 2);
      const oursEnd = await waitForEnd(ours, 90_000);
      assert.deepEqual(oursEnd.errors, []);
      const fromV10 = (await ours.events('segmentloaded')).filter((event) => event.source === 'p2p');
      assert.ok(fromV10.length >= 3, `the Video.js 8 viewer took ${fromV10.length} segments from the Video.js 10 viewer`);
      for (const event of fromV10) assert.ok(seeder.announced.peerIds.has(hexId(String(event.peerId))));
      // The seeder's own stats count what it served.
      const seederStats = (await seeder.state()) as unknown as { stats: { uploadedBytes: number } };
      const received = fromV10.reduce((sum, event) => sum + Number(event.bytes), 0);
      assert.ok(seederStats.stats.uploadedBytes >= received, `Video.js 10 viewer uploaded ${seederStats.stats.uploadedBytes}, Video.js 8 got ${received}`);

      await seeder.close();
      joiner = await openHlsSite(browser, cdn.url, { ...query, src: manifestUrl(cdn, 'v10-joiner'), rate: 2 }, V10_PAGE);
      const joinerEnd = await waitForHlsEnd(joiner, 90_000);
      const fromV8 = joinerEnd.segments.filter((segment) => segment.source === 'p2p');
      assert.ok(fromV8.length >= 3, `the Video.js 10 joiner took ${fromV8.length} segments from the Video.js 8 viewer`);
      for (const segment of fromV8) assert.ok(ours.announced.peerIds.has(hexId(String(segment.peerId))));
      const joinerStats = (joinerEnd as unknown as { stats: { p2pBytes: number } }).stats;
      assert.equal(joinerStats.p2pBytes, fromV8.reduce((sum, segment) => sum + segment.bytes, 0), 'its stats count peer bytes');
    } finally {
      await joiner?.close();
      await (ours as PlayerPage | undefined)?.close();
      await seeder.close();
    }
  });
});
