import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manifestUrl, openPlayer, p2pOptions, useBrowserFixture, waitFor } from './support.js';

const REMOVE_MSE = `
  for (const name of ['MediaSource', 'ManagedMediaSource', 'WebKitMediaSource']) {
    Object.defineProperty(window, name, { value: undefined, configurable: true, writable: true });
  }
`;

describe('videojs-spk-p2p: modes, options and lifecycle', () => {
  const fixture = useBrowserFixture();

  it('without MediaSource it reports cdn-only and the player still plays from the CDN', async () => {
    const { browser, cdn, tracker } = fixture;
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'no-mse'),
      options: p2pOptions(tracker.url),
      initScript: REMOVE_MSE,
      rate: 4,
    });
    try {
      const state = await waitFor(async () => {
        const s = await player.state();
        if (s.errors.length > 0) throw new Error(s.errors.join('; '));
        return s.currentTime >= 8 ? s : undefined;
      }, 30_000, 'native playback to 8 s');
      assert.equal(state.mode, 'cdn-only');
      assert.equal(state.usingVhs, false);
      assert.equal(state.stats.mode, 'cdn-only');
      assert.equal(state.stats.p2pBytes, 0);
      assert.ok((cdn.bytesServed().byClient['no-mse'] ?? 0) > 0, 'the CDN served the media');
      assert.equal(tracker.connections(), 0, 'no signalling without MSE');
    } finally {
      await player.close();
    }
  });

  it('rejects bad options with a clear error and leaves playback alone', async () => {
    const { browser, cdn, tracker } = fixture;
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'bad-options'),
      options: { trackerUrls: ['https://not-a-websocket.example'], maxPeers: -2 },
      pluginsOption: false,
      rate: 4,
    });
    try {
      const errors = await waitFor(async () => {
        const events = await player.events('optionserror');
        return events.length > 0 ? events : undefined;
      }, 5_000, 'optionserror');
      const message = String((errors[0]?.error as { message?: string } | undefined)?.message ?? '');
      const stored = await player.page.evaluate(() => (window as unknown as { player: { spkP2p(): { optionsError?: Error } } }).player.spkP2p().optionsError?.message);
      assert.match(stored ?? message, /videojs-spk-p2p: tracker URL "https:\/\/not-a-websocket\.example" is not a ws:\/\/ or wss:\/\/ URL/);
      const state = await waitFor(async () => {
        const s = await player.state();
        return s.currentTime >= 6 ? s : undefined;
      }, 30_000, 'playback to 6 s');
      assert.equal(state.mode, 'disabled');
      assert.deepEqual(state.errors, []);
      assert.ok(state.stats.cdnBytes > 0, 'segments still counted');
    } finally {
      await player.close();
    }
  });

  it('enabled: false plays from the CDN without joining a swarm', async () => {
    const { browser, cdn, tracker } = fixture;
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'disabled'),
      options: p2pOptions(tracker.url, { enabled: false }),
      rate: 4,
    });
    try {
      const state = await waitFor(async () => {
        const s = await player.state();
        return s.currentTime >= 6 ? s : undefined;
      }, 30_000, 'playback to 6 s');
      assert.equal(state.mode, 'disabled');
      assert.equal(tracker.connections(), 0);
      assert.equal((await player.events('coreready')).length, 0, 'the P2P engine was never loaded');
    } finally {
      await player.close();
    }
  });

  it('dispose() destroys the engine, closes signalling, removes the VHS hooks and stops events', async () => {
    const { browser, cdn, tracker } = fixture;
    const player = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, 'dispose'),
      options: p2pOptions(tracker.url, { overlay: true }),
    });
    try {
      await waitFor(async () => (await player.events('stats')).length > 0 && tracker.connections() > 0, 20_000, 'P2P running');
      assert.equal(await player.page.locator('.vjs-spk-p2p-overlay').count(), 1);
      assert.match(await player.page.locator('.vjs-spk-p2p-overlay').innerText(), /^P2P \d+% · \d+ peers? · ↓\d+(\.\d)? (B|KiB|MiB) ↑\d+(\.\d)? (B|KiB|MiB)$/);
      const result = await player.page.evaluate(() => {
        // VHS internals: the per-player hook set is the only place a leftover hook could hide.
        const p = (window as unknown as { player: { spkP2p(): { dispose(): void }; tech(x: boolean): { vhs: { xhr: { _requestCallbackSet?: Set<unknown>; _responseCallbackSet?: Set<unknown> } } }; usingPlugin(n: string): boolean } }).player;
        const xhr = p.tech(true).vhs.xhr;
        const before = (xhr._requestCallbackSet?.size ?? 0) + (xhr._responseCallbackSet?.size ?? 0);
        p.spkP2p().dispose();
        const after = (xhr._requestCallbackSet?.size ?? 0) + (xhr._responseCallbackSet?.size ?? 0);
        return { before, after, overlays: document.querySelectorAll('.vjs-spk-p2p-overlay').length, using: p.usingPlugin('spkP2p') };
      });
      assert.equal(result.before, 2);
      assert.equal(result.after, 0);
      assert.equal(result.overlays, 0);
      assert.equal(result.using, false);
      await waitFor(async () => tracker.connections() === 0, 10_000, 'the signalling socket to close');
      const count = (await player.events('stats')).length;
      const position = (await player.state()).currentTime;
      // Playback continues over plain HTTP; no further plugin events arrive.
      await waitFor(async () => (await player.state()).currentTime > position + 2.5, 15_000, 'playback to go on');
      assert.equal((await player.events('stats')).length, count);
    } finally {
      await player.close();
    }
  });

  it('the UMD build registers spkP2p on window.videojs and loads segments through its bundled engine', async () => {
    const { browser, cdn, tracker } = fixture;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${cdn.url}/pages/umd.html`);
      const src = manifestUrl(cdn, 'umd');
      const registered = await page.evaluate(
        ({ src, options }) => {
          const w = window as unknown as { videojs: ((id: string, o: object) => unknown) & { getPlugin(n: string): unknown }; umdEvents: string[] };
          const player = w.videojs('player', { muted: true, plugins: { spkP2p: options } }) as {
            spkP2p(): { on(e: string, f: (e: unknown, d: { source: string }) => void): void };
            src(s: object): void;
            play(): Promise<void>;
          };
          w.umdEvents = [];
          player.spkP2p().on('segmentloaded', (_e, data) => w.umdEvents.push(data.source));
          player.spkP2p().on('coreready', () => w.umdEvents.push('coreready'));
          player.src({ src, type: 'application/x-mpegURL' });
          void player.play();
          return typeof w.videojs.getPlugin('spkP2p') === 'function';
        },
        { src, options: p2pOptions(tracker.url) },
      );
      assert.ok(registered);
      const events = await waitFor(async () => {
        const list = await page.evaluate(() => (window as unknown as { umdEvents: string[] }).umdEvents);
        return list.includes('coreready') && list.filter((e) => e === 'cdn').length >= 3 ? list : undefined;
      }, 20_000, 'segments with the engine ready');
      assert.ok(events.includes('coreready'));
    } finally {
      await context.close();
    }
  });
});
