/**
 * End to end with real browsers: two Chromium viewers play the sample video with the spkP2p
 * plugin, share segments over WebRTC through our signal server, report with their reporters,
 * and the database credits the uploader with what the downloader confirmed. Then the reporter's
 * IndexedDB queue: a report the server never acknowledged survives the tab and is delivered
 * on the next visit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { manifestUrl, startTestCdn, waitFor, type PageState } from '../../videojs-spk-p2p/test/support.js';
import { createSignalServer, type ListenAddress, type SignalServer } from '../src/index.js';
import { attachContributions } from '../src/contributions/mount.js';
import { pairCredits, type Contributions } from '../src/contributions/index.js';
import { hashSecret, utcDay } from '../src/contributions/identity.js';
import { createTestDatabase, DIALECTS, getJson, type TestDatabase } from './contributions-support.js';

interface ReporterView {
  pending: number;
  acknowledged: number;
  rejected: number;
  lastStatus: number | null;
}

interface Viewer {
  page: Page;
  state(): Promise<PageState>;
}

/** Opens the plugin's test player page in `context` and starts playback with `options`. */
async function openViewer(context: BrowserContext, pageUrl: string, src: string, options: object): Promise<Viewer> {
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as unknown as { spkReady?: boolean }).spkReady === true, undefined, { timeout: 15_000 });
  await page.evaluate(
    (args) => (window as unknown as { spkTest: { start(o: unknown): boolean } }).spkTest.start(args),
    { src, options, rate: 2, pluginsOption: true },
  );
  return { page, state: () => page.evaluate(() => (window as unknown as { spkTest: { state(): PageState } }).spkTest.state()) };
}

/** Closes the reporting period in the page and waits until the server answered. */
function flush(page: Page): Promise<ReporterView> {
  return page.evaluate(async () => {
    const plugin = (window as unknown as { player: { spkP2p(): { contributions?: { flush(): Promise<ReporterView> } } } }).player.spkP2p();
    if (!plugin.contributions) throw new Error('no contribution reporter on the plugin');
    return plugin.contributions.flush();
  });
}

async function startSignal(testDb: TestDatabase, port = 0): Promise<{ server: SignalServer; address: ListenAddress; contributions: Contributions }> {
  const server = createSignalServer({ logLevel: 'silent' });
  // Both browsers run on this machine, so on one address: the same-address cap is lifted here.
  const contributions = await attachContributions(server, { ...testDb.options, credit: { sameAddressPairCapBytes: Infinity } });
  const address = await server.listen(port, '127.0.0.1');
  return { server, address, contributions };
}

