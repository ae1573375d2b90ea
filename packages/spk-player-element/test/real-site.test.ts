/**
 * `<spk-player>` on a page written like a real site: relative and protocol-relative `src`,
 * properties set by an inline script before the element's module loads (module script at
 * the end of <body>), several players on one page, and a real spk-signal server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SAMPLE_CID, SAMPLE_DIR } from '../../../demo/media/sample.js';
import { createSignalServer, type SignalServer } from '../../signal-server/src/index.js';
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

test('players configured before the module loads, with relative src URLs, join the room their /ipfs/<cid>/ src names', async () => {
  const page = await fixture.browser.newPage({ viewport: { width: 640, height: 1200 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const query = new URLSearchParams({ cid: SAMPLE_CID, signal: signalUrl });
    await page.goto(`${fixture.cdn.url}/pages/site/index.html?${query}`);
    for (const id of ['#relative', '#protocol-relative']) await waitForState(page, id, 'ready');

    const kept = await page.$$eval('spk-player', (players) =>
      players.map((el) => {
        const player = el as unknown as { p2pOptions: { stunServers?: unknown }; volume: number; signal: string | null };
        return { id: el.id, stun: player.p2pOptions.stunServers, volume: player.volume, signal: player.signal };
      }),
    );
    for (const entry of kept) {
      assert.deepEqual(entry.stun, [], `${entry.id}: p2pOptions set before the upgrade is kept`);
      assert.equal(entry.volume, 0.5, `${entry.id}: volume set before the upgrade is kept`);
      assert.equal(entry.signal, signalUrl, `${entry.id}: signal set before the upgrade is kept`);
    }

    await page.$$eval('#relative, #protocol-relative', (players) =>
      Promise.all(players.map((el) => (el as unknown as { play(): Promise<void> }).play())),
    );
    // Both players' trackers announce into the room named by the CID in their src.
    const deadline = Date.now() + 30_000;
    let peers = 0;
    while (Date.now() < deadline) {
      const response = await fetch(`${signalHttp}/api/p2p/rooms/${SAMPLE_CID}`);
      if (response.ok) peers = ((await response.json()) as { peers?: number }).peers ?? 0;
      if (peers >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(peers, 2, `both players are in room ${SAMPLE_CID} (rooms API says ${peers})`);
    const sources = await page.$$eval('#relative, #protocol-relative', (players) =>
      players.map((el) => (el as unknown as { videojsPlayer: { currentSrc(): string } }).videojsPlayer.currentSrc()),
    );
    for (const src of sources) assert.equal(src, `${fixture.cdn.url}/ipfs/${SAMPLE_CID}/manifest.m3u8`, 'src resolved against the page URL');

    const noCid = await page.evaluate(() => {
      const events = (window as unknown as { siteEvents: SiteEvent[] }).siteEvents.filter((event) => event.id === 'no-cid');
      const warnings = (window as unknown as { siteWarnings: string[] }).siteWarnings.filter((text) => text.includes('P2P'));
      const unavailable = (document.getElementById('no-cid') as unknown as { p2pUnavailable: { reason: string } | null }).p2pUnavailable;
      return { events, warnings, unavailable };
    });
    const told = noCid.events.filter((event) => event.type === 'spk-p2p-unavailable');
    assert.equal(told.length, 1, 'one spk-p2p-unavailable event for the CDN-path player');
    assert.equal(told[0]?.detail?.reason, 'no-video-cid');
    assert.equal(noCid.unavailable?.reason, 'no-video-cid');
    assert.equal(noCid.warnings.length, 1, `one console warning about P2P: ${JSON.stringify(noCid.warnings)}`);
    assert.match(noCid.warnings[0] ?? '', /cid or v/);
    // P2P off is not a playback failure: the CID-less player still plays from its source.
    await waitForState(page, '#no-cid', 'ready');
    assert.deepEqual(errors, [], 'nothing thrown into the page');
  } finally {
    await page.close();
  }
});
