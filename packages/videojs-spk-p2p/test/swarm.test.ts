import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manifestUrl, openPlayer, p2pOptions, useBrowserFixture, waitFor, waitForEnd } from './support.js';

describe('videojs-spk-p2p: two viewers over real WebRTC', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it('the second viewer gets at least half of its media bytes from the first, and both agree', async () => {
    const { browser, cdn, tracker } = fixture;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const first = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer-a'), options: p2pOptions(tracker.url), rate: 2 });
    let second: Awaited<ReturnType<typeof openPlayer>> | undefined;
    try {
      // The first viewer is well ahead (its buffer holds the next segments) when the second joins.
      await waitFor(async () => (await first.state()).currentTime >= 24, 40_000, "first viewer at 24 s");
      second = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer-b'), options: p2pOptions(tracker.url), rate: 2 });
      const [endA, endB] = await Promise.all([waitForEnd(first, 90_000), waitForEnd(second, 90_000)]);

      const a = endA.stats;
      const b = endB.stats;
      console.log('viewer A', JSON.stringify(a));
      console.log('viewer B', JSON.stringify(b));
      assert.deepEqual(endB.stalls, [], 'the second viewer never stalled');
      assert.deepEqual(endA.stalls, [], 'the first viewer never stalled');
      assert.ok(b.p2pRatio >= 0.5, `second viewer P2P ratio ${b.p2pRatio.toFixed(2)} >= 0.5`);
      assert.ok(b.latency.p2p.p50 !== null && b.latency.p2p.p95 !== null);
      assert.ok(b.discoveryMs !== null && a.discoveryMs !== null, 'both discovered a peer');

      // What one uploaded is what the other received from peers (the only other peer).
      assert.ok(a.uploadedBytes >= b.p2pBytes, `A uploaded ${a.uploadedBytes} >= B got ${b.p2pBytes} from peers`);
      assert.ok(a.uploadedBytes <= b.p2pBytes * 1.5, `A uploaded ${a.uploadedBytes}, B used ${b.p2pBytes}`);
      // The CDN's own byte count agrees with what each player says it took from the CDN.
      const served = cdn.bytesServed().byClient;
      for (const [id, stats] of [['viewer-a', a], ['viewer-b', b]] as const) {
        const cdnSide = served[id] ?? 0;
        assert.ok(stats.cdnBytes <= cdnSide && stats.cdnBytes >= cdnSide * 0.85, `${id}: player ${stats.cdnBytes} vs CDN ${cdnSide}`);
      }

      const loadedB = await second.events('segmentloaded');
      assert.equal(loadedB[0]?.source, 'cdn', 'first segment from the CDN');
      const fromPeers = loadedB.filter((event) => event.source === 'p2p');
      assert.ok(fromPeers.length > 0 && fromPeers.every((event) => typeof event.peerId === 'string'));
      const connectsB = await second.events('peerconnect');
      const connectsA = await first.events('peerconnect');
      assert.ok(connectsA.length > 0 && connectsB.length > 0, 'peerconnect on both sides');
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('a joiner finds its peer while its first segment is still on the way from the CDN', async () => {
    const { browser, cdn, tracker } = fixture;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const first = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer-c'), options: p2pOptions(tracker.url), rate: 2 });
    let second: Awaited<ReturnType<typeof openPlayer>> | undefined;
    try {
      await waitFor(async () => (await first.state()).currentTime >= 12, 40_000, 'first viewer at 12 s');
      // A far CDN edge for the joiner only: its first segment takes 2 s to start arriving.
      cdn.setLatency(2_000, 'viewer-d');
      second = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer-d'), options: p2pOptions(tracker.url), rate: 2 });
      const joiner = second;
      const firstSegment = await waitFor(async () => (await joiner.events('segmentloaded'))[0], 30_000, "the joiner's first segment");
      const connects = await joiner.events('peerconnect');
      assert.equal(firstSegment.source, 'cdn', 'the first segment came from the CDN');
      assert.ok(connects[0] !== undefined, 'the joiner connected to a peer before its first segment arrived');
      assert.ok(connects[0].at < firstSegment.at, `peer at ${connects[0].at}, first segment at ${firstSegment.at}`);
      // The early join must not have made the engine fetch anything from the CDN beside VHS.
      const served = cdn.bytesServed().byClient['viewer-d'] ?? 0;
      assert.ok(served < 2 * (firstSegment.bytes as number), `the joiner took ${served} bytes from the CDN for one segment`);
    } finally {
      cdn.setLatency(20, 'viewer-d');
      await second?.close();
      await first.close();
    }
  });

  it('a joiner at normal speed takes its second segment from its peer: the request waits for the engine that starts after the first frame', async () => {
    const { browser, cdn, tracker } = fixture;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const first = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer-e'), options: p2pOptions(tracker.url), rate: 2 });
    let second: Awaited<ReturnType<typeof openPlayer>> | undefined;
    try {
      await waitFor(async () => (await first.state()).currentTime >= 12, 40_000, 'first viewer at 12 s');
      // Rate 1: the first segment's 6 s leave the buffer room to wait for the engine.
      second = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'viewer-f'), options: p2pOptions(tracker.url), rate: 1 });
      const joiner = second;
      const [firstSegment, secondSegment] = await waitFor(async () => {
        const loaded = await joiner.events('segmentloaded');
        return loaded.length >= 2 ? loaded : undefined;
      }, 30_000, "the joiner's first two segments");
      assert.equal(firstSegment?.source, 'cdn', 'the first segment from the CDN (start-up never waits for peers)');
      assert.equal(secondSegment?.source, 'p2p', `the second from the peer, not the CDN: ${JSON.stringify(secondSegment)}`);
      assert.deepEqual((await joiner.state()).stalls, [], 'no stall while it waited');
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
