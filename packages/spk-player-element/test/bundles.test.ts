/**
 * The distributed bundles in Chromium: the classic-script IIFE, the ES entry loading Video.js
 * only when needed, the snippet generator element, and re-attaching an element.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SAMPLE_CID, SAMPLE_MANIFEST_PATH } from '../../../demo/media/sample.js';
import { addPlayer, openPage, pageErrors, startFixture, waitForState, waitForTime, type Fixture } from './support.js';

let fixture: Fixture;

before(async () => {
  fixture = await startFixture();
});

after(async () => {
  await fixture?.close();
});

test('the IIFE build plays from a plain <script> page', async () => {
  const page = await openPage(fixture, '/pages/iife.html');
  try {
    const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off', muted: '' });
    await waitForState(page, player, 'ready');
    await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
    await waitForTime(page, player, 0.5);
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname).filter((path) => path.endsWith('.js')));
    assert.deepEqual(scripts, ['/pkg/spk-player.iife.js'], 'everything comes from the one file');
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await page.close();
  }
});

test('the ES entry alone is loaded until a lazy player nears the viewport; then Video.js follows from chunks beside it', async () => {
  const page = await openPage(fixture);
  try {
    const player = await addPlayer(page, { cid: SAMPLE_CID, gateway: fixture.cdn.url, loading: 'lazy', p2p: 'off' }, { before: 'spacer' });
    // Our own observer's first callback comes in the same rendering step as the element's.
    await page.$eval(player, (el) => new Promise<void>((resolve) => {
      const observer = new IntersectionObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(el);
    }));
    const before = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname));
    assert.deepEqual(before.filter((path) => path.startsWith('/pkg/')), ['/pkg/spk-player.js']);
    assert.equal(await page.$eval(player, (el) => el.getAttribute('state')), 'idle');

    await page.$eval(player, (el) => el.scrollIntoView());
    await waitForState(page, player, 'ready');
    const afterScroll = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname));
    assert.ok(afterScroll.some((path) => /^\/pkg\/chunks\/video\.es-.*\.js$/.test(path)), afterScroll.join(' '));
    assert.ok(!afterScroll.some((path) => path.includes('p2p-media-loader-core')), 'the P2P core is not loaded with P2P off');
  } finally {
    await page.close();
  }
});

test('a chunk that fails to load shows player-load-failed, and Retry fetches it again', async () => {
  const page = await openPage(fixture);
  try {
    // The network drops the Video.js chunk (e.g. a flaky CDN edge) until we let it through.
    await page.route('**/pkg/chunks/player-runtime-*.js', (route) => route.abort('connectionreset'));
    const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off', muted: '' });
    await waitForState(page, player, 'error');
    const shown = await page.$eval(player, (el) => ({
      code: (el as unknown as { error: { code: string } }).error.code,
      title: el.shadowRoot?.querySelector('[part="error-title"]')?.textContent,
      retry: el.shadowRoot?.querySelector('[part="retry"]') !== null,
    }));
    assert.deepEqual(shown, { code: 'player-load-failed', title: 'The player could not be loaded', retry: true });
    await page.unroute('**/pkg/chunks/player-runtime-*.js');
    await page.$eval(player, (el) => (el.shadowRoot?.querySelector('[part="retry"]') as HTMLButtonElement).click());
    await waitForState(page, player, 'ready');
  } finally {
    await page.close();
  }
});

test('a player removed from the page releases Video.js, and starts again when re-attached', async () => {
  const page = await openPage(fixture);
  try {
    const player = await addPlayer(page, { src: fixture.cdn.url + SAMPLE_MANIFEST_PATH, p2p: 'off', muted: '' });
    await waitForState(page, player, 'ready');
    const detached = await page.$eval(player, (el) => {
      (window as unknown as { kept: Element }).kept = el;
      el.remove();
      return { state: (el as unknown as { state: string }).state, player: (el as unknown as { videojsPlayer?: unknown }).videojsPlayer === undefined, stage: el.shadowRoot?.querySelector('.video-js') === null };
    });
    assert.deepEqual(detached, { state: 'idle', player: true, stage: true });
    await page.evaluate(() => document.body.append((window as unknown as { kept: Element }).kept));
    await waitForState(page, player, 'ready');
    await page.$eval(player, (el) => (el as unknown as { play(): Promise<void> }).play());
    await waitForTime(page, player, 0.3);
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await page.close();
  }
});

test('<spk-embed-snippet> shows the tag, iframe and oEmbed URL, and a readable error for bad input', async () => {
  const page = await openPage(fixture);
  try {
    const result = await page.evaluate(async (cid) => {
      const good = document.createElement('spk-embed-snippet') as HTMLElement & { updateComplete: Promise<boolean> };
      good.setAttribute('cid', cid);
      good.setAttribute('script-src', '/pkg/spk-player.js');
      good.setAttribute('embed-src', '/pkg/embed.html');
      good.setAttribute('oembed-src', 'http://127.0.0.1:9/oembed');
      const bad = document.createElement('spk-embed-snippet') as HTMLElement & { updateComplete: Promise<boolean> };
      bad.setAttribute('v', '<img src=x onerror=alert(1)>');
      document.body.append(good, bad);
      await Promise.all([good.updateComplete, bad.updateComplete]);
      const values = [...(good.shadowRoot?.querySelectorAll('textarea') ?? [])].map((area) => area.value);
      return {
        values,
        error: bad.shadowRoot?.querySelector('[part="error"]')?.textContent ?? '',
        injected: bad.shadowRoot?.querySelector('img') !== null,
      };
    }, SAMPLE_CID);
    const origin = fixture.cdn.url;
    assert.equal(result.values[0], `<script type="module" src="${origin}/pkg/spk-player.js"></script>\n<spk-player cid="${SAMPLE_CID}" loading="lazy"></spk-player>`);
    assert.ok(result.values[1]?.startsWith(`<iframe src="${origin}/pkg/embed.html?cid=${SAMPLE_CID}"`));
    assert.equal(result.values[2], `${origin}/pkg/embed.html?cid=${SAMPLE_CID}`);
    assert.equal(result.values[3], `http://127.0.0.1:9/oembed?url=${encodeURIComponent(`${origin}/pkg/embed.html?cid=${SAMPLE_CID}`)}&format=json`);
    assert.match(result.error, /Cannot build embed snippets/);
    assert.equal(result.injected, false);
  } finally {
    await page.close();
  }
});
