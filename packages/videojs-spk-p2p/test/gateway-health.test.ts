import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manifestUrl, openPlayer, p2pOptions, useBrowserFixture, waitFor, waitForEnd } from './support.js';

describe('videojs-spk-p2p: gateway health ranks IPFS gateways and hedges late segment requests', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it('two gateways, the configured first one slow: the fast one ranks first, serves most segments, and stats.gateways shows it', async () => {
    const { browser, cdn, tracker } = fixture;
    const slow = cdn.clientUrl('gw-slow');
    const fast = cdn.clientUrl('gw-fast');
    cdn.setLatency(600, 'gw-slow');
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'gw-slow'),
      options: p2pOptions(tracker.url, { ipfsGateways: [slow, fast] }),
      rate: 4,
    });
    try {
      // The first segments may come from the configured order while latencies are learnt; what
      // is asserted is the ranking once learnt, and who serves the segments that come after it.
      const learnt = await waitFor(async () => {
        const now = await player.state();
        return now.stats.segments.cdn >= 3 && now.stats.gateways[0]?.gateway === fast ? now : undefined;
      }, 40_000, 'the fast gateway to rank first after three segments');
      const servedBefore = cdn.bytesServed().byClient;
      const state = await waitFor(async () => {
        const now = await player.state();
        return now.stats.segments.cdn >= learnt.stats.segments.cdn + 3 ? now : undefined;
      }, 40_000, 'three more segments');
      const ranking = state.stats.gateways;
      console.log('ranking', JSON.stringify(ranking));
      assert.deepEqual(
        ranking.map((entry) => entry.gateway),
        [fast, slow],
        'the fast gateway still ranks first',
      );
      const [first, second] = ranking;
      assert.ok(first && second && first.latencyMs !== null && second.latencyMs !== null);
      assert.ok(first.latencyMs < second.latencyMs, `${first.latencyMs} ms < ${second.latencyMs} ms`);
      assert.ok(second.latencyMs >= 600, 'the slow one is measured as slow');
      assert.ok(first.requests > second.requests, 'the fast one served more requests');
      const served = cdn.bytesServed().byClient;
      const since = (client: string) => (served[client] ?? 0) - (servedBefore[client] ?? 0);
      console.log('bytes served since the ranking was learnt', JSON.stringify({ fast: since('gw-fast'), slow: since('gw-slow') }));
      assert.ok(since('gw-fast') > since('gw-slow'), `fast ${since('gw-fast')} B > slow ${since('gw-slow')} B once ranked`);
      assert.deepEqual(state.errors, []);
    } finally {
      await player.close();
    }
  });

  it('a gateway that stops answering mid-playback: the segment request is hedged to the other gateway and playback does not stall', async () => {
    const { browser, cdn, tracker } = fixture;
    const stalling = cdn.clientUrl('gw-stall');
    const other = cdn.clientUrl('gw-other');
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'gw-stall'),
      options: p2pOptions(tracker.url, { ipfsGateways: [stalling, other], gatewayHedgeDelay: 800 }),
      rate: 4,
    });
    try {
      // Once the engine fetches segments (not VHS itself), the first gateway stops answering.
      await waitFor(async () => (await player.events('segmentloaded')).length >= 3, 30_000, 'three segments');
      cdn.stallClient('gw-stall');
      const hedge = await waitFor(async () => (await player.events('gatewayhedge'))[0], 30_000, 'a hedged segment request');
      assert.equal(hedge.gateway, stalling, 'the hedge replaced a request to the stalling gateway');
      const end = await waitForEnd(player, 60_000);
      console.log('after a stall', JSON.stringify(end.stats.gateways), 'hedges', end.stats.gatewayHedges);
      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, [], 'no stall behind the gateway that stopped answering');
      assert.ok(end.stats.gatewayHedges >= 1);
      assert.deepEqual(end.stats.gateways.map((entry) => entry.gateway), [other, stalling], 'the stalling gateway dropped');
      assert.ok((end.stats.gateways[1]?.errors ?? 0) >= 1, 'its timeout counted as an error');
    } finally {
      await player.close();
    }
  });
});
