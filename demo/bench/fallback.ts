/**
 * CDN fallback when the peer serving a segment dies mid-transfer.
 *
 * Viewer A plays first and holds the next segments; viewer B joins and fetches from A. The first
 * time A sends segment data to B after that, A goes silent at once (its data channels send
 * nothing more, as when a machine drops off the network) and its renderer is then crashed, so
 * no goodbye reaches B. We measure, from the moment A went silent, how long B takes to request
 * the segment it was waiting for from the CDN and to have it in hand.
 */
import type { Browser } from 'playwright-core';
import type { LocalStack } from './local-stack.js';
import { openViewer, readReport, viewerQueryFor, type OpenViewer } from './run-swarm.js';
import { segmentKey } from './metrics.js';
import { waitUntil } from './poll.js';
import { armSilence, SILENT_PEER_SCRIPT } from '../test-support/silent-peer.js';

export interface FallbackResult {
  /** Peer went silent → B's CDN request for the segment it was waiting for. */
  fallbackMs: number | null;
  /** Peer went silent → that segment handed to B's player. */
  deliveredMs: number | null;
  segment: string | null;
  /** Bytes of segment data the peer had sent before it went silent. */
  bytesBeforeSilence: number;
  stallsAfter: number;
  note: string;
}

function segmentIndex(url: string): number {
  return Number(/_(\d+)\.ts/.exec(url)?.[1] ?? Number.NaN);
}

export async function measureFallback(
  browser: Browser,
  stack: LocalStack,
  options: { pinHeight: number; cdnFallbackDelay?: number; segmentsAhead?: number },
): Promise<FallbackResult> {
  const common = { p2p: true, pinHeight: options.pinHeight, rate: 1, cdnFallbackDelay: options.cdnFallbackDelay };
  let silentAt: number | undefined;
  let bytesBeforeSilence = 0;
  let seeder: OpenViewer | undefined;
  let leecher: OpenViewer | undefined;
  try {
    seeder = await openViewer(browser, stack, viewerQueryFor(stack, { ...common, clientId: 'fallback-seeder', label: 'fallback-seeder' }), { prepare: async (page) => {
      await page.exposeFunction('spkPeerSilent', (at: number, sent: number) => {
        silentAt = at;
        bytesBeforeSilence = sent;
      });
      await page.addInitScript(SILENT_PEER_SCRIPT);
    } });
    const seederPage = seeder.page;
    const ahead = options.segmentsAhead ?? 4;
    await waitUntil(async () => ((await seederPage.evaluate(() => window.spkViewer?.status().segments)) ?? 0) >= ahead || undefined, 30_000, `the seeder to hold ${ahead} segments`);
    await armSilence(seederPage, 64 * 1024);

    // Request starts, as they happen (resource timing lists a fetch only once it has finished).
    const requests: { key: string; at: number }[] = [];
    leecher = await openViewer(browser, stack, viewerQueryFor(stack, { ...common, clientId: 'fallback-leecher', label: 'fallback-leecher' }), { prepare: async (page) => {
      page.on('request', (request) => {
        if (/\.ts(\?|$)/.test(request.url())) requests.push({ key: segmentKey(request.url()), at: Date.now() });
      });
    } });
    await waitUntil(async () => silentAt, 30_000, 'the leecher to fetch from the seeder');
    const silenceAt = silentAt as number;
    // A dead machine, not a polite goodbye: the renderer goes away without closing its channels.
    const cdp = await seeder.context.newCDPSession(seederPage);
    // Page.crash never answers (its target is gone), so it is not awaited.
    void cdp.send('Page.crash').catch(() => {});

    const leecherPage = leecher.page;
    const before = await readReport(leecher);
    const deliveredBefore = new Set(before.segments.filter((segment) => segment.at <= silenceAt).map((segment) => segmentKey(segment.url)));
    const cdnBefore = new Set(requests.filter((request) => request.at < silenceAt).map((request) => request.key));
    const rendition = before.renditions[0];
    // The interrupted segment is the lowest-numbered one the leecher had neither received nor
    // asked the CDN for when the peer went silent: the engine loads from peers in playback order.
    const waitedFor = await waitUntil(
      async () => {
        const report = await readReport(leecher as OpenViewer);
        const pending = report.segments
          .filter((segment) => rendition === undefined || segment.url.includes(`/${rendition}p/`))
          .filter((segment) => !deliveredBefore.has(segmentKey(segment.url)) && !cdnBefore.has(segmentKey(segment.url)))
          .sort((a, b) => segmentIndex(a.url) - segmentIndex(b.url));
        const lowest = pending[0];
        if (!lowest) return undefined;
        // Wait until nothing lower than it can still arrive: the segments in between are all in.
        const gapFree = Array.from({ length: segmentIndex(lowest.url) }, (_, i) => i).every((index) =>
          report.segments.some((segment) => segmentIndex(segment.url) === index) || index < 1,
        );
        return gapFree ? { segment: lowest, report } : undefined;
      },
      20_000,
      'the leecher to get the interrupted segment',
    );
    const key = segmentKey(waitedFor.segment.url);
    const fetches = await leecherPage.evaluate(() => window.spkViewer?.segmentFetches() ?? []);
    const requestAfter = fetches.filter((fetch) => segmentKey(fetch.url) === key).find((fetch) => fetch.start >= silenceAt);
    const requestedBefore = cdnBefore.has(key);
    if (process.env.SPK_BENCH_DEBUG) {
      console.log('silence', silenceAt, { fetches: fetches.map((f) => [segmentKey(f.url).slice(-12), Math.round(f.start - silenceAt), Math.round(f.end - silenceAt)]), segments: waitedFor.report.segments.map((sg) => [segmentKey(sg.url).slice(-12), sg.source, Math.round(sg.at - silenceAt)]) });
    }
    const stallsAfter = waitedFor.report.stalls.length;
    if (waitedFor.segment.source !== 'cdn' || !requestAfter || requestedBefore) {
      return {
        fallbackMs: null,
        deliveredMs: null,
        segment: key,
        bytesBeforeSilence,
        stallsAfter,
        note: `not a clean measurement: segment came from ${waitedFor.segment.source}, CDN request ${requestAfter ? 'after' : 'missing'}${requestedBefore ? ', also requested before the silence' : ''}`,
      };
    }
    return {
      fallbackMs: Math.round(requestAfter.start - silenceAt),
      deliveredMs: Math.round(waitedFor.segment.at - silenceAt),
      segment: key,
      bytesBeforeSilence,
      stallsAfter,
      note: 'peer went silent mid-segment, then its renderer crashed',
    };
  } finally {
    await leecher?.context.close().catch(() => {});
    await seeder?.context.close().catch(() => {});
  }
}
