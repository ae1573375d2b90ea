/**
 * A seeder that dies mid-segment: a real `spk-seeder` process, its upload capped so that each
 * segment takes about a second to send, is SIGKILLed while it is sending one to a real Chromium
 * viewer. The viewer must take that segment and the rest from the CDN and play on without a stall.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { cidOnlyMediaRoot } from '../../videojs-spk-p2p/test/media-fixtures.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, startTracker, waitFor, waitForEnd, type Tracker } from '../../videojs-spk-p2p/test/support.js';
import { startSeeder } from './seeder-process.js';

/** 480p segments are about 380 KB: about a second each at this cap, so a kill lands mid-segment. */
const CAP = 384 * 1024;

describe('spk-seeder killed mid-segment', () => {
  let browser: Browser;
  let tracker: Tracker;
  let cdn: CdnServer;
  let media: { root: string; cid: string };
  let cacheDir: string;

  before(async () => {
    media = await cidOnlyMediaRoot();
    cacheDir = mkdtempSync(join(tmpdir(), 'spk-seeder-kill-'));
    [browser, tracker, cdn] = await Promise.all([launchChromium(), startTracker(), startTestCdn({ root: media.root, latencyMs: 20 })]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([tracker?.close(), cdn?.close()]);
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(media.root, { recursive: true, force: true });
  });

  it('the viewer falls back to the CDN for the segment in flight and the rest, without a stall', async () => {
    const seeder = startSeeder(['--cid', media.cid, '--gateway', cdn.clientUrl('seeder-gateway'), '--signal', tracker.url, '--cache-dir', cacheDir, '--max-upload-bytes-per-second', String(CAP)]);
    try {
      await seeder.waitForLog((line) => line.msg === 'video cached', 'that the video is cached');
      const viewer = await openPlayer(browser, {
        pageUrl: `${cdn.url}/pages/player.html`,
        src: manifestUrl(cdn, 'viewer', media.cid),
        options: p2pOptions(tracker.url, { videoCid: media.cid }),
        rate: 2,
      });
      try {
        // Mid-segment: the seeder has sent more than the viewer has received whole from it.
        let receivedWhole = 0;
        let sent = 0;
        await waitFor(async () => {
          const segments = await viewer.events('segmentloaded');
          const fromPeer = segments.filter((event) => event.source === 'p2p');
          receivedWhole = fromPeer.reduce((sum, event) => sum + Number(event.bytes), 0);
          sent = (await seeder.metrics()).spk_seeder_uploaded_bytes_total ?? 0;
          return fromPeer.length >= 1 && sent > receivedWhole + 64 * 1024;
        }, 40_000, 'a segment on its way from the seeder after one already delivered');
        const killedAt = await viewer.page.evaluate(() => performance.now());
        seeder.child.kill('SIGKILL');
        await seeder.exit;

        const end = await waitForEnd(viewer, 60_000);
        assert.deepEqual(end.errors, []);
        assert.deepEqual(end.stalls, [], 'no stall');
        const after = (await viewer.events('segmentloaded')).filter((event) => event.at > killedAt);
        // Segments the viewer had whole before the kill may still be handed over from its memory.
        const fromCdn = after.filter((event) => event.source === 'cdn');
        assert.ok(fromCdn.length >= 1, `segments from the CDN after the kill: ${after.map((event) => event.source).join(' ')}`);
        console.log(`# seeder killed with ${sent - receivedWhole} B of a segment sent; after it ${after.map((event) => event.source).join(' ')}, the first CDN one ${Math.round(Number(fromCdn[0]?.at) - killedAt)} ms later`);
      } finally {
        await viewer.close();
      }
    } finally {
      await seeder.stop();
    }
  });
});
