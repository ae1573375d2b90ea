/**
 * A player's life as sites live it: another video through src(), reset(), dispose() and a new
 * player, several players on one page, seeks far ahead, fast playback and ABR switching.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { useBrowserFixture, waitFor } from './support.js';
import { OTHER_CID, openSite, openSitePlayer, roomPeers, twoVideoRoot, waitForSiteEnd } from './site-support.js';

const media = twoVideoRoot();

function renditionOf(url: unknown): string | undefined {
  return /\/(\d+p)\//.exec(String(url))?.[1];
}
after(() => media.remove());

describe('videojs-spk-p2p: player lifecycle on real pages', () => {
  const fixture = useBrowserFixture({ root: media.root });

  it('src() of another video leaves the old swarm, joins the new one, and starts stats and contributions afresh', async () => {
    const { browser, cdn, tracker } = fixture;
    const site = await openSitePlayer(browser, cdn.url, { src: `/ipfs/${SAMPLE_CID}/manifest.m3u8`, tracker: tracker.url, rate: 2 });
    try {
      await waitFor(async () => (await site.events('coreready')).length === 1 && (await site.state()).currentTime > 8, 30_000, 'the first video playing with its engine');
      assert.equal(await roomPeers(tracker.url, SAMPLE_CID), 1);
      const before = await site.state();
      assert.equal(before.videoCid, SAMPLE_CID);
      const firstReporter = await site.run<boolean>('(window.firstReporter = player.spkP2p().contributions, true)');
      assert.ok(firstReporter);
      await site.run(`(player.src({ src: '/ipfs/${OTHER_CID}/manifest.m3u8', type: 'application/x-mpegURL' }), player.play(), true)`);
      await waitFor(async () => (await site.events('sourcechange')).length === 2, 15_000, 'the second source session');
      const changes = await site.events('sourcechange');
      assert.deepEqual(changes.map((event) => event.videoCid), [SAMPLE_CID, OTHER_CID]);
      await waitFor(async () => (await roomPeers(tracker.url, SAMPLE_CID)) === 0, 15_000, 'the old room to be left');
      await waitFor(async () => (await roomPeers(tracker.url, OTHER_CID)) === 1, 15_000, 'the new room to be joined');
      const ended = await waitForSiteEnd(site, 60_000);
      assert.equal(ended.videoCid, OTHER_CID);
      assert.deepEqual(ended.stalls, []);
      // Stats of the second video only: at most one copy of it (10 segments), not the first's too.
      assert.ok(ended.stats && ended.stats.segments.cdn + ended.stats.segments.p2p <= 12, `stats per video: ${JSON.stringify(ended.stats?.segments)}`);
      assert.ok(ended.stats && ended.stats.segments.cdn + ended.stats.segments.p2p >= 8);
      assert.ok(await site.run<boolean>('player.spkP2p().contributions === undefined || player.spkP2p().contributions !== window.firstReporter'));
    } finally {
      await site.close();
    }
  });

  it('reset() leaves the swarm; dispose() and a new player on a new element join again', async () => {
    const { browser, cdn, tracker } = fixture;
    const site = await openSitePlayer(browser, cdn.url, { src: `/ipfs/${SAMPLE_CID}/manifest.m3u8`, tracker: tracker.url, rate: 2 });
    try {
      await waitFor(async () => (await roomPeers(tracker.url, SAMPLE_CID)) === 1, 20_000, 'the viewer in the room');
      await site.run('(player.reset(), true)');
      await waitFor(async () => (await roomPeers(tracker.url, SAMPLE_CID)) === 0, 15_000, 'reset() to leave the room');
      assert.equal((await site.state()).videoCid, null, 'no swarm session after reset()');
      // dispose() below may cut this play() short: the media element then rejects it with an
      // AbortError, which the page would otherwise record as an error of the next player.
      await site.run(`(player.src({ src: '/ipfs/${SAMPLE_CID}/manifest.m3u8', type: 'application/x-mpegURL' }), player.play()?.catch(() => undefined), true)`);
      await waitFor(async () => (await roomPeers(tracker.url, SAMPLE_CID)) === 1, 20_000, 'the room joined again after reset()');
      await site.run('(player.dispose(), true)');
      await waitFor(async () => tracker.connections() === 0, 15_000, 'dispose() to close every signal connection');
      // A new element and player, as a single-page site mounts its next view.
      await site.page.evaluate(
        ([cid, trackerUrl]) => {
          const w = window as unknown as {
            videojs: (el: Element, o: object) => { spkP2p(o: object): unknown; src(s: object): void; play(): unknown; on(e: string, f: () => void): void; playbackRate(r: number): void };
            recordPlayer(id: string, player: unknown): { attach(plugin: unknown): void };
          };
          const el = document.createElement('video-js');
          el.id = 'next';
          el.setAttribute('muted', '');
          document.body.append(el);
          const player = w.videojs(el, { muted: true, html5: { vhs: { overrideNative: true } } });
          w.recordPlayer('next', player).attach(player.spkP2p({ trackerUrls: [trackerUrl], stunServers: [] }));
          player.on('loadedmetadata', () => player.playbackRate(4));
          player.src({ src: `/ipfs/${cid}/manifest.m3u8`, type: 'application/x-mpegURL' });
          void player.play();
        },
        [SAMPLE_CID, tracker.url] as const,
      );
      const ended = await waitForSiteEnd(site, 60_000, 'next');
      assert.equal(ended.mode, 'p2p');
      assert.equal(ended.videoCid, SAMPLE_CID);
      assert.equal(await roomPeers(tracker.url, SAMPLE_CID), 1, 'only the new player is in the room');
    } finally {
      await site.close();
    }
  });

  it('two players of one video and one of another on one page all play, each in its own room', async () => {
    const { browser, cdn, tracker } = fixture;
    const site = await openSite(browser, cdn.url, '/pages/site/multi.html', { cid: SAMPLE_CID, other: OTHER_CID, tracker: tracker.url });
    try {
      await waitFor(async () => (await roomPeers(tracker.url, SAMPLE_CID)) === 2 && (await roomPeers(tracker.url, OTHER_CID)) === 1, 30_000, 'two peers in one room, one in the other');
      const ids = ['first', 'again', 'other'];
      const ends = await Promise.all(ids.map((id) => waitForSiteEnd(site, 90_000, id)));
      for (const [index, id] of ids.entries()) {
        const state = ends[index];
        assert.ok(state);
        assert.equal(state.mode, 'p2p', id);
        assert.deepEqual(state.stalls, [], `${id}: no stall`);
        assert.ok(state.stats && state.stats.cdnBytes + state.stats.p2pBytes > 0, id);
      }
      assert.equal(ends[0]?.videoCid, SAMPLE_CID);
      assert.equal(ends[2]?.videoCid, OTHER_CID);
    } finally {
      await site.close();
    }
  });

  it('a seek far ahead of every peer, playbackRate(2) and an ABR switch mid-play: no stall, no error', async () => {
    const { browser, cdn, tracker } = fixture;
    // A seeder that stopped at once: with VHS's 30 s buffer goal it holds at most the first 36 s,
    // so nobody has the part the joiner seeks to.
    const seeder = await openSitePlayer(browser, cdn.url, { src: `/client/seed/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: tracker.url });
    const joiner = await openSitePlayer(browser, cdn.url, { src: `/client/joiner/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: tracker.url });
    try {
      await waitFor(async () => (await seeder.state()).currentTime > 1, 30_000, 'the seeder playing');
      await seeder.run('(player.pause(), true)');
      await waitFor(async () => (await joiner.state()).playing && (await joiner.events('peerconnect')).length > 0, 30_000, 'the joiner playing with a peer');
      // ABR is free (no pinning): a bigger player lets VHS pick a higher rendition mid-play.
      const startRendition = renditionOf((await joiner.events('segmentloaded'))[0]?.url);
      await joiner.run('(player.dimensions(1280, 720), true)');
      await waitFor(
        async () => (await joiner.events('segmentloaded')).some((event) => renditionOf(event.url) !== startRendition),
        30_000,
        'VHS to switch renditions',
      );
      await joiner.run('(player.playbackRate(2), player.currentTime(50), true)');
      await waitFor(async () => (await joiner.state()).currentTime > 53, 30_000, 'playback past the seek point');
      const ended = await waitForSiteEnd(joiner, 60_000);
      assert.deepEqual(ended.errors, []);
      assert.deepEqual(ended.stalls, [], 'no stall');
      const loaded = await joiner.events('segmentloaded');
      const afterSeek = loaded.filter((event) => /_(8|9)\.ts/.test(String(event.url)));
      assert.ok(afterSeek.length > 0 && afterSeek.every((event) => event.source === 'cdn'), 'what no peer had came from the CDN');
      const renditions = new Set(loaded.map((event) => renditionOf(event.url)));
      assert.ok(renditions.size >= 2, `ABR switched renditions: ${[...renditions].join(', ')}`);
    } finally {
      await Promise.all([seeder.close(), joiner.close()]);
    }
  });
});
