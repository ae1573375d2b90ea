import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { corruptedMediaRoot } from './media-fixtures.js';
import { armSilence, silenceOf, SILENT_PEER_SCRIPT } from '../../../demo/test-support/silent-peer.js';
import { manifestUrl, openPlayer, p2pOptions, type PlayerPage, startTestCdn, useBrowserFixture, waitFor, waitForEnd } from './support.js';

describe('videojs-spk-p2p: misbehaving and departing peers', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it('the only peer closes mid-playback: the CDN takes over and playback does not stall', async () => {
    const { browser, cdn, tracker } = fixture;
    const pageUrl = `${cdn.url}/pages/player.html`;
    // A slow uploader, so the second viewer is still fetching from it when it leaves.
    const seeder = await openPlayer(browser, {
      pageUrl,
      src: manifestUrl(cdn, 'seeder'),
      options: p2pOptions(tracker.url, { uploadLimit: 60_000 }),
      rate: 4,
    });
    let viewer: PlayerPage | undefined;
    try {
      await waitForEnd(seeder, 60_000);
      viewer = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer'), options: p2pOptions(tracker.url), rate: 2 });
      const v = viewer;
      await waitFor(async () => (await v.events('segmentloaded')).some((event) => event.source === 'p2p'), 30_000, 'a segment from the peer');
      const before = await viewer.state();
      assert.ok(before.currentTime < 50, `the peer leaves mid-playback (at ${before.currentTime.toFixed(1)} s)`);
      await seeder.close();
      const closedAt = await viewer.page.evaluate(() => performance.now());
      const end = await waitForEnd(viewer, 60_000);
      const closes = await waitFor(async () => {
        const events = await v.events('peerclose');
        return events.length > 0 ? events : undefined;
      }, 40_000, 'peerclose');
      // A vanished tab is only noticed when ICE consent expires; playback must not wait for that.
      assert.ok((closes[0]?.at ?? 0) > closedAt);
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, [], 'no stall after the peer left');
      assert.equal(end.stats.peers, 0);
      const after = (await viewer.events('segmentloaded')).filter((event) => event.at > closedAt);
      assert.ok(after.length > 0 && after.every((event) => event.source === 'cdn'), 'the rest came from the CDN');
      assert.ok(end.stats.p2pBytes > 0 && end.stats.cdnBytes > 0);
    } finally {
      await viewer?.close();
      await seeder.close();
    }
  });

  it('a peer that goes silent mid-segment: the segment the player waits on comes from the CDN at once, no stall', async () => {
    const { browser, cdn, tracker } = fixture;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const seeder = await openPlayer(browser, {
      pageUrl,
      src: manifestUrl(cdn, 'silent-seeder'),
      options: p2pOptions(tracker.url),
      rate: 4,
      initScript: SILENT_PEER_SCRIPT,
    });
    let viewer: PlayerPage | undefined;
    try {
      await waitForEnd(seeder, 60_000);
      // The seeder holds every segment; it stops sending, without closing, 64 KiB into serving.
      await armSilence(seeder.page, 64 * 1024);
      cdn.setLatency(100, 'waiting-viewer');
      viewer = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'waiting-viewer'), options: p2pOptions(tracker.url), rate: 2 });
      const v = viewer;
      const fallback = await waitFor(async () => (await v.events('cdnfallback'))[0], 30_000, 'a CDN fallback');
      const silence = await silenceOf(seeder.page);
      assert.ok(silence !== undefined, 'the seeder had gone silent');
      assert.equal(fallback.reason, 'peer-failed', `fallback for ${String(fallback.url)}`);

      const end = await waitForEnd(viewer, 60_000);
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, [], 'no stall behind the silent peer');
      const delivered = (await viewer.events('segmentloaded')).filter((event) => event.url === fallback.url);
      assert.deepEqual(
        delivered.map((event) => event.source),
        ['cdn'],
        'the interrupted segment reached the player once, from the CDN',
      );
      assert.ok(end.stats.cdnFallbacks >= 1);
    } finally {
      cdn.setLatency(20, 'waiting-viewer');
      await viewer?.close();
      await seeder.close();
    }
  });

  it('a peer serving corrupted bytes is rejected before VHS, dropped and reported; playback continues', async () => {
    const { browser, cdn, tracker } = fixture;
    const badRoot = corruptedMediaRoot();
    const badCdn = await startTestCdn({ root: badRoot });
    let bad: PlayerPage | undefined;
    let victim: PlayerPage | undefined;
    try {
      // The bad peer does not check hashes itself, so it happily stores and shares its bytes.
      bad = await openPlayer(browser, {
        pageUrl: `${badCdn.url}/pages/player.html`,
        src: manifestUrl(badCdn, 'bad'),
        options: p2pOptions(tracker.url, { integrityUrl: false }),
        rate: 4,
      });
      const b = bad;
      await waitFor(async () => {
        const state = await b.state();
        if (state.errors.length > 0) throw new Error(`bad peer cannot play: ${state.errors.join('; ')}`);
        return state.currentTime >= 40;
      }, 40_000, 'bad peer at 40 s');
      victim = await openPlayer(browser, {
        pageUrl: `${cdn.url}/pages/player.html`,
        src: manifestUrl(cdn, 'victim'),
        options: p2pOptions(tracker.url),
        rate: 2,
      });
      const v = victim;
      const failures = await waitFor(async () => {
        const events = await v.events('integrityfailure');
        return events.length > 0 ? events : undefined;
      }, 30_000, 'an integrity failure');
      const badPeerId = failures[0]?.peerId;
      assert.equal(typeof badPeerId, 'string');
      await waitFor(async () => (await v.events('peerclose')).some((event) => event.peerId === badPeerId), 10_000, 'the bad peer dropped');
      const reports = await waitFor(async () => {
        const events = await v.events('peerreport');
        return events.length > 0 ? events : undefined;
      }, 10_000, 'a report to the signal server');
      assert.equal(reports[0]?.peerId, badPeerId);
      assert.equal(reports[0]?.reason, 'integrity');
      assert.match(String(reports[0]?.url), /^http:\/\/127\.0\.0\.1:\d+\/api\/p2p\/reports$/);
      assert.equal(reports[0]?.status, 202, 'the signal server accepted the report');
      assert.ok(tracker.reportsCounted() >= 1);

      const end = await waitForEnd(victim, 60_000);
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, []);
      assert.ok(end.stats.integrityFailures >= 1);
      assert.equal(end.stats.p2pBytes, 0, 'no corrupted byte reached VHS');
      const loaded = await victim.events('segmentloaded');
      assert.ok(loaded.every((event) => event.source === 'cdn'));
      assert.ok(loaded.length >= 10);
    } finally {
      await victim?.close();
      await bad?.close();
      await badCdn.close();
      rmSync(badRoot, { recursive: true, force: true });
    }
  });
});
