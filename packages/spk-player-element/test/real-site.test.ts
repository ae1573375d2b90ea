/**
 * `<spk-player>` on a page written like a real site: relative and protocol-relative `src`,
 * properties set by an inline script before the element's module loads (module script at
 * the end of <body>), several players on one page, and a real spk-signal server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SAMPLE_CID, SAMPLE_DIR } from '../../../demo/media/sample.js';
import { createSignalServer, type SignalServer } from '../../signal-server/src/index.js';
import type { Page } from 'playwright-core';
import { waitFor } from '../../../demo/test-support/wait-for.js';
import { startFixture, waitForState, type Fixture } from './support.js';

let fixture: Fixture;
let signal: SignalServer;
let signalUrl: string;
let signalHttp: string;

before(async () => {
  signal = createSignalServer({ logLevel: 'silent' });
  [fixture, { signalUrl, url: signalHttp }] = await Promise.all([
    startFixture({ latencyMs: 20, staticDirs: { '/media': SAMPLE_DIR } }),
    signal.listen(0, '127.0.0.1'),
  ]);
});

after(async () => {
  await signal?.close();
  await fixture?.close();
});

interface SiteEvent {
  id: string;
  type: string;
  detail: { reason?: string } | null;
}

async function openSite(): Promise<{ page: Page; errors: string[] }> {
  const page = await fixture.browser.newPage({ viewport: { width: 640, height: 1200 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const query = new URLSearchParams({ cid: SAMPLE_CID, signal: signalUrl });
  await page.goto(`${fixture.cdn.url}/pages/site/index.html?${query}`);
  for (const id of ['#relative', '#protocol-relative', '#no-cid']) await waitForState(page, id, 'ready');
  return { page, errors };
}

test('properties set by an inline script before the module loads are kept', async () => {
  const { page, errors } = await openSite();
  try {
    const kept = await page.$$eval('spk-player', (players) =>
      players.map((el) => {
        const player = el as unknown as { p2pOptions: { stunServers?: unknown }; volume: number; signal: string | null; loading: string | null };
        return { id: el.id, stun: player.p2pOptions.stunServers, volume: player.volume, signal: player.signal, loading: player.loading };
      }),
    );
    for (const entry of kept) {
      assert.deepEqual(entry.stun, [], `${entry.id}: p2pOptions set before the upgrade is kept`);
      assert.equal(entry.volume, 0.5, `${entry.id}: volume set before the upgrade is kept`);
      assert.equal(entry.signal, signalUrl, `${entry.id}: signal set before the upgrade is kept`);
    }
    // loading="lazy" given as a property before the upgrade: the element far below the fold waits.
    assert.equal(kept.find((entry) => entry.id === 'lazy')?.loading, 'lazy');
    assert.equal(await page.$eval('#lazy', (el) => el.getAttribute('state')), 'idle', 'the lazy player off screen has not loaded');
    await page.$eval('#lazy', (el) => el.scrollIntoView());
    await waitForState(page, '#lazy', 'ready');
    assert.deepEqual(errors, [], 'nothing thrown into the page');
  } finally {
    await page.close();
  }
});

test('two players with relative and protocol-relative /ipfs/<cid>/ src join the room of that CID', async () => {
  const { page, errors } = await openSite();
  try {
    await page.$$eval('#relative, #protocol-relative', (players) =>
      Promise.all(players.map((el) => (el as unknown as { play(): Promise<void> }).play())),
    );
    const sources = await page.$$eval('#relative, #protocol-relative', (players) =>
      players.map((el) => (el as unknown as { videojsPlayer: { currentSrc(): string } }).videojsPlayer.currentSrc()),
    );
    for (const src of sources) assert.equal(src, `${fixture.cdn.url}/ipfs/${SAMPLE_CID}/manifest.m3u8`, 'src resolved against the page URL');
    // The rooms API has no push: poll it, bounded.
    try {
      await waitFor(async () => {
        const response = await fetch(`${signalHttp}/api/p2p/rooms/${SAMPLE_CID}`);
        const room = response.ok ? ((await response.json()) as { peers?: number }) : undefined;
        // Thrown, not returned: a timeout then says what the room last held.
        if (room?.peers !== 2) throw new Error(`the rooms API answered ${response.status} ${JSON.stringify(room)}`);
        return true;
      }, 30_000, `both players in room ${SAMPLE_CID} of the rooms API`);
    } catch (error) {
      const players = await page.$$eval('#relative, #protocol-relative', (elements) =>
        elements.map((el) => ({ id: el.id, state: el.getAttribute('state'), stats: (el as unknown as { stats(): unknown }).stats() })),
      );
      throw new Error(`${error instanceof Error ? error.message : String(error)}; players: ${JSON.stringify(players)}`);
    }
    assert.deepEqual(errors, [], 'nothing thrown into the page');
  } finally {
    await page.close();
  }
});

test('a src that names no CID plays without P2P and says why: one warning, one spk-p2p-unavailable', async () => {
  const { page, errors } = await openSite();
  try {
    const noCid = await page.evaluate(() => {
      const events = (window as unknown as { siteEvents: SiteEvent[] }).siteEvents.filter((event) => event.id === 'no-cid');
      const warnings = (window as unknown as { siteWarnings: string[] }).siteWarnings.filter((text) => text.includes('P2P'));
      const element = document.getElementById('no-cid') as unknown as { p2pUnavailable: { reason: string } | null; stats(): unknown };
      return { events, warnings, unavailable: element.p2pUnavailable, stats: element.stats() };
    });
    const told = noCid.events.filter((event) => event.type === 'spk-p2p-unavailable');
    assert.equal(told.length, 1, 'one spk-p2p-unavailable event for the CDN-path player');
    assert.equal(told[0]?.detail?.reason, 'no-video-cid');
    assert.equal(noCid.unavailable?.reason, 'no-video-cid');
    assert.equal(noCid.stats, null, 'no plugin that would never join a room');
    assert.equal(noCid.warnings.length, 1, `one console warning about P2P: ${JSON.stringify(noCid.warnings)}`);
    assert.match(noCid.warnings[0] ?? '', /cid or v/);
    // P2P off is not a playback failure: the CID-less player plays from its source.
    await page.$eval('#no-cid', (el) => (el as unknown as { play(): Promise<void> }).play());
    await page.waitForFunction(() => ((document.getElementById('no-cid') as unknown as { currentTime: number }).currentTime ?? 0) > 1, undefined, { timeout: 30_000 });
    assert.deepEqual(errors, [], 'nothing thrown into the page');
  } finally {
    await page.close();
  }
});
