import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import { createSignalServer } from '../../signal-server/src/index.js';
import { startCdn, type CdnOptions, type CdnServer } from '../../../demo/cdn/cdn-server.js';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import type { SpkP2pOptions, SpkP2pStats } from '../src/index.js';
import { waitFor } from '../../../demo/test-support/wait-for.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
export { waitFor };
export { cachedEntries, type CacheEntry } from '../../../demo/test-support/persistent-cache.js';

export const PACKAGE_DIR = join(here, '..');

export interface Tracker {
  /** The signal server's WebSocket URL (`ws://127.0.0.1:<port>/api/p2p/signal`). */
  url: string;
  /** WebSocket clients connected right now. */
  connections(): number;
  /** Misbehaving-peer reports the server accepted. */
  reportsCounted(): number;
  close(): Promise<void>;
}

/** Our own signal server on loopback, as production runs it (rooms per CID, reports). */
export async function startTracker(): Promise<Tracker> {
  const server = createSignalServer({ logLevel: 'silent' });
  const address = await server.listen(0, '127.0.0.1');
  return {
    url: address.signalUrl,
    connections: () => server.stats().connections,
    reportsCounted: () => server.stats().reportsCounted,
    close: () => server.close(),
  };
}

export function startTestCdn(options: CdnOptions = {}): Promise<CdnServer> {
  return startCdn({
    ...options,
    staticDirs: {
      '/dist': join(PACKAGE_DIR, 'dist'),
      '/pages': join(here, 'pages'),
      '/vendor/video.js': join(repoRoot, 'node_modules', 'video.js', 'dist'),
      // What an hls.js + p2p-media-loader site loads (interop tests).
      '/vendor/hls.js': join(repoRoot, 'node_modules', 'hls.js', 'dist'),
      '/vendor/p2pml-core': join(repoRoot, 'node_modules', 'p2p-media-loader-core', 'dist'),
      '/vendor/p2pml-hlsjs': join(repoRoot, 'node_modules', 'p2p-media-loader-hlsjs', 'dist'),
      '/lib': join(PACKAGE_DIR, 'lib'),
      // Video.js 10 (its prebuilt CDN bundles), for the videojs-spk-p2p/hlsjs tests.
      '/vendor/videojs10': join(repoRoot, 'node_modules', '@videojs', 'html'),
      ...options.staticDirs,
    },
  });
}

export function manifestUrl(cdn: CdnServer, clientId: string, cid = SAMPLE_CID): string {
  return `${cdn.clientUrl(clientId)}/ipfs/${cid}/manifest.m3u8`;
}

export interface PageState {
  currentTime: number;
  duration: number;
  ended: boolean;
  paused: boolean;
  errors: string[];
  stalls: number[];
  stats: SpkP2pStats;
  mode: string;
  session: string;
  usingVhs: boolean;
  /** src() → first `playing`, in ms; null before. */
  startupMs: number | null;
}

export interface RecordedEvent {
  type: string;
  at: number;
  [key: string]: unknown;
}

export interface PlayerPage {
  page: Page;
  state(): Promise<PageState>;
  events(type: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

export interface OpenPlayerOptions {
  src: string;
  options: SpkP2pOptions;
  rate?: number;
  /** Runs in the page before any of its scripts (e.g. to remove MediaSource). */
  initScript?: string;
  /** Pass options through `plugins: { spkP2p }` (default) or by calling `player.spkP2p(options)`. */
  pluginsOption?: boolean;
  pageUrl: string;
  /** Player size in CSS pixels (VHS caps the rendition by it); 320×180 by default. */
  size?: { width: number; height: number };
  /** Called with the new page before it loads (e.g. to watch its WebSockets). */
  onPage?: (page: Page) => void;
  /**
   * Open the page in this context (one browser profile: a returning viewer with its IndexedDB)
   * instead of a fresh one; `close()` then closes only the page.
   */
  context?: BrowserContext;
}

export async function openPlayer(browser: Browser, opts: OpenPlayerOptions): Promise<PlayerPage> {
  const context = opts.context ?? (await browser.newContext());
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  opts.onPage?.(page);
  if (opts.initScript) await page.addInitScript(opts.initScript);
  await page.goto(opts.pageUrl);
  await page.waitForFunction(() => (window as unknown as { spkReady?: boolean }).spkReady === true, undefined, { timeout: 15_000 });
  await page.evaluate(
    (args) => (window as unknown as { spkTest: { start(o: unknown): boolean } }).spkTest.start(args),
    {
      src: opts.src,
      options: opts.options,
      rate: opts.rate ?? 1,
      pluginsOption: opts.pluginsOption ?? true,
      width: opts.size?.width ?? 320,
      height: opts.size?.height ?? 180,
    },
  );
  return {
    page,
    state: async () => {
      const state = await page.evaluate(() => (window as unknown as { spkTest: { state(): PageState } }).spkTest.state());
      if (pageErrors.length > 0) state.errors = [...state.errors, ...pageErrors.map((message) => `pageerror: ${message}`)];
      return state;
    },
    events: (type) =>
      page.evaluate((t) => (window as unknown as { spkTest: { eventsOf(t: string): RecordedEvent[] } }).spkTest.eventsOf(t), type),
    close: () => (opts.context ? page.close() : context.close()),
  };
}


export async function waitForEnd(player: PlayerPage, timeoutMs: number): Promise<PageState> {
  return waitFor(
    async () => {
      const state = await player.state();
      if (state.errors.length > 0) throw new Error(`player error: ${state.errors.join('; ')}`);
      return state.ended ? state : undefined;
    },
    timeoutMs,
    'playback to end',
  );
}


/** Options every test uses: loopback tracker only, no STUN/TURN. */
export function p2pOptions(trackerUrl: string, extra: SpkP2pOptions = {}): SpkP2pOptions {
  return { videoCid: SAMPLE_CID, trackerUrls: [trackerUrl], stunServers: [], ...extra };
}

export interface BrowserFixture {
  browser: Browser;
  cdn: CdnServer;
  tracker: Tracker;
}

/**
 * One Chromium, one local CDN and one signal server shared by the tests of a file: registers
 * the suite's before/after hooks and returns the object they fill in.
 */
export function useBrowserFixture(cdnOptions?: CdnOptions): BrowserFixture {
  const fixture = {} as BrowserFixture;
  before(async () => {
    [fixture.browser, fixture.cdn, fixture.tracker] = await Promise.all([launchChromium(), startTestCdn(cdnOptions), startTracker()]);
  });
  after(async () => {
    await fixture.browser?.close();
    await Promise.all([fixture.cdn?.close(), fixture.tracker?.close()]);
  });
  return fixture;
}
