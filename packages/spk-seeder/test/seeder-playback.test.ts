import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { cidOnlyMediaRoot } from '../../videojs-spk-p2p/test/media-fixtures.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, startTracker, waitForEnd, type PageState, type Tracker } from '../../videojs-spk-p2p/test/support.js';
import { startSeeder, type SeederProcess } from './seeder-process.js';

interface IndexFile {
  entries: Array<{ cid: string; segment: string; file: string; bytes: number }>;
}

/**
 * VHS fetches the first segments itself while the plugin's engine starts (start-up never waits
 * for peers), so with the 60 s sample about half of it is fetched before the seeder can be
 * met. Everything the viewer loads once the seeder is connected must come from it.
 */
interface Load {
  /** Page clock, ms. */
  startedAt: number;
  source: unknown;
  url: unknown;
}

function assertSeederServedTheRest(connectedAt: number | undefined, loads: readonly Load[]): void {
  assert.ok(connectedAt !== undefined, 'the viewer connected to the seeder');
  const later = loads.filter((load) => load.startedAt > connectedAt);
  assert.ok(later.length >= 2, `${later.length} segments loaded after the seeder connected`);
  assert.deepEqual(later.filter((load) => load.source !== 'p2p'), [], `every segment asked for after the seeder connected (${connectedAt} ms) came from it`);
}

describe('spk-seeder: a real seeder process serves a browser viewer over WebRTC', () => {
  let browser: Browser;
  let tracker: Tracker;
  /** Where the viewer's playlists and CDN segments come from. */
  let cdn: CdnServer;
  /** The seeder's own gateway, apart from the viewer's CDN so its requests are counted alone. */
  let gateway: CdnServer;
  let media: { root: string; cid: string };
  let cacheDir: string;
  let seeder: SeederProcess | undefined;

  const seederArgs = () => ['--cid', media.cid, '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', cacheDir];

  /** Plays the video to its end; also returns when the seeder connected (page clock, ms) and each segment's source and load time. */
  async function watch(clientId: string): Promise<{ end: PageState; connectedAt: number | undefined; loads: Load[] }> {
    const viewer = await openPlayer(browser, {
      pageUrl: `${cdn.url}/pages/player.html`,
      src: manifestUrl(cdn, clientId, media.cid),
      options: p2pOptions(tracker.url, { videoCid: media.cid }),
      rate: 2,
    });
    try {
      const end = await waitForEnd(viewer, 90_000);
      const connectedAt = (await viewer.events('peerconnect'))[0]?.at;
      const loads = (await viewer.events('segmentloaded')).map((event) => ({ startedAt: event.at - Number(event.durationMs), source: event.source, url: event.url }));
      return { end, connectedAt, loads };
    } finally {
      await viewer.close();
    }
  }

  before(async () => {
    media = await cidOnlyMediaRoot();
    cacheDir = mkdtempSync(join(tmpdir(), 'spk-seeder-cache-'));
    [browser, tracker, cdn, gateway] = await Promise.all([launchChromium(), startTracker(), startTestCdn({ root: media.root, latencyMs: 20 }), startTestCdn({ root: media.root })]);
  });
  after(async () => {
    await seeder?.stop();
    await browser?.close();
    await Promise.all([tracker?.close(), cdn?.close(), gateway?.close()]);
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(media.root, { recursive: true, force: true });
  });

  it('a viewer alone with the seeder gets most of its bytes from it, every one checked against the CID', async () => {
    seeder = startSeeder(seederArgs());
    await seeder.waitForLog((line) => line.msg === 'video cached', 'that the video is cached');
    const { end, connectedAt, loads } = await watch('first-viewer');
    const { stats } = end;
    const ratio = stats.p2pBytes / (stats.p2pBytes + stats.cdnBytes);
    console.log(`# viewer with seeder: p2p ratio ${ratio.toFixed(2)}, ${stats.p2pBytes} p2p / ${stats.cdnBytes} CDN bytes, segments ${JSON.stringify(stats.segments)}, seeder connected at ${connectedAt} ms`);
    assert.deepEqual(end.errors, []);
    assert.deepEqual(end.stalls, []);
    assertSeederServedTheRest(connectedAt, loads);
    assert.equal(stats.verification.source, 'cid');
    assert.equal(stats.verification.peerRejected, 0);
    assert.equal(stats.verification.peerVerified, stats.verification.peerChecked);
    const metrics = await seeder.metrics();
    assert.ok((metrics.spk_seeder_uploaded_bytes_total ?? 0) >= stats.p2pBytes, `seeder uploaded ${metrics.spk_seeder_uploaded_bytes_total}, viewer got ${stats.p2pBytes}`);
    assert.equal(metrics.spk_seeder_verification_failures_total, 0);
    assert.equal(metrics.spk_seeder_segments_cached, 30);
  });

  it('restarted on the same cache it serves from disk without asking the gateway; a corrupted file is caught on read, deleted and fetched again', async () => {
    assert.equal(await seeder?.stop(), 0, 'a graceful stop on SIGTERM');
    const index = JSON.parse(readFileSync(join(cacheDir, 'index.json'), 'utf8')) as IndexFile;
    assert.equal(index.entries.length, 30, 'the index was written at stop');
    // The first segment of a rendition: the seeder reads it when it joins that rendition's swarm.
    const victim = index.entries.find((entry) => entry.segment === '360p/360p_0.ts');
    assert.ok(victim, JSON.stringify(index.entries.map((entry) => entry.segment)));
    const path = join(cacheDir, 'segments', victim.file);
    const bytes = readFileSync(path);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    gateway.resetCounters();

    seeder = startSeeder([...seederArgs(), '--log-level', 'debug']);
    const corrupt = await seeder.waitForLog((line) => line.msg.startsWith('cached segment failed its CID check'), 'the corrupted file');
    assert.equal(corrupt.segment, '360p/360p_0.ts');
    await seeder.waitForLog((line) => line.msg === 'segment cached' && line.segment === '360p/360p_0.ts', 'the refetch');
    const afterRefetch = gateway.bytesServed();
    assert.equal(afterRefetch.requests, 1, 'only the corrupted segment was fetched again');
    assert.equal(afterRefetch.total, bytes.length);
    // Bytes that do not match a single-leaf file's CID are told from a deeper file by its block: that one block, no other.
    assert.ok(afterRefetch.blockRequests <= 1, `${afterRefetch.blockRequests} block requests`);
    assert.deepEqual(readFileSync(path), readFileSync(join(media.root, 'ipfs', media.cid, '360p', '360p_0.ts')), 'the file holds the right bytes again');

    const { end, connectedAt, loads } = await watch('second-viewer');
    const ratio = end.stats.p2pBytes / (end.stats.p2pBytes + end.stats.cdnBytes);
    console.log(`# viewer after restart: p2p ratio ${ratio.toFixed(2)}, segments ${JSON.stringify(end.stats.segments)}`);
    assert.deepEqual(end.errors, []);
    assert.deepEqual(end.stalls, []);
    assertSeederServedTheRest(connectedAt, loads);
    assert.equal(end.stats.verification.peerRejected, 0, 'no corrupted byte reached the viewer');
    assert.deepEqual(gateway.bytesServed(), afterRefetch, 'serving needed no gateway');
    const metrics = await seeder.metrics();
    assert.equal(metrics.spk_seeder_verification_failures_total, 1);
  });
});