for (const dialect of DIALECTS) {
  describe(`contributions end to end with two Chromium viewers (${dialect})`, () => {
    let testDb: TestDatabase;
    let browser: Browser;
    let cdn: CdnServer;
    let signal: Awaited<ReturnType<typeof startSignal>>;

    before(async () => {
      testDb = await createTestDatabase(dialect);
      [browser, cdn, signal] = await Promise.all([launchChromium(), startTestCdn({ latencyMs: 20 }), startSignal(testDb)]);
    });
    after(async () => {
      await browser?.close();
      await cdn?.close();
      await signal?.server.close();
      await signal?.contributions.close();
      await testDb?.drop();
    });

    it('bytes one viewer uploads to another over WebRTC are credited as the downloader confirms them', async () => {
      const pageUrl = `${cdn.url}/pages/player.html`;
      const options = { videoCid: SAMPLE_CID, trackerUrls: [signal.address.signalUrl], stunServers: [], contributions: { intervalMs: 600_000 } };
      const contextA = await browser.newContext();
      const contextB = await browser.newContext();
      const first = await openViewer(contextA, pageUrl, manifestUrl(cdn, 'viewer-a'), options);
      let second: Viewer | undefined;
      try {
        await waitFor(async () => (await first.state()).currentTime >= 16, 40_000, 'first viewer at 16 s');
        second = await openViewer(contextB, pageUrl, manifestUrl(cdn, 'viewer-b'), options);
        await waitFor(async () => (await second!.state()).stats.p2pBytes >= 500_000, 60_000, 'second viewer receiving from the first');

        // The state first: B goes on receiving segments after the report, and the report can only
        // confirm what B had received before it.
        const [stateA, stateB] = await Promise.all([first.state(), second.state()]);
        const [reportA, reportB] = await Promise.all([flush(first.page), flush(second.page)]);
        assert.equal(reportA.lastStatus, 201, JSON.stringify(reportA));
        assert.equal(reportB.lastStatus, 201, JSON.stringify(reportB));
        assert.equal(reportA.pending + reportB.pending, 0);

        const today = utcDay(Date.now());
        const pairs = await pairCredits(signal.contributions.database.db, { from: today, to: today }, signal.contributions.policy);
        const a = hashSecret('session', stateA.session);
        const b = hashSecret('session', stateB.session);
        const aToB = pairs.find((pair) => pair.uploader === a && pair.downloader === b);
        assert.ok(aToB, `a credited pair from A to B in ${JSON.stringify(pairs)}`);
        assert.equal(aToB.credited, Math.min(aToB.claimedUpload, aToB.confirmedDownload));
        // What B confirmed is at least the media bytes it used from peers (A was its only peer).
        assert.ok(aToB.confirmedDownload >= stateB.stats.p2pBytes * 0.9, `confirmed ${aToB.confirmedDownload} vs B's P2P bytes ${stateB.stats.p2pBytes}`);
        assert.ok(aToB.credited >= 500_000, `credited ${aToB.credited}`);
        // The uploader's own count and the downloader's count of the same transfer agree closely.
        assert.ok(Math.abs(aToB.claimedUpload - aToB.confirmedDownload) <= 0.1 * aToB.confirmedDownload + 64 * 1024);

        const session = await signal.contributions.database.db.selectFrom('p2p_sessions').selectAll().where('id', '=', a).executeTakeFirstOrThrow();
        const summary = await getJson(`${signal.address.url}/api/p2p/contributions/${session.peer_id}`);
        assert.equal(summary.status, 200);
        assert.ok((summary.json.credited as { day: number }).day >= aToB.credited);
        // A inflates its claim about B by 50 MB through its own reporter: B confirms none of it.
        const peerOfB = await signal.contributions.database.db.selectFrom('p2p_peers').select('peer_id').where('session_id', '=', b).executeTakeFirstOrThrow();
        const inflated = await first.page.evaluate(async (peerId) => {
          const plugin = (window as unknown as { player: { spkP2p(): { contributions: { recordUpload(p: string, n: number): void; flush(): Promise<ReporterView> } } } }).player.spkP2p();
          plugin.contributions.recordUpload(peerId, 50_000_000);
          return plugin.contributions.flush();
        }, peerOfB.peer_id);
        assert.equal(inflated.lastStatus, 201);
        const after = (await pairCredits(signal.contributions.database.db, { from: today, to: today }, signal.contributions.policy))
          .find((pair) => pair.uploader === a && pair.downloader === b);
        assert.ok(after && after.claimedUpload >= aToB.claimedUpload + 50_000_000, 'the inflated claim is recorded');
        assert.ok(after.credited <= after.confirmedDownload, 'but only confirmed bytes are credited');
        assert.ok(after.credited < aToB.credited + 5_000_000, `credited ${after.credited}, was ${aToB.credited}`);

        const raw = await signal.contributions.database.db.selectFrom('p2p_reports').select('body').where('session_id', '=', a).execute();
        assert.ok(raw.length >= 1 && raw.every((row) => JSON.parse(row.body).session === stateA.session), 'raw reports kept for audit');
      } finally {
        await contextB.close();
        await contextA.close();
      }
    });
  });
}

