import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_DURATION_S } from '../../../demo/media/sample.js';
import { manifestUrl, openPlayer, p2pOptions, useBrowserFixture, waitFor, waitForEnd } from './support.js';

describe('videojs-spk-p2p: single player', () => {
  const fixture = useBrowserFixture();

  it('plays the sample HLS to the end with the plugin, counting every media byte', async () => {
    const { browser, cdn, tracker } = fixture;
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'solo'),
      options: p2pOptions(tracker.url),
      rate: 4,
    });
    try {
      const state = await waitForEnd(player, 60_000);
      assert.equal(state.mode, 'p2p');
      assert.ok(state.usingVhs, 'VHS (MSE) plays the source');
      assert.ok(state.currentTime >= SAMPLE_DURATION_S - 1, `played to ${state.currentTime}`);
      assert.deepEqual(state.errors, []);
      assert.deepEqual(state.stalls, [], 'no stall');
      const { stats } = state;
      assert.equal(stats.p2pBytes, 0, 'alone in the swarm: nothing from peers');
      const served = cdn.bytesServed().byClient.solo ?? 0;
      assert.ok(stats.cdnBytes > 0);
      // Every media byte the CDN sent reached the player through the plugin's accounting.
      assert.ok(stats.cdnBytes <= served, `stats ${stats.cdnBytes} <= served ${served}`);
      assert.ok(stats.cdnBytes >= served * 0.9, `stats ${stats.cdnBytes} vs served ${served}`);
      const loaded = await player.events('segmentloaded');
      assert.ok(loaded.length >= 10, `${loaded.length} segments`);
      assert.equal(loaded[0]?.source, 'cdn', 'first segment from the CDN');
      assert.ok(loaded.every((event) => typeof event.bytes === 'number' && (event.bytes as number) > 0));
      const stats1 = await waitFor(async () => (await player.events('stats')).length > 0, 5_000, 'a stats event');
      assert.ok(stats1);
    } finally {
      await player.close();
    }
  });

  it('survives a seek while segments are in flight and still plays to the end', async () => {
    const { browser, cdn, tracker } = fixture;
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'seeker'),
      options: p2pOptions(tracker.url),
      rate: 4,
    });
    try {
      await waitFor(async () => (await player.events('coreready')).length > 0 && (await player.state()).currentTime > 3, 20_000, 'engine ready');
      await player.page.evaluate(() => (window as unknown as { player: { currentTime(t: number): void } }).player.currentTime(40));
      const state = await waitForEnd(player, 30_000);
      assert.deepEqual(state.errors, []);
      const loaded = await player.events('segmentloaded');
      assert.ok(loaded.some((event) => /_[6-9]\.ts$/.test(String(event.url))), 'segments after the seek point loaded');
    } finally {
      await player.close();
    }
  });
});
