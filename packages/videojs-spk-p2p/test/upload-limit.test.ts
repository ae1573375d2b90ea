import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manifestUrl, openPlayer, p2pOptions, type PlayerPage, useBrowserFixture, waitForEnd } from './support.js';

const LIMIT = 100_000;
const BIG = { width: 854, height: 480 };

describe('videojs-spk-p2p: upload limit', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it(`a seeder limited to ${LIMIT / 1000} kB/s uploads within 20 % of it while a viewer wants more`, async () => {
    const { browser, cdn, tracker } = fixture;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const seeder = await openPlayer(browser, {
      pageUrl,
      src: manifestUrl(cdn, 'seeder'),
      options: p2pOptions(tracker.url, { uploadLimit: LIMIT }),
      rate: 4,
      size: BIG,
    });
    const viewers: PlayerPage[] = [];
    try {
      await waitForEnd(seeder, 60_000);
      const startUploaded = (await seeder.state()).stats.uploadedBytes;
      const startedAt = Date.now();
      // 480p at 2× wants about 125 kB/s, more than the seeder may give.
      viewers.push(await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'leech'), options: p2pOptions(tracker.url), rate: 2, size: BIG }));
      const ends = await Promise.all(viewers.map((viewer) => waitForEnd(viewer, 90_000)));
      const windowS = (Date.now() - startedAt) / 1000;
      const seederStats = (await seeder.state()).stats;
      const uploaded = seederStats.uploadedBytes - startUploaded;
      const allowed = LIMIT * windowS;
      console.log(`seeder uploaded ${uploaded} B in ${windowS.toFixed(1)} s = ${(uploaded / windowS / 1000).toFixed(1)} kB/s (limit ${LIMIT / 1000}); refused ${seederStats.uploadsRefused}, blocked ${seederStats.uploadBlocks}×`);
      for (const end of ends) console.log('viewer', JSON.stringify(end.stats));

      assert.ok(uploaded <= allowed * 1.2, `uploaded ${uploaded} B <= ${Math.round(allowed * 1.2)} B`);
      assert.ok(seederStats.uploadBlocks >= 1, 'the viewer wanted more than the limit allowed');
      assert.ok(uploaded > 0 && ends.every((end) => end.stats.p2pBytes > 0), 'the seeder did serve');
      for (const end of ends) {
        assert.deepEqual(end.stalls, [], 'refused uploads never stall the viewers');
        assert.deepEqual(end.errors, []);
      }
    } finally {
      for (const viewer of viewers) await viewer.close();
      await seeder.close();
    }
  });
});