describe('reporter queue and beacon: unacknowledged reports survive the tab (SQLite)', () => {
  let testDb: TestDatabase;
  let browser: Browser;
  let cdn: CdnServer;
  let signal: Awaited<ReturnType<typeof startSignal>> | undefined;

  before(async () => {
    testDb = await createTestDatabase('sqlite');
    [browser, cdn] = await Promise.all([launchChromium(), startTestCdn({ latencyMs: 5 })]);
    signal = await startSignal(testDb);
  });
  after(async () => {
    await browser?.close();
    await cdn?.close();
    await signal?.server.close();
    await signal?.contributions.close();
    await testDb?.drop();
  });

  it('keeps a report the server could not take in IndexedDB and delivers it on the next visit', async () => {
    const port = signal!.address.port;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const options = { videoCid: SAMPLE_CID, trackerUrls: [signal!.address.signalUrl], stunServers: [], contributions: { intervalMs: 600_000 } };
    const context = await browser.newContext();
    try {
      // Visit 1: one viewer (CDN bytes only). Its first report binds the session, then the server goes away.
      const visit1 = await openViewer(context, pageUrl, manifestUrl(cdn, 'queue-1'), options);
      const { session } = await visit1.state();
      await waitFor(async () => [...signal!.server.sessions.peersOfSession(session)].length > 0, 30_000, 'visit 1 announced on the signal server');
      await waitFor(async () => (await visit1.state()).stats.cdnBytes > 0, 30_000, 'CDN bytes on visit 1');
      const bound = await flush(visit1.page);
      assert.equal(bound.lastStatus, 201);
      await signal!.server.close();
      await signal!.contributions.close();
      signal = undefined;
      const before = (await visit1.state()).stats.cdnBytes;
      await waitFor(async () => (await visit1.state()).stats.cdnBytes > before, 60_000, 'more CDN bytes after the server left');
      const failed = await flush(visit1.page);
      assert.equal(failed.lastStatus, 0, `the server is gone: ${JSON.stringify(failed)}`);
      assert.equal(failed.pending, 1);
      const queued = await visit1.page.evaluate(async () => {
        const module = (await import('/dist/videojs-spk-p2p.es.js' as string)) as { openReportQueue(): Promise<{ all(): Promise<{ reportId: string }[]>; close(): void }> };
        const queue = await module.openReportQueue();
        const all = await queue.all();
        queue.close();
        return all.map((report) => report.reportId);
      });
      assert.equal(queued.length, 1);
      await visit1.page.close();

      // Visit 2, same browser profile: the server is back (same port, same database).
      signal = await startSignal(testDb, port);
      const visit2 = await openViewer(context, pageUrl, manifestUrl(cdn, 'queue-2'), options);
      const second = (await visit2.state()).session;
      await waitFor(async () => [...signal!.server.sessions.peersOfSession(second)].length > 0, 30_000, 'visit 2 announced');
      const delivered = await flush(visit2.page);
      assert.equal(delivered.pending, 0, JSON.stringify(delivered));
      const stored = await signal.contributions.database.db.selectFrom('p2p_reports').select('id').where('id', '=', queued[0]!).execute();
      assert.equal(stored.length, 1, 'the report queued on visit 1 reached the database on visit 2');

      // Leaving the page sends what was counted since the last report with a beacon.
      const sessionId = hashSecret('session', second);
      const countReports = async () =>
        (await signal.contributions.database.db.selectFrom('p2p_reports').select('id').where('session_id', '=', sessionId).execute()).length;
      const reportsBefore = await countReports();
      const bytesBefore = (await visit2.state()).stats.cdnBytes;
      await waitFor(async () => (await visit2.state()).stats.cdnBytes > bytesBefore, 60_000, 'more CDN bytes on visit 2');
      await visit2.page.close({ runBeforeUnload: true });
      await waitFor(async () => (await countReports()) > reportsBefore, 15_000, 'the beacon report from the closed page');
    } finally {
      await context.close();
    }
  });
});
