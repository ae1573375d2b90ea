/**
 * The early fetch (playlists and first segment fetched while Video.js loads, then handed to VHS)
 * never fetches a URL twice: the master playlist, the chosen media playlist and the first
 * segment come from the early fetch (fetch()) and VHS's own requests (XHR) fetch only what
 * follows. Not timed: the start-up gain is measured by `npm run bench:startup`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Request } from 'playwright-core';
import { SAMPLE_MANIFEST_PATH } from '../../../demo/media/sample.js';
import { addPlayer, openPage, pageErrors, startFixture, waitForTime, type Fixture } from './support.js';

let fixture: Fixture;

before(async () => {
  fixture = await startFixture({ latencyMs: 20 });
});

after(async () => {
  await fixture?.close();
});

test('the early fetch hands master, media playlist and first segment to VHS, and nothing is fetched twice', async () => {
  const page = await openPage(fixture);
  try {
    const media: { url: string; type: string; range: string | undefined }[] = [];
    const onRequest = (request: Request) => {
      const path = new URL(request.url()).pathname;
      if (/\.(m3u8|ts)$/.test(path)) media.push({ url: request.url(), type: request.resourceType(), range: request.headers()['range'] });
    };
    page.on('request', onRequest);
    const master = `${fixture.cdn.clientUrl('early')}${SAMPLE_MANIFEST_PATH}`;
    const player = await addPlayer(page, { src: master, p2p: 'off', autoplay: 'muted', loading: 'eager' });
    // Past the first segment (6 s): VHS has fetched further segments itself by then.
    await waitForTime(page, player, 7, 60_000);
    page.off('request', onRequest);

    const keys = media.map((request) => `${request.url} ${request.range ?? ''}`);
    assert.deepEqual(keys.filter((key, i) => keys.indexOf(key) !== i), [], 'no URL was requested twice');
    const early = media.filter((request) => request.type === 'fetch').map((request) => new URL(request.url).pathname.split('/').slice(-2).join('/'));
    assert.equal(early.length, 3, `early requests: ${early.join(', ')}`);
    assert.ok(early[0]?.endsWith('manifest.m3u8'), 'the master playlist came first');
    const [rendition] = (early[1] ?? '').split('/');
    assert.equal(early[1], `${rendition}/index.m3u8`, 'then a media playlist');
    assert.equal(early[2], `${rendition}/${rendition}_0.ts`, "then that rendition's first segment");
    const vhsOwn = media.filter((request) => request.type === 'xhr');
    assert.ok(vhsOwn.length > 0, 'VHS fetched the following segments itself');
    assert.ok(!vhsOwn.some((request) => request.url.endsWith('manifest.m3u8')), 'VHS did not fetch the master playlist again');
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await page.close();
  }
});
