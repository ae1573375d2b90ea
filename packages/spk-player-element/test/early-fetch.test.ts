/**
 * The early fetch (playlists and first segment fetched while Video.js loads, then handed to VHS)
 * never fetches a URL twice: the master playlist, the chosen media playlist and the first
 * segment come from the early fetch (fetch()) and VHS's own requests (XHR) fetch only what
 * follows. Not timed: the start-up gain is measured by `npm run bench:startup`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { SAMPLE_CID, SAMPLE_MANIFEST_PATH } from '../../../demo/media/sample.js';
import { createSignalServer, type SignalServer } from '../../signal-server/src/index.js';
import { waitFor } from '../../../demo/test-support/wait-for.js';
import { addPlayer, openPage, pageErrors, startFixture, waitForTime, type Fixture } from './support.js';

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

/** Media requests the page makes, by how they were made (`fetch`: the early fetch; `xhr`: VHS). */
function recordMedia(page: Page): { url: string; type: string; range: string | undefined }[] {
  const media: { url: string; type: string; range: string | undefined }[] = [];
  page.on('request', (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (/\.(m3u8|ts)$/.test(path)) media.push({ url: request.url(), type: request.resourceType(), range: request.headers()['range'] });
  });
  return media;
}

function duplicatesOf(media: { url: string; range: string | undefined }[]): string[] {
  const keys = media.map((request) => `${request.url} ${request.range ?? ''}`);
  return keys.filter((key, i) => keys.indexOf(key) !== i);
}

test('the early fetch hands master, media playlist and first segment to VHS, and nothing is fetched twice', async () => {
  const page = await openPage(fixture);
  try {
    const media = recordMedia(page);
    const master = `${fixture.cdn.clientUrl('early')}${SAMPLE_MANIFEST_PATH}`;
    const player = await addPlayer(page, { src: master, p2p: 'off', autoplay: 'muted', loading: 'eager' });
    // Past the first segment (6 s): VHS has fetched further segments itself by then.
    await waitForTime(page, player, 7, 60_000);
    assert.deepEqual(duplicatesOf(media), [], 'no URL was requested twice');
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

test('with P2P on and the persistent cache open, the early-fetched first segment is the one played: no second fetch of it', async () => {
  const page = await openPage(fixture);
  try {
    const media = recordMedia(page);
    // A CID video: the plugin joins its swarm and opens the persistent cache, whose stand-in
    // for the segments VHS fetches itself once took the first segment from the CDN again.
    const player = await addPlayer(
      page,
      { cid: SAMPLE_CID, gateway: fixture.cdn.clientUrl('early-p2p'), signal: signalUrl, autoplay: 'muted', loading: 'eager' },
      { p2pOptions: { stunServers: [] } },
    );
    await waitForTime(page, player, 7, 60_000);
    assert.deepEqual(duplicatesOf(media), [], 'no URL was requested twice');
    const firstSegment = media.find((request) => request.url.endsWith('_0.ts'));
    assert.equal(firstSegment?.type, 'fetch', 'the first segment came from the early fetch');
    interface Stats { mode: string; segments: { cdn: number }; verification: { source: string; httpChecked: number } }
    // The early-fetched first segment still starts the engine: it joins the room of the CID and
    // its verifier checks what came over HTTP (the early fetch once started neither).
    await page.waitForFunction(
      (selector) => (document.querySelector(selector) as unknown as { stats(): Stats | null }).stats()?.verification.source === 'cid',
      player,
      { timeout: 30_000 },
    );
    const stats = (await page.$eval(player, (el) => (el as unknown as { stats(): Stats | null }).stats())) as Stats | null;
    assert.equal(stats?.mode, 'p2p', 'the plugin ran with P2P on');
    assert.ok((stats?.segments.cdn ?? 0) >= 1, 'the early-fetched segment was counted as a CDN segment');
    assert.ok((stats?.verification.httpChecked ?? 0) >= 1, 'segments from the gateway were checked against the CID');
    await waitFor(() => signal.room(SAMPLE_CID).peers === 1, 20_000, 'the player to join the room of its CID');
    assert.deepEqual(pageErrors(page), []);
  } finally {
    await page.close();
  }
});
