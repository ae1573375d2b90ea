/**
 * The signal server is a separate process that can be down when a viewer arrives, or die and
 * come back while people watch: P2P must start or resume without a reload, and playback must
 * never stall for it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import { startSignalProcess, type SignalProcess } from '../../../demo/test-support/signal-process.js';
import { freePort } from '../../signal-server/test/cluster-support.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { startTestCdn, waitFor } from './support.js';
import { openSitePlayer, type SitePage } from './site-support.js';

describe('videojs-spk-p2p: signal server outages', () => {
  let browser: Browser;
  let cdn: CdnServer;
  const running: SignalProcess[] = [];
  before(async () => {
    [browser, cdn] = await Promise.all([launchChromium(), startTestCdn()]);
  });
  after(async () => {
    await Promise.all(running.map((server) => server.kill()));
    await browser?.close();
    await cdn?.close();
  });

  it('down when the viewer arrives, then up: P2P starts without a reload', async () => {
    const port = await freePort();
    const trackerUrl = `ws://127.0.0.1:${port}/api/p2p/signal`;
    const pages: SitePage[] = [];
    try {
      const early = await openSitePlayer(browser, cdn.url, { src: `/client/early/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: trackerUrl });
      pages.push(early);
      await waitFor(async () => (await early.state()).playing, 20_000, 'the early viewer playing from the CDN');
      const server = await startSignalProcess({ port });
      running.push(server);
      await waitFor(async () => (await early.events('swarmrejoin')).length > 0, 30_000, 'the early viewer to rejoin once the server answers');
      const late = await openSitePlayer(browser, cdn.url, { src: `/client/late/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: trackerUrl, rate: 2 });
      pages.push(late);
      await waitFor(async () => (await early.events('peerconnect')).length > 0 && (await late.events('peerconnect')).length > 0, 30_000, 'the two viewers to connect');
      await waitFor(async () => ((await late.state()).stats?.p2pBytes ?? 0) > 0, 30_000, 'segments between them');
      for (const page of pages) {
        const state = await page.state();
        assert.deepEqual(state.errors, []);
        assert.deepEqual(state.stalls, [], 'no stall');
      }
    } finally {
      await Promise.all(pages.map((page) => page.close()));
    }
  });

  it('killed mid-playback and restarted: connected peers keep sharing, and a new viewer finds them', async () => {
    const first = await startSignalProcess();
    running.push(first);
    const port = first.port;
    const trackerUrl = first.signalUrl;
    const pages: SitePage[] = [];
    try {
      const seeder = await openSitePlayer(browser, cdn.url, { src: `/client/seeder/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: trackerUrl, rate: 4 });
      pages.push(seeder);
      await waitFor(async () => (await seeder.state()).ended, 60_000, 'the seeder to have the whole video');
      const watcher = await openSitePlayer(browser, cdn.url, { src: `/client/watcher/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: trackerUrl });
      pages.push(watcher);
      await waitFor(async () => ((await watcher.state()).stats?.p2pBytes ?? 0) > 0, 30_000, 'the watcher fed by the seeder');
      await first.kill();
      const p2pAtKill = (await watcher.state()).stats?.p2pBytes ?? 0;
      await waitFor(async () => ((await watcher.state()).stats?.p2pBytes ?? 0) > p2pAtKill, 30_000, 'more peer bytes with the server dead');
      const second = await startSignalProcess({ port });
      running.push(second);
      await waitFor(async () => (await seeder.events('swarmrejoin')).length > 0, 30_000, 'the seeder to rejoin the restarted server');
      const newcomer = await openSitePlayer(browser, cdn.url, { src: `/client/newcomer/ipfs/${SAMPLE_CID}/manifest.m3u8`, cid: SAMPLE_CID, tracker: trackerUrl, rate: 2 });
      pages.push(newcomer);
      await waitFor(async () => ((await newcomer.state()).stats?.p2pBytes ?? 0) > 0, 30_000, 'the newcomer fed by a peer it found after the restart');
      for (const page of [watcher, newcomer]) {
        const state = await page.state();
        assert.deepEqual(state.errors, []);
        assert.deepEqual(state.stalls, [], 'no stall');
      }
    } finally {
      await Promise.all(pages.map((page) => page.close()));
    }
  });
});
