/**
 * One benchmark phase: N headless viewers join one video a few seconds apart, each in its own
 * browser context (own storage, own renderer process, own CDN client id), and play it to the end.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ViewerReport } from '../site/src/viewer-report.js';
import { viewerQuery, type IntegrityPolicy } from '../site/src/viewer-options.js';
import type { BytesServed } from '../cdn/cdn-server.js';
import type { LocalStack } from './local-stack.js';
import { startCpuMeter, type CpuUsage } from './cpu.js';
import { delay, waitUntil } from './poll.js';

export interface PhaseOptions {
  name: string;
  p2p: boolean;
  viewers: number;
  joinGapMs: number;
  pinHeight: number;
  rate: number;
  cdnFallbackDelay?: number;
  /** Per viewer, from its start, to play to the end. */
  playTimeoutMs: number;
  /** `hlsjs`: the 2nd, 4th, … viewer is an hls.js + p2p-media-loader-hlsjs page instead of Video.js 8. */
  mix?: 'none' | 'hlsjs' | 'hlsjs-spk';
  /** The video to play (its folder must be on the stack's CDN); the sample when unset. */
  cid?: string;
  /** The plugin's `integrity` policy; its default when unset. */
  integrity?: IntegrityPolicy;
  log?: (line: string) => void;
}

export interface CdnSample {
  /** Milliseconds since the phase started. */
  t: number;
  bytes: number;
}

export interface PhaseResult {
  name: string;
  p2p: boolean;
  startedAt: number;
  wallMs: number;
  viewers: ViewerReport[];
  cdn: BytesServed;
  cdnTimeline: CdnSample[];
  cpu: CpuUsage;
}

