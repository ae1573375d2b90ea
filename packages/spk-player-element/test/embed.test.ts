/**
 * The iframe embed page in real Chromium: a parent page on another origin frames it and
 * receives 3Speak's ready message; the player fills the frame; errors are posted too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { startHiveFixture, threeSpeakMetadata, type HiveFixture } from './hive-fixture.js';
import { startFixture, type Fixture } from './support.js';

let fixture: Fixture;
let hive: HiveFixture;

before(async () => {
  fixture = await startFixture();
  hive = await startHiveFixture([
    { author: 'alice', permlink: 'abcdefgh', title: 'Post', json_metadata: threeSpeakMetadata(SAMPLE_CID, 'Colour bars', `ipfs://${SAMPLE_CID}/thumbnail.jpg`) },
  ]);
});

after(async () => {
  await hive?.close();
  await fixture?.close();
});

/** Opens a parent page on `localhost` (a different origin from the 127.0.0.1 embed) framing `query`. */
async function frame(query: string): Promise<Page> {
  const page = await fixture.browser.newPage({ viewport: { width: 800, height: 600 } });
  await page.goto(`${fixture.cdn.url.replace('127.0.0.1', 'localhost')}/pages/blank.html`);
  await page.evaluate((src) => {
    const messages: unknown[] = [];
    (window as unknown as { messages: unknown[] }).messages = messages;
    window.addEventListener('message', (event) => messages.push({ origin: event.origin, data: event.data }));
    const iframe = document.createElement('iframe');
    iframe.src = src;
    iframe.width = '480';
    iframe.height = '270';
    iframe.allow = 'autoplay; fullscreen';
    document.body.append(iframe);
  }, `${fixture.cdn.url}/pkg/embed.html${query}`);
  return page;
}

async function firstMessage(page: Page, type: string): Promise<{ origin: string; data: Record<string, unknown> }> {
  const handle = await page.waitForFunction(
    (type) => (window as unknown as { messages: { data: { type?: string } }[] }).messages.find((message) => message.data?.type === type),
    type,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as { origin: string; data: Record<string, unknown> };
}

describe('embed.html', () => {
  test('?cid= plays in the frame, fills it, honours autoplay/mode/noscroll and posts 3speak-player-ready', async () => {
    const page = await frame(`?cid=${SAMPLE_CID}&gateway=${encodeURIComponent(fixture.cdn.url)}&p2p=0&autoplay=1&mode=iframe&noscroll=1`);
    try {
      const message = await firstMessage(page, '3speak-player-ready');
      assert.equal(message.origin, fixture.cdn.url);
      // VHS picks the rendition for the frame's size, so only the shape is fixed.
      const { width, height, aspectRatio, ...rest } = message.data as { width: number; height: number; aspectRatio: number };
      assert.deepEqual(rest, { type: '3speak-player-ready', isVertical: false, orientation: 'landscape', cid: SAMPLE_CID });
      assert.ok(width >= 426 && height >= 240, `${width}x${height}`);
      assert.ok(Math.abs(aspectRatio - 16 / 9) < 0.01, String(aspectRatio));
      const embed = page.frames().find((candidate) => candidate.url().includes('/pkg/embed.html'));
      assert.ok(embed, 'the embed frame exists');
      await embed.waitForFunction(() => ((document.querySelector('spk-player') as unknown as { currentTime: number }).currentTime ?? 0) > 0.3, undefined, { timeout: 30_000 });
      const layout = await embed.evaluate(() => {
        const player = document.querySelector('spk-player') as HTMLElement & { autoplay: unknown; title: string };
        const box = player.getBoundingClientRect();
        const link = document.querySelector('link[type="application/json+oembed"]') as HTMLLinkElement;
        return {
          box: [box.width, box.height],
          viewport: [innerWidth, innerHeight],
          noscroll: document.documentElement.classList.contains('noscroll'),
          overflow: getComputedStyle(document.body).overflow,
          mode: player.dataset.mode,
          autoplay: player.autoplay,
          discovery: link.href,
        };
      });
      assert.deepEqual(layout.box, layout.viewport);
      assert.deepEqual(layout.viewport, [480, 270]);
      assert.equal(layout.noscroll, true);
      assert.equal(layout.overflow, 'hidden');
      assert.equal(layout.mode, 'iframe');
      assert.equal(layout.autoplay, true);
      const discovery = new URL(layout.discovery);
      assert.equal(discovery.pathname, '/oembed');
      assert.equal(discovery.searchParams.get('format'), 'json');
      assert.ok(discovery.searchParams.get('url')?.startsWith(`${fixture.cdn.url}/pkg/embed.html?cid=${SAMPLE_CID}`));
    } finally {
      await page.close();
    }
  });

  test('?v=owner/permlink resolves through Hive and posts the ready message with v', async () => {
    const page = await frame(`?v=alice/abcdefgh&hive_api=${encodeURIComponent(hive.url)}&gateway=${encodeURIComponent(fixture.cdn.url)}&p2p=0&layout=mobile`);
    try {
      const message = await firstMessage(page, '3speak-player-ready');
      assert.equal(message.data.v, 'alice/abcdefgh');
      assert.equal(message.data.orientation, 'landscape');
      const embed = page.frames().find((candidate) => candidate.url().includes('/pkg/embed.html'));
      assert.equal(await embed?.evaluate(() => document.title), 'Colour bars', 'the page title is the video title');
    } finally {
      await page.close();
    }
  });

  test('a bad parameter shows the error in the frame and posts spk-player-error', async () => {
    const page = await frame('?v=%3Cb%3Enot-a-post');
    try {
      const message = await firstMessage(page, 'spk-player-error');
      assert.equal((message.data.error as { code: string }).code, 'invalid-v');
      const embed = page.frames().find((candidate) => candidate.url().includes('/pkg/embed.html'));
      const text = await embed?.evaluate(() => document.querySelector('spk-player')?.shadowRoot?.querySelector('[part="error"]')?.textContent ?? '');
      assert.ok(text?.includes('Invalid video reference'), text);
      assert.ok(text?.includes('<b>not-a-post'), 'the value is shown as text');
    } finally {
      await page.close();
    }
  });
});
