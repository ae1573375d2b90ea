/**
 * One swarm for hls.js + p2p-media-loader-hlsjs 2.3.1 viewers and our Video.js 8 viewers of a
 * video: the same stream ids for the same master playlist, segments flowing both ways on
 * spk-signal, and our integrity checks applied to bytes an hls.js peer served.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_CID, SAMPLE_DIR } from '../../../demo/media/sample.js';
import { corruptedMediaRoot } from './media-fixtures.js';
import { type Announced, hexId, type HlsSite, openHlsSite, openOurs, waitForHlsEnd } from './hlsjs-support.js';
import { manifestUrl, type PlayerPage, startTestCdn, useBrowserFixture, waitFor, waitForEnd } from './support.js';

/** Master playlists over the sample's renditions, with the attributes hls.js and VHS read differently. */
const MASTERS: Record<string, string> = {
  'rich.m3u8': [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en-US",DEFAULT=NO,AUTOSELECT=NO,URI="240p/index.m3u8?audio=en"',
    '#EXT-X-STREAM-INF:BANDWIDTH=514800,AVERAGE-BANDWIDTH=400000,RESOLUTION=854x480,FRAME-RATE=29.970,VIDEO-RANGE=SDR,CODECS="mp4a.40.2, avc1.77.30"',
    '480p/index.m3u8',
    '#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=338800,RESOLUTION=640x360,FRAME-RATE=30.000,CODECS="avc1.4D401E,mp4a.40.2",AUDIO="aud"',
    '360p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=195800,CODECS="avc1.4d401e"',
    '240p/index.m3u8',
    '',
  ].join('\n'),
};

/** The sample's files plus MASTERS under the sample CID; removed by `remove()`. */
function mastersRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'spk-masters-'));
  const dir = join(root, 'ipfs', SAMPLE_CID);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(SAMPLE_DIR)) symlinkSync(join(SAMPLE_DIR, name), join(dir, name));
  for (const [name, text] of Object.entries(MASTERS)) writeFileSync(join(dir, name), text);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

