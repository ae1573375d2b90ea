/**
 * P2P by default: two `<spk-player cid=…>` viewers using different gateways still meet in
 * one swarm (keyed by the CID) on our signal server, and the second one gets media from the
 * first over WebRTC.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { createSignalServer, type SignalServer } from '../../signal-server/src/index.js';
import { addPlayer, openPage, startFixture, waitForState, waitForTime, type Fixture } from './support.js';

let fixture: Fixture;
let signal: SignalServer;
let signalUrl: string;

before(async () => {
  signal = createSignalServer({ logLevel: 'silent' });
  [fixture, { signalUrl }] = await Promise.all([startFixture({ latencyMs: 20 }), signal.listen(0, '127.0.0.1')]);
});

after(async () => {
  await signal?.close();
  await fixture?.close();
});

interface Stats {
  p2pBytes: number;
  cdnBytes: number;
  peers: number;
  mode: string;
}

test('two viewers of one cid on different gateways share segments over WebRTC', async () => {
  const first = await openPage(fixture);
  const second = await openPage(fixture);
  try {
    // No STUN on a closed network; host candidates are enough between local browsers.
    const p2pOptions = { stunServers: [], statsInterval: 300 };
    const a = await addPlayer(first, { cid: SAMPLE_CID, gateway: fixture.cdn.clientUrl('viewer-a'), signal: signalUrl, muted: '' }, { p2pOptions });
    await waitForState(first, a, 'ready');
    await first.$eval(a, (el) => {
      (el as unknown as { videojsPlayer: { playbackRate(rate: number): void } }).videojsPlayer.playbackRate(2);
      return (el as unknown as { play(): Promise<void> }).play();
    });
    // The first viewer is well ahead (its buffer holds the next segments) when the second joins.
    await waitForTime(first, a, 18, 40_000);

    const b = await addPlayer(second, { cid: SAMPLE_CID, gateway: fixture.cdn.clientUrl('viewer-b'), signal: signalUrl, muted: '' }, { p2pOptions });
    await waitForState(second, b, 'ready');
    await second.$eval(b, (el) => (el as unknown as { play(): Promise<void> }).play());
    await second.waitForFunction(
      (selector) => ((document.querySelector(selector) as unknown as { stats(): Stats | null }).stats()?.p2pBytes ?? 0) > 0,
      b,
      { timeout: 40_000 },
    );
    const stats = (await second.$eval(b, (el) => (el as unknown as { stats(): Stats }).stats())) as Stats;
    assert.equal(stats.mode, 'p2p');
    assert.ok(stats.p2pBytes > 0, `p2pBytes ${stats.p2pBytes}`);
    assert.ok(stats.cdnBytes > 0, 'the first segment still came from the CDN');
    assert.equal(signal.room(SAMPLE_CID).peers, 2, 'both viewers are in the room of the CID');
    // Stats are dispatched periodically while playing, which may begin after the first peer bytes.
    const statsDispatched = await second
      .waitForFunction(
        () => (window as unknown as { events_player: { type: string }[] }).events_player.some((e) => e.type === 'spk-p2p-stats'),
        undefined,
        { timeout: 10_000 },
      )
      .then(() => true, () => false);
    assert.ok(statsDispatched, 'spk-p2p-stats events were dispatched');
  } finally {
    await second.close();
    await first.close();
  }
});
