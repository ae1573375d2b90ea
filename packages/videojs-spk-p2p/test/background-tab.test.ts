/**
 * A viewer leaves the tab in the background for 30 s, then comes back. Headless Chromium keeps
 * every tab visible, so the test does to the page what Chrome does to background tabs at worst:
 * it freezes it (CDP `Page.setWebLifecycleState`: no timers, no tasks at all, stricter than
 * throttling), in a browser without our anti-throttling flags, then resumes it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { startTestCdn, startTracker, waitFor, type Tracker } from './support.js';
import { openSitePlayer, waitForSiteEnd } from './site-support.js';

const HIDDEN_MS = 30_000;

describe('videojs-spk-p2p: a tab in the background for 30 s', () => {
  let browser: Browser;
  let cdn: CdnServer;
  let tracker: Tracker;
  before(async () => {
    [browser, cdn, tracker] = await Promise.all([launchChromium({ throttleBackground: true }), startTestCdn(), startTracker()]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([cdn?.close(), tracker?.close()]);
  });

  it('frozen for 30 s, it plays on with peers when it comes back', async () => {
    const seeder = await openSitePlayer(browser, cdn.url, { src: `/client/seeder/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: tracker.url, rate: 4 });
    const viewer = await openSitePlayer(browser, cdn.url, { src: `/client/viewer/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: tracker.url });
    try {
      await waitForSiteEnd(seeder, 60_000);
      await waitFor(async () => ((await viewer.state()).stats?.p2pBytes ?? 0) > 0, 30_000, 'the viewer fed by the seeder');
      const cdp = await viewer.context.newCDPSession(viewer.page);
      const hiddenAt = await viewer.state();
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
      await new Promise((resolve) => setTimeout(resolve, HIDDEN_MS));
      await cdp.send('Page.setWebLifecycleState', { state: 'active' });
      const resumedAt = await viewer.page.evaluate(() => performance.now());
      const shownAt = await viewer.state();
      assert.deepEqual(shownAt.errors, [], 'no error while frozen');
      assert.equal(shownAt.mode, 'p2p');
      await viewer.run('(player.play(), true)');
      await waitFor(async () => (await viewer.state()).currentTime > shownAt.currentTime + 3, 20_000, 'playback to go on once shown');
      const ended = await waitForSiteEnd(viewer, 60_000);
      assert.deepEqual(ended.errors, []);
      const played = ended.currentTime - hiddenAt.currentTime;
      assert.ok(played > 3, `played on after the tab came back (${played.toFixed(1)} s)`);
      // P2P prefetches far ahead, so the viewer may hold the whole video before the freeze; what
      // must survive is the swarm and the plugin's own timers.
      const statsAfter = (await viewer.events('stats')).filter((event) => event.at > resumedAt);
      assert.ok(statsAfter.length > 0, 'stats events again after the freeze');
      assert.ok((ended.stats?.peers ?? 0) >= 1, 'still connected to its peer');
      // Stalls after the tab is back: the recorder counts waiting → playing gaps while playing.
      const longStalls = ended.stalls.filter((ms) => ms > 1000);
      assert.deepEqual(longStalls, [], 'no stall over 1 s');
    } finally {
      await Promise.all([seeder.close(), viewer.close()]);
    }
  });
});
