/**
 * <spk-player> in real Chromium with real Video.js/VHS, against the local CDN (as gateway)
 * and a local Hive JSON-RPC node.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { SAMPLE_CID, SAMPLE_DIR, SAMPLE_DURATION_S, SAMPLE_MANIFEST_PATH, SAMPLE_SEGMENTS_PER_RENDITION } from '../../../demo/media/sample.js';
import { startCdn } from '../../../demo/cdn/cdn-server.js';
import { startHiveFixture, threeSpeakMetadata, type HiveFixture } from './hive-fixture.js';
import {
  addPlayer,
  errorText,
  events,
  freePort,
  openPage,
  pageErrors,
  startFixture,
  waitForState,
  waitForTime,
  type Fixture,
} from './support.js';

let fixture: Fixture;
let hive: HiveFixture;

before(async () => {
  fixture = await startFixture();
  hive = await startHiveFixture([
    {
      author: 'alice',
      permlink: 'abcdefgh',
      title: 'Post title',
      json_metadata: threeSpeakMetadata(SAMPLE_CID, 'Colour bars', `ipfs://${SAMPLE_CID}/thumbnail.jpg`),
    },
    {
      author: 'bob',
      permlink: 'just-text',
      title: 'A text post',
      json_metadata: { app: 'peakd/2025.1.1', tags: ['hive'], image: [] },
    },
  ]);
});

after(async () => {
  await hive?.close();
  await fixture?.close();
});

async function withPage(run: (page: Page) => Promise<void>): Promise<void> {
  const page = await openPage(fixture);
  try {
    await run(page);
    assert.deepEqual(pageErrors(page), [], 'no uncaught page errors');
  } finally {
    await page.close();
  }
}

describe('<spk-player> playback', () => {
  test('plays the sample video from the local CDN through src, with media API and re-dispatched events', async () => {
    await withPage(async (page) => {
      const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off', muted: '' });
      await waitForState(page, player, 'ready');
      assert.equal(await page.$eval(player, (el) => (el as unknown as { paused: boolean }).paused), true);
      await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
      await waitForTime(page, player, 1.5);
      const media = await page.$eval(player, (el) => {
        const p = el as unknown as { paused: boolean; duration: number; currentTime: number };
        return { paused: p.paused, duration: p.duration };
      });
      assert.equal(media.paused, false);
      assert.ok(Math.abs(media.duration - SAMPLE_DURATION_S) < 1, `duration ${media.duration}`);
      await page.$eval(player, (el) => (el as unknown as { pause(): void }).pause());
      await page.waitForFunction((s) => (document.querySelector(s) as unknown as { paused: boolean }).paused, player);
      const types = new Set((await events(page)).map((event) => event.type));
      for (const type of ['spk-source', 'spk-ready', 'loadedmetadata', 'play', 'playing', 'timeupdate', 'pause']) {
        assert.ok(types.has(type), `event ${type} was dispatched`);
      }
      assert.ok(!types.has('error'));
      assert.ok(fixture.cdn.bytesServed().total > 0, 'segments came from the CDN');
    });
  });

  test('cid plays from the next gateway when the first one is down', async () => {
    await withPage(async (page) => {
      const down = `http://127.0.0.1:${await freePort()}`;
      const player = await addPlayer(page, { cid: SAMPLE_CID, gateway: `${down} ${fixture.cdn.url}/ipfs`, p2p: 'off', muted: '' });
      await waitForState(page, player, 'ready');
      await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
      await waitForTime(page, player, 0.5);
      const sources = (await events(page)).filter((event) => event.type === 'spk-source').map((event) => event.detail as { url: string; gatewayIndex: number });
      assert.equal(sources[0]?.url, `${down}/ipfs/${SAMPLE_CID}/manifest.m3u8`);
      assert.equal(sources.at(-1)?.gatewayIndex, 1);
      assert.equal(sources.at(-1)?.url, `${fixture.cdn.url}/ipfs/${SAMPLE_CID}/manifest.m3u8`);
      assert.ok(!(await events(page)).some((event) => event.type === 'error'), 'a gateway that fails over is not an error');
    });
  });

  test('a gateway that goes down mid-playback hands over to the next one at the same position', async () => {
    const first = await startCdn();
    try {
      await withPage(async (page) => {
        const player = await addPlayer(page, { cid: SAMPLE_CID, gateway: `${first.url} ${fixture.cdn.url}`, p2p: 'off', muted: '' });
        await waitForState(page, player, 'ready');
        await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
        await waitForTime(page, player, 1);
        // Record where playback was at the hand-over, and the earliest time shown after it.
        await page.$eval(player, (el) => {
          const record = { switchedAt: -1, earliestAfter: Number.POSITIVE_INFINITY };
          (window as unknown as { handover: typeof record }).handover = record;
          const media = el as unknown as { currentTime: number };
          el.addEventListener('spk-source', (event) => {
            if ((event as CustomEvent<{ gatewayIndex: number }>).detail.gatewayIndex === 1) record.switchedAt = media.currentTime;
          });
          el.addEventListener('timeupdate', () => {
            if (record.switchedAt >= 0) record.earliestAfter = Math.min(record.earliestAfter, media.currentTime);
          });
        });
        await first.close();
        const handover = await page.waitForFunction(
          () => {
            const record = (window as unknown as { handover: { switchedAt: number; earliestAfter: number } }).handover;
            return record.switchedAt >= 0 && record.earliestAfter < Number.POSITIVE_INFINITY ? record : null;
          },
          undefined,
          { timeout: 30_000 },
        );
        const { switchedAt } = (await handover.jsonValue()) as { switchedAt: number };
        assert.ok(switchedAt >= 1, `switched at ${switchedAt}`);
        await waitForTime(page, player, switchedAt + 1, 30_000);
        const { earliestAfter } = await page.evaluate(() => (window as unknown as { handover: { earliestAfter: number } }).handover);
        assert.ok(earliestAfter >= switchedAt - 0.5, `resumed at ${earliestAfter}, switched at ${switchedAt}`);
        assert.ok(!(await events(page)).some((event) => event.type === 'error'));
      });
    } finally {
      await first.close();
    }
  });

  test('v="owner/permlink" resolves through the Hive API and shows the post thumbnail as poster', async () => {
    hive.calls.length = 0;
    await withPage(async (page) => {
      const player = await addPlayer(page, { v: 'alice/abcdefgh', 'hive-api': hive.url, gateway: fixture.cdn.url, p2p: 'off', muted: '' });
      await waitForState(page, player, 'ready');
      assert.deepEqual(hive.calls[0], { method: 'bridge.get_post', params: { author: 'alice', permlink: 'abcdefgh' } });
      const source = (await events(page)).find((event) => event.type === 'spk-source')?.detail as { url: string; videoCid: string; title: string };
      assert.equal(source.url, `${fixture.cdn.url}/ipfs/${SAMPLE_CID}/manifest.m3u8`);
      assert.equal(source.videoCid, SAMPLE_CID);
      assert.equal(source.title, 'Colour bars');
      const poster = await page.$eval(player, (el) => el.shadowRoot?.querySelector('.vjs-poster img')?.getAttribute('src') ?? '');
      assert.ok(poster.endsWith(`/ipfs/${SAMPLE_CID}/thumbnail.jpg`), `poster ${poster}`);
      const titleBar = await page.$eval(player, (el) => el.shadowRoot?.querySelector('[part="title-bar"] .vjs-title-bar-title')?.textContent);
      assert.equal(titleBar, 'Colour bars', 'the post title shows in the title bar');
      await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
      await waitForTime(page, player, 0.5);
    });
  });

  test('start-time seeks on load, and currentTime set before load is honoured', async () => {
    await withPage(async (page) => {
      const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off', muted: '', 'start-time': '0:20' });
      await page.waitForFunction((s) => (window as unknown as { events_player: { type: string }[] }).events_player.some((e) => e.type === 'loadedmetadata'), player);
      await page.waitForFunction((s) => Math.abs((document.querySelector(s) as unknown as { currentTime: number }).currentTime - 20) < 0.5, player, { timeout: 30_000 });
      await page.evaluate((src) => {
        const element = document.createElement('spk-player') as HTMLElement & { currentTime: number; src: string; p2p: boolean; muted: boolean };
        element.id = 'preset';
        element.p2p = false;
        element.muted = true;
        element.src = src;
        element.currentTime = 30;
        document.body.append(element);
      }, fixture.cdn.url + SAMPLE_MANIFEST_PATH);
      await page.waitForFunction(() => {
        const element = document.querySelector('#preset') as unknown as { currentTime: number; readyState: number } | null;
        return element !== null && element.readyState > 0 && Math.abs(element.currentTime - 30) < 0.5;
      }, undefined, { timeout: 30_000 });
    });
  });

  test('loading="lazy" fetches nothing until scrolled near the viewport', async () => {
    await withPage(async (page) => {
      // An eager control player below the fold: once it has loaded its metadata, a non-lazy
      // player would have fetched too.
      const control = await addPlayer(page, { src: `${fixture.cdn.clientUrl('control')}${SAMPLE_MANIFEST_PATH}`, p2p: 'off', preload: 'auto' }, { id: 'control' });
      const lazy = await addPlayer(
        page,
        { cid: SAMPLE_CID, gateway: fixture.cdn.clientUrl('lazy'), loading: 'lazy', p2p: 'off', poster: `${fixture.cdn.clientUrl('lazy')}/ipfs/${SAMPLE_CID}/thumbnail.jpg` },
        { id: 'lazy', before: 'spacer' },
      );
      await page.waitForFunction(() => (window as unknown as { events_control: { type: string }[] }).events_control.some((e) => e.type === 'loadedmetadata'), undefined, { timeout: 30_000 });
      assert.equal(await page.$eval(lazy, (el) => el.getAttribute('state')), 'idle');
      const lazyRequests = await page.evaluate(() => performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/client/lazy/')).length);
      assert.equal(lazyRequests, 0, 'no request for the lazy player (media or poster)');
      assert.equal(fixture.cdn.bytesServed().byClient.lazy ?? 0, 0);
      assert.equal(await page.$eval(lazy, (el) => el.shadowRoot?.querySelector('img') === null), true, 'no poster image yet');
      assert.ok((fixture.cdn.bytesServed().byClient.control ?? 0) > 0, 'the control player did fetch');
      void control;

      await page.$eval(lazy, (el) => el.scrollIntoView());
      await waitForState(page, lazy, 'ready');
      await page.waitForFunction(() => (window as unknown as { events_lazy: { type: string }[] }).events_lazy.some((e) => e.type === 'loadedmetadata'), undefined, { timeout: 30_000 });
      assert.ok((fixture.cdn.bytesServed().byClient.lazy ?? 0) > 0, 'the lazy player fetched once in view');
    });
  });

  test('spk-p2p-stats carries the plugin stats while playing with P2P on (signal server unreachable: CDN keeps playing)', async () => {
    await withPage(async (page) => {
      const signal = `ws://127.0.0.1:${await freePort()}/api/p2p/signal`;
      const player = await addPlayer(page, { cid: SAMPLE_CID, gateway: fixture.cdn.url, signal, muted: '' }, { p2pOptions: { stunServers: [], statsInterval: 300 } });
      await waitForState(page, player, 'ready');
      await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
      await page.waitForFunction(() => (window as unknown as { events_player: { type: string }[] }).events_player.some((e) => e.type === 'spk-p2p-stats'), undefined, { timeout: 30_000 });
      const stats = (await events(page)).find((event) => event.type === 'spk-p2p-stats')?.detail as { mode: string; cdnBytes: number; p2pRatio: number; peers: number };
      assert.ok(['p2p', 'cdn-only'].includes(stats.mode), `mode ${stats.mode}`);
      assert.ok(stats.cdnBytes > 0);
      assert.equal(stats.peers, 0);
      const direct = await page.$eval(player, (el) => (el as unknown as { stats(): { mode: string } | null }).stats()?.mode);
      assert.equal(direct, stats.mode);
    });
  });
});

describe('<spk-player> attributes and properties', () => {
  test('reflects properties to attributes and attributes to properties, and applies them to Video.js', async () => {
    await withPage(async (page) => {
      const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off', preload: 'metadata' });
      await waitForState(page, player, 'ready');
      const result = await page.$eval(player, async (el) => {
        const p = el as unknown as Record<string, unknown> & { updateComplete: Promise<boolean>; videojsPlayer: { muted(): boolean; loop(): boolean; controls(): boolean } };
        const defaults = { controls: p.controls, playsinline: p.playsinline, p2p: p.p2p, autoplay: p.autoplay };
        p.muted = true;
        p.loop = true;
        p.controls = false;
        p.autoplay = 'muted';
        p.aspectRatio = '4:3';
        p.startTime = '5';
        await p.updateComplete;
        // No named helper functions in here: the test transpiler would wrap them in a helper the page lacks.
        const afterProps = {
          muted: el.getAttribute('muted'),
          loop: el.getAttribute('loop'),
          controls: el.getAttribute('controls'),
          autoplay: el.getAttribute('autoplay'),
          p2p: el.getAttribute('p2p'),
          aspect: el.getAttribute('aspect-ratio'),
          startTime: el.getAttribute('start-time'),
        };
        const vjs = { muted: p.videojsPlayer.muted(), loop: p.videojsPlayer.loop(), controls: p.videojsPlayer.controls() };
        const height = el.getBoundingClientRect().height;
        el.removeAttribute('muted');
        el.setAttribute('controls', '');
        el.setAttribute('autoplay', '');
        el.setAttribute('title', '<b>Title</b>');
        await p.updateComplete;
        const afterAttrs = { muted: p.muted, controls: p.controls, autoplay: p.autoplay, title: p.title, vjsMuted: p.videojsPlayer.muted() };
        p.gateway = 'https://gw.example/ipfs';
        p.signal = 'ws://127.0.0.1:1/api/p2p/signal';
        p.hiveApi = 'https://hive.example';
        p.loading = 'eager';
        await p.updateComplete;
        const strings = [el.getAttribute('gateway'), el.getAttribute('signal'), el.getAttribute('hive-api'), el.getAttribute('loading')];
        return {
          strings,
          defaults,
          afterProps,
          vjs,
          height,
          afterAttrs,
        };
      });
      assert.deepEqual(result.defaults, { controls: true, playsinline: true, p2p: false, autoplay: false });
      assert.deepEqual(result.afterProps, { muted: '', loop: '', controls: 'off', autoplay: 'muted', p2p: 'off', aspect: '4:3', startTime: '5' });
      assert.deepEqual(result.vjs, { muted: true, loop: true, controls: false });
      assert.equal(Math.round(result.height), 480, '4:3 of 640px');
      assert.deepEqual(result.afterAttrs, { muted: false, controls: true, autoplay: true, title: '<b>Title</b>', vjsMuted: false });
      assert.deepEqual(result.strings, ['https://gw.example/ipfs', 'ws://127.0.0.1:1/api/p2p/signal', 'https://hive.example', 'eager']);
    });
  });

  test('Video.js is styled inside the shadow root with SVG icons and exposes parts for theming', async () => {
    await withPage(async (page) => {
      // Themed before the player exists: Video.js animates colour changes.
      await page.addStyleTag({ content: 'spk-player { --spk-accent: rgb(0, 128, 255); } spk-player::part(control-bar) { background-color: rgb(1, 2, 3); }' });
      const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off' });
      await waitForState(page, player, 'ready');
      const look = await page.$eval(player, (el) => {
        const root = el.shadowRoot as ShadowRoot;
        const big = root.querySelector('.vjs-big-play-button') as HTMLElement;
        const bar = root.querySelector('.vjs-control-bar') as HTMLElement;
        const icon = root.querySelector('.vjs-play-control svg use');
        return {
          bigPlayBackground: getComputedStyle(big).backgroundColor,
          bigPlayPosition: getComputedStyle(big).position,
          barBackground: getComputedStyle(bar).backgroundColor,
          svgIcons: root.querySelector('.video-js')?.classList.contains('vjs-svg-icons-enabled'),
          iconTarget: icon?.getAttribute('href'),
          iconSpriteInShadow: root.querySelector('#vjs-icon-play') !== null,
        };
      });
      assert.equal(look.bigPlayBackground, 'rgb(0, 128, 255)');
      assert.equal(look.bigPlayPosition, 'absolute', 'video-js.css applies inside the shadow root');
      assert.equal(look.barBackground, 'rgb(1, 2, 3)');
      assert.equal(look.svgIcons, true);
      assert.equal(look.iconTarget, '#vjs-icon-play');
      assert.equal(look.iconSpriteInShadow, true);
    });
  });
});

describe('<spk-player> error states', () => {
  const cases: { name: string; attributes: () => Record<string, string>; code: string; title: string; retry: boolean }[] = [
    { name: 'no source at all', attributes: () => ({}), code: 'no-source', title: 'No video given', retry: false },
    { name: 'a src that is not http(s)', attributes: () => ({ src: 'javascript:alert(1)' }), code: 'invalid-src', title: 'Invalid video URL', retry: false },
    { name: 'an invalid cid', attributes: () => ({ cid: 'not-a-cid' }), code: 'invalid-cid', title: 'Invalid video CID', retry: false },
    { name: 'an invalid v', attributes: () => ({ v: 'alice' }), code: 'invalid-v', title: 'Invalid video reference', retry: false },
    { name: 'an invalid aspect-ratio', attributes: () => ({ src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, 'aspect-ratio': 'wide' }), code: 'invalid-attribute', title: 'Invalid player setting', retry: false },
    { name: 'a poster that is not http(s)', attributes: () => ({ src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, poster: 'javascript:alert(1)' }), code: 'invalid-attribute', title: 'Invalid player setting', retry: false },
    { name: 'a signal URL that is not ws(s)', attributes: () => ({ cid: SAMPLE_CID, signal: 'https://example.invalid/' }), code: 'invalid-attribute', title: 'Invalid player setting', retry: false },
    { name: 'a post that does not exist', attributes: () => ({ v: 'alice/missing-post', 'hive-api': hive.url }), code: 'post-not-found', title: 'Video post not found', retry: false },
    { name: 'a post that is not a video', attributes: () => ({ v: 'bob/just-text', 'hive-api': hive.url }), code: 'not-a-video', title: 'This post is not a video', retry: false },
  ];
  for (const { name, attributes, code, title, retry } of cases) {
    test(`shows a readable error for ${name}`, async () => {
      await withPage(async (page) => {
        const player = await addPlayer(page, { p2p: 'off', ...attributes() });
        await waitForState(page, player, 'error');
        const shown = await errorText(page, player);
        assert.equal(shown?.title, title);
        assert.ok((shown?.detail.length ?? 0) > 10, `detail "${shown?.detail}"`);
        assert.equal(shown?.retry, retry);
        assert.equal(shown?.role, 'alert');
        const error = (await events(page)).find((event) => event.type === 'error')?.detail as { code: string };
        assert.equal(error.code, code);
        assert.equal(await page.$eval(player, (el) => (el as unknown as { error: { code: string } }).error.code), code);
      });
    });
  }

  test('attribute values are shown as text, never parsed as HTML', async () => {
    await withPage(async (page) => {
      const hostile = '<img src=x onerror="window.pwned=1">/x';
      const player = await addPlayer(page, { v: hostile });
      await waitForState(page, player, 'error');
      const shown = await errorText(page, player);
      assert.ok(shown?.detail.includes(hostile), 'the raw value appears as text');
      const injected = await page.$eval(player, (el) => el.shadowRoot?.querySelector('.error img') !== null || (window as unknown as { pwned?: number }).pwned === 1);
      assert.equal(injected, false);
    });
  });

  test('a Hive API failure shows a retry that recovers once the node answers again', async () => {
    await withPage(async (page) => {
      hive.failWithStatus = 502;
      const player = await addPlayer(page, { v: 'alice/abcdefgh', 'hive-api': hive.url, gateway: fixture.cdn.url, p2p: 'off' });
      await waitForState(page, player, 'error');
      const shown = await errorText(page, player);
      assert.equal(shown?.title, 'Could not reach the Hive API');
      assert.ok(shown?.detail.includes('HTTP 502'), shown?.detail);
      assert.equal(shown?.retry, true);
      hive.failWithStatus = undefined;
      await page.$eval(player, (el) => (el.shadowRoot?.querySelector('[part="retry"]') as HTMLButtonElement).click());
      await waitForState(page, player, 'ready');
      assert.equal(await errorText(page, player), null);
    });
    hive.failWithStatus = undefined;
  });

  test('media that cannot be decoded shows media-error instead of hanging', async () => {
    // A gateway serving a real playlist whose segments are not MPEG-TS.
    const cid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
    const root = mkdtempSync(join(tmpdir(), 'spk-broken-media-'));
    const dir = join(root, 'ipfs', cid);
    mkdirSync(join(dir, '480p'), { recursive: true });
    writeFileSync(join(dir, 'manifest.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=514800,RESOLUTION=854x480,CODECS="avc1.4d401e,mp4a.40.2"\n480p/index.m3u8\n');
    cpSync(join(SAMPLE_DIR, '480p', 'index.m3u8'), join(dir, '480p', 'index.m3u8'));
    for (let i = 0; i < SAMPLE_SEGMENTS_PER_RENDITION; i++) writeFileSync(join(dir, '480p', `480p_${i}.ts`), Buffer.alloc(188 * 500, 0x47 + i));
    const broken = await startCdn({ root });
    try {
      await withPage(async (page) => {
        const player = await addPlayer(page, { cid, gateway: broken.url, p2p: 'off', muted: '', autoplay: 'muted' });
        await waitForState(page, player, 'error', 20_000);
        const shown = await errorText(page, player);
        assert.equal(shown?.title, 'The video could not be played');
        assert.equal(shown?.retry, true);
        const error = (await events(page)).find((event) => event.type === 'error')?.detail as { code: string } | undefined;
        assert.equal(error?.code, 'media-error');
      });
    } finally {
      await broken.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('every gateway down shows a retry that recovers once a gateway is back', async () => {
    const port = await freePort();
    let revived: Awaited<ReturnType<typeof startCdn>> | undefined;
    try {
      await withPage(async (page) => {
        const player = await addPlayer(page, { cid: SAMPLE_CID, gateway: `http://127.0.0.1:${port}`, p2p: 'off', muted: '' });
        await waitForState(page, player, 'error');
        const shown = await errorText(page, player);
        assert.equal(shown?.title, 'Could not load the video');
        assert.equal(shown?.retry, true);
        const error = (await events(page)).find((event) => event.type === 'error')?.detail as { code: string } | undefined;
        assert.equal(error?.code, 'gateway-unavailable');
        revived = await startCdn({ port });
        await page.$eval(player, (el) => (el.shadowRoot?.querySelector('[part="retry"]') as HTMLButtonElement).click());
        await waitForState(page, player, 'ready');
        await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
        await waitForTime(page, player, 0.3);
      });
    } finally {
      await revived?.close();
    }
  });
});
