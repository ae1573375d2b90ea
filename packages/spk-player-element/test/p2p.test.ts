/**
 * P2P by default: two `<spk-player cid=…>` viewers using different gateways still meet in
 * one swarm (keyed by the CID) on our signal server, and the second one gets media from the
 * first over WebRTC.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { createSignalServer, type SignalServer } from '../../signal-server/src/index.js';
import { addPlayer, events, freePort, openPage, startFixture, waitForState, waitForTime, type Fixture } from './support.js';

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

test('a cid whose first gateway is down: the element fails over, and the plugin\'s gateway ranking (one record for both) has that gateway last', async () => {
  const page = await openPage(fixture);
  try {
    const down = `http://127.0.0.1:${await freePort()}`;
    const alive = fixture.cdn.clientUrl('health-alive');
    const p2pOptions = { stunServers: [], statsInterval: 300 };
    const a = await addPlayer(page, { cid: SAMPLE_CID, gateway: `${down} ${alive}`, signal: signalUrl, muted: '' }, { id: 'first', p2pOptions });
    await waitForState(page, a, 'ready');
    await page.$eval(a, (el) => (el as unknown as { play(): Promise<void> }).play());
    await waitForTime(page, a, 1, 30_000);
    const sources = (await events(page, 'first')).filter((event) => event.type === 'spk-source').map((event) => event.detail as { url: string });
    assert.deepEqual(sources.map((source) => source.url.split('/ipfs/')[0]), [down, alive], 'the element failed over to the live gateway');

    interface Ranked { gateways: { gateway: string; errors: number; latencyMs: number | null }[] }
    const ranking = (await page.$eval(a, (el) => (el as unknown as { stats(): Ranked }).stats())).gateways;
    assert.deepEqual(ranking.map((entry) => entry.gateway), [alive, down], 'the plugin ranks the dead gateway last');
    assert.ok((ranking[1]?.errors ?? 0) >= 1, 'what the element saw is in the plugin\'s record');
    assert.ok(ranking[0]?.latencyMs !== null);

    // The next element on the page decides from the same record: it starts on the live gateway.
    const b = await addPlayer(page, { cid: SAMPLE_CID, gateway: `${down} ${alive}`, signal: signalUrl, muted: '', preload: 'none', loading: 'eager' }, { id: 'second', p2pOptions });
    await waitForState(page, b, 'ready');
    const next = (await events(page, 'second')).find((event) => event.type === 'spk-source')?.detail as { url: string; candidates: string[] } | undefined;
    assert.equal(next?.url.split('/ipfs/')[0], alive, 'the second player starts on the gateway that works');
    assert.equal(next?.candidates.at(-1)?.split('/ipfs/')[0], down);
  } finally {
    await page.close();
  }
});