export interface OpenViewer {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

declare global {
  interface Window {
    spkViewer?: import('../site/src/viewer.js').ViewerHandle;
    spkViewerError?: string;
  }
}

export interface OpenViewerOptions {
  /** Runs on the new tab before it navigates (init scripts, exposed functions, listeners). */
  prepare?: (page: Page) => Promise<void>;
  /** The page below the CDN's root; `viewer.html` when unset. */
  page?: string;
  /** A context to open the tab in (a returning viewer keeps its IndexedDB); a new one when unset. */
  context?: BrowserContext;
}

export async function openViewer(browser: Browser, stack: LocalStack, query: string, options: OpenViewerOptions = {}): Promise<OpenViewer> {
  const { prepare, page = 'viewer.html' } = options;
  const context = options.context ?? (await browser.newContext({ viewport: { width: 480, height: 320 } }));
  const tab = await context.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  if (prepare) await prepare(tab);
  await tab.goto(`${stack.cdn.url}/${page}?${query}`);
  await tab.waitForFunction(() => window.spkViewer !== undefined || window.spkViewerError !== undefined, undefined, { timeout: 20_000 });
  const setupError = await tab.evaluate(() => window.spkViewerError);
  if (setupError) throw new Error(`viewer page failed to start: ${setupError}`);
  return { context, page: tab, errors };
}

export function viewerQueryFor(
  stack: LocalStack,
  options: { clientId: string; p2p: boolean; pinHeight: number; rate: number; cdnFallbackDelay?: number | undefined; label: string; cid?: string | undefined; integrity?: IntegrityPolicy | undefined },
): string {
  return viewerQuery({
    src: stack.manifestUrl(options.clientId, options.cid),
    cid: options.cid ?? stack.cid,
    ...(options.integrity ? { integrity: options.integrity } : {}),
    trackerUrls: [stack.signal.signalUrl],
    p2p: options.p2p,
    pinHeight: options.pinHeight,
    rate: options.rate,
    ...(options.cdnFallbackDelay !== undefined ? { cdnFallbackDelay: options.cdnFallbackDelay } : {}),
    label: options.label,
  });
}

export async function readReport(viewer: OpenViewer): Promise<ViewerReport> {
  const report = await viewer.page.evaluate(() => window.spkViewer?.report());
  if (!report) throw new Error('viewer page has no report');
  return { ...report, errors: [...report.errors, ...viewer.errors.map((message) => `pageerror: ${message}`)] };
}


/** Polls until every viewer ended (or errored, or timed out); there is no cross-page event to wait on. */
export async function waitForViewers(viewers: readonly { viewer: OpenViewer; deadline: number }[], log: (line: string) => void): Promise<void> {
  const pending = new Set(viewers);
  while (pending.size > 0) {
    for (const entry of [...pending]) {
      const status = await entry.viewer.page.evaluate(() => window.spkViewer?.status()).catch(() => undefined);
      if (!status || status.ended || status.errors > 0 || entry.viewer.errors.length > 0) {
        pending.delete(entry);
      } else if (Date.now() > entry.deadline) {
        log(`  a viewer did not finish in time (at ${status.currentTime.toFixed(1)} s)`);
        pending.delete(entry);
      }
    }
    if (pending.size > 0) await delay(500);
  }
}

/**
 * Plays one unmeasured viewer (P2P off) to its first second of video and closes it, so that
 * Chromium's one-off costs (media pipeline, GPU process, first renderer) land on neither phase:
 * without it the first phase's first viewer paid them.
 */
export async function warmUp(browser: Browser, stack: LocalStack, options: { pinHeight: number; rate: number }): Promise<void> {
  const viewer = await openViewer(browser, stack, viewerQueryFor(stack, { clientId: 'warm-up', p2p: false, pinHeight: options.pinHeight, rate: options.rate, label: 'warm-up' }));
  try {
    await waitUntil(
      async () => {
        const status = await viewer.page.evaluate(() => window.spkViewer?.status());
        if ((status && status.errors > 0) || viewer.errors.length > 0) throw new Error(`warm-up viewer failed: ${viewer.errors.join('; ')}`);
        return status && status.currentTime >= 1 ? true : undefined;
      },
      30_000,
      'the warm-up viewer to play',
      200,
    );
  } finally {
    await viewer.context.close();
  }
}

export async function runPhase(browser: Browser, stack: LocalStack, options: PhaseOptions): Promise<PhaseResult> {
  const log = options.log ?? (() => {});
  stack.cdn.resetCounters();
  const meter = startCpuMeter();
  const startedAt = Date.now();
  const cdnTimeline: CdnSample[] = [{ t: 0, bytes: 0 }];
  const sampler = setInterval(() => cdnTimeline.push({ t: Date.now() - startedAt, bytes: stack.cdn.bytesServed().total }), 500);
  const opened: { viewer: OpenViewer; deadline: number }[] = [];
  try {
    for (let i = 0; i < options.viewers; i++) {
      const wait = startedAt + i * options.joinGapMs - Date.now();
      if (wait > 0) await delay(wait);
      const label = `${options.name}-${i + 1}`;
      const hlsjs = options.mix !== undefined && options.mix !== 'none' && i % 2 === 1;
      const query = viewerQueryFor(stack, { clientId: label, p2p: options.p2p, pinHeight: options.pinHeight, rate: options.rate, cdnFallbackDelay: options.cdnFallbackDelay, label: hlsjs ? `${label}-hlsjs` : label, cid: options.cid, integrity: options.integrity });
      const viewer = await openViewer(
        browser,
        stack,
        options.mix === 'hlsjs-spk' ? `${query}&schedule=spk` : query,
        { page: hlsjs ? 'hlsjs-viewer.html' : 'viewer.html' },
      );
      opened.push({ viewer, deadline: Date.now() + options.playTimeoutMs });
      log(`  viewer ${label} joined at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    }
    await waitForViewers(opened, log);
    const viewers: ViewerReport[] = [];
    for (const { viewer } of opened) viewers.push(await readReport(viewer));
    clearInterval(sampler);
    cdnTimeline.push({ t: Date.now() - startedAt, bytes: stack.cdn.bytesServed().total });
    return {
      name: options.name,
      p2p: options.p2p,
      startedAt,
      wallMs: Date.now() - startedAt,
      viewers,
      cdn: stack.cdn.bytesServed(),
      cdnTimeline,
      cpu: meter(),
    };
  } finally {
    clearInterval(sampler);
    await Promise.all(opened.map(({ viewer }) => viewer.context.close().catch(() => {})));
  }
}