describe('videojs-spk-p2p: one swarm with hls.js + p2p-media-loader-hlsjs viewers', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it('gives every rendition of a master playlist the stream id p2p-media-loader-hlsjs gives it', async () => {
    const masters = mastersRoot();
    const cdn = await startTestCdn({ root: masters.root });
    const context = await fixture.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${cdn.url}/pages/hlsjs/ids.html`);
      await page.waitForFunction(() => (window as unknown as { idsReady?: boolean }).idsReady === true, undefined, { timeout: 15_000 });
      const base = `${cdn.url}/ipfs/${SAMPLE_CID}`;
      for (const source of ['manifest.m3u8', 'rich.m3u8', '360p/index.m3u8']) {
        // A fresh page per source: one Video.js player per page.
        await page.reload();
        await page.waitForFunction(() => (window as unknown as { idsReady?: boolean }).idsReady === true, undefined, { timeout: 15_000 });
        const ids = await page.evaluate(
          (src) => (window as unknown as { streamIds(s: string): Promise<{ hlsjs: Record<string, string>; ours: Record<string, string> }> }).streamIds(src),
          `${base}/${source}`,
        );
        assert.ok(Object.keys(ids.hlsjs).length >= 1, `${source}: hls.js registered streams`);
        assert.deepEqual(ids.ours, ids.hlsjs, `${source}: the same stream ids`);
      }
    } finally {
      await context.close();
      await cdn.close();
      masters.remove();
    }
  });

  it('hls.js and Video.js viewers share one swarm: each kind downloads segments from the other', async () => {
    const { browser, cdn, tracker } = fixture;
    const hlsSource = { tracker: tracker.url, cid: SAMPLE_CID };
    const seeder = await openHlsSite(browser, cdn.url, { ...hlsSource, src: manifestUrl(cdn, 'hls-seeder'), rate: 4 });
    let ours: (PlayerPage & { announced: Announced }) | undefined;
    let joiner: HlsSite | undefined;
    try {
      await waitForHlsEnd(seeder, 60_000);
      // Our viewer's only peer is the hls.js seeder.
      ours = await openOurs(browser, cdn.url, manifestUrl(cdn, 'ours'), tracker.url, 2);
      const oursEnd = await waitForEnd(ours, 90_000);
      const seederIds = seeder.announced.peerIds;
      const oursIds = ours.announced.peerIds;
      assert.equal(seederIds.size, 1);
      assert.equal(oursIds.size, 1);
      const fromSeeder = (await ours.events('segmentloaded')).filter((event) => event.source === 'p2p');
      console.log(`our viewer: ${fromSeeder.length} segments from the hls.js peer`);
      assert.ok(fromSeeder.length >= 3, `our viewer took ${fromSeeder.length} segments from the hls.js peer`);
      for (const event of fromSeeder) assert.ok(seederIds.has(hexId(String(event.peerId))), 'from the hls.js peer');
      // Bytes from an hls.js peer count in our stats like any peer's.
      const p2pBytes = fromSeeder.reduce((sum, event) => sum + Number(event.bytes), 0);
      assert.equal(oursEnd.stats.p2pBytes, p2pBytes);
      assert.deepEqual(oursEnd.errors, []);
      // The same rendition's swarm: what our viewer announced, the hls.js viewer announced too.
      const shared = [...ours.announced.infoHashes].filter((hash) => seeder.announced.infoHashes.has(hash));
      assert.ok(shared.length >= 1, 'a shared info_hash');

      // The hls.js seeder leaves; a new hls.js viewer can only get peer bytes from ours.
      await seeder.close();
      joiner = await openHlsSite(browser, cdn.url, { ...hlsSource, src: manifestUrl(cdn, 'hls-joiner'), rate: 2 });
      const joinerEnd = await waitForHlsEnd(joiner, 90_000);
      const fromOurs = joinerEnd.segments.filter((segment) => segment.source === 'p2p');
      assert.ok(fromOurs.length >= 3, `the hls.js joiner took ${fromOurs.length} segments from our viewer`);
      for (const segment of fromOurs) assert.ok(oursIds.has(hexId(String(segment.peerId))), 'from our viewer');
      const uploaded = (await ours.state()).stats.uploadedBytes;
      const received = fromOurs.reduce((sum, segment) => sum + segment.bytes, 0);
      assert.ok(uploaded >= received, `our viewer counted ${uploaded} bytes uploaded, the hls.js joiner got ${received}`);
    } finally {
      await joiner?.close();
      await ours?.close();
      await seeder.close();
    }
  });

  it('a corrupted segment from an hls.js peer is rejected by ours, which plays on from the CDN', async () => {
    const { browser, cdn, tracker } = fixture;
    const badRoot = corruptedMediaRoot();
    const badCdn = await startTestCdn({ root: badRoot });
    let bad: HlsSite | undefined;
    let victim: (PlayerPage & { announced: Announced }) | undefined;
    try {
      // p2p-media-loader-hlsjs checks nothing by default: it shares whatever its CDN gave it.
      bad = await openHlsSite(browser, badCdn.url, { src: manifestUrl(badCdn, 'bad'), tracker: tracker.url, cid: SAMPLE_CID, rate: 4 });
      await waitForHlsEnd(bad, 60_000);
      victim = await openOurs(browser, cdn.url, manifestUrl(cdn, 'victim'), tracker.url, 2);
      const v = victim;
      const failures = await waitFor(async () => {
        const events = await v.events('integrityfailure');
        return events.length > 0 ? events : undefined;
      }, 30_000, 'an integrity failure');
      assert.ok(bad.announced.peerIds.has(hexId(String(failures[0]?.peerId))), 'the failure names the hls.js peer');
      const end = await waitForEnd(victim, 60_000);
      assert.deepEqual(end.errors, []);
      assert.ok(end.stats.integrityFailures >= 1);
      assert.equal(end.stats.p2pBytes, 0, 'no corrupted byte reached VHS');
    } finally {
      await victim?.close();
      await bad?.close();
      await badCdn.close();
      rmSync(badRoot, { recursive: true, force: true });
    }
  });
});
