import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { SAMPLE_DIR } from '../../../demo/media/sample.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, startTracker, waitForEnd, type PlayerPage, type Tracker } from './support.js';

/** A valid CIDv0 for the derived video (the empty IPFS directory's), so the signal server accepts the room. */
const CID = 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn';

/**
 * The sample's 240p rendition remuxed by ffmpeg into one file addressed by EXT-X-BYTERANGE,
 * with a master playlist and a byte-range sha256 map, as some encoders publish.
 */
function byteRangeVideo(): string {
  const root = mkdtempSync(join(tmpdir(), 'spk-byterange-'));
  const dir = join(root, 'ipfs', CID);
  mkdirSync(join(dir, '240p'), { recursive: true });
  const ffmpeg = spawnSync(
    'ffmpeg',
    ['-loglevel', 'error', '-i', join(SAMPLE_DIR, '240p', 'index.m3u8'), '-c', 'copy', '-f', 'hls', '-hls_time', '6',
      '-hls_flags', 'single_file', '-hls_playlist_type', 'vod', join(dir, '240p', 'index.m3u8')],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (ffmpeg.status !== 0) throw new Error(`ffmpeg failed: ${ffmpeg.stderr}`);
  writeFileSync(
    join(dir, 'manifest.m3u8'),
    '#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-STREAM-INF:BANDWIDTH=195800,RESOLUTION=426x240,CODECS="avc1.4d401e,mp4a.40.2"\n240p/index.m3u8\n',
  );
  const file = readFileSync(join(dir, '240p', 'index.ts'));
  const ranges: Record<string, string> = {};
  for (const match of readFileSync(join(dir, '240p', 'index.m3u8'), 'utf8').matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)/g)) {
    const start = Number(match[2]);
    const end = start + Number(match[1]) - 1;
    ranges[`${start}-${end}`] = createHash('sha256').update(file.subarray(start, end + 1)).digest('hex');
  }
  assert.ok(Object.keys(ranges).length >= 10, 'ffmpeg wrote byte ranges');
  writeFileSync(join(dir, 'segments-sha256.json'), JSON.stringify({ '240p/index.ts': ranges }));
  return root;
}

describe('videojs-spk-p2p: byte-range segments', () => {
  let browser: Browser;
  let cdn: CdnServer;
  let tracker: Tracker;
  let root: string;

  before(async () => {
    root = byteRangeVideo();
    [browser, cdn, tracker] = await Promise.all([launchChromium(), startTestCdn({ root }), startTracker()]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([cdn?.close(), tracker?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('shares EXT-X-BYTERANGE segments between viewers, each range checked against its hash', async () => {
    const pageUrl = `${cdn.url}/pages/player.html`;
    const options = p2pOptions(tracker.url, { videoCid: CID });
    const first = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'range-a', CID), options, rate: 4 });
    let second: PlayerPage | undefined;
    try {
      await waitForEnd(first, 60_000);
      second = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'range-b', CID), options, rate: 4 });
      const end = await waitForEnd(second, 60_000);
      assert.deepEqual(end.errors, []);
      assert.equal(end.stats.integrityFailures, 0, 'every range matched its hash');
      assert.ok(end.stats.p2pRatio >= 0.5, `P2P ratio ${end.stats.p2pRatio.toFixed(2)}`);
      const fromPeers = (await second.events('segmentloaded')).filter((event) => event.source === 'p2p');
      assert.ok(fromPeers.length >= 5 && fromPeers.every((event) => String(event.url).endsWith('/240p/index.ts')));
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
