/**
 * Pages written the way sites write them (test/pages/site/): scripts at the end of <body>,
 * URLs relative to the page, several players per page. The test passes what a site would
 * hard-code (source, CID, tracker) in the page's query string and reads back what
 * test/pages/recorder.js recorded.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SAMPLE_CID, SAMPLE_DIR } from '../../../demo/media/sample.js';
import type { SpkP2pStats } from '../src/index.js';
import { waitFor, type RecordedEvent } from './support.js';

/** A second video for tests that switch sources: the sample's files under another (well-formed) CID. */
export const OTHER_CID = 'QmPChd2hVbrJ6bfo3WBcTW4iZnpHm8TEzWkLHmLpXhF68A';

/** A media root holding the sample under its own CID and under OTHER_CID; removed by `remove()`. */
export function twoVideoRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'spk-two-videos-'));
  mkdirSync(join(root, 'ipfs'));
  symlinkSync(SAMPLE_DIR, join(root, 'ipfs', SAMPLE_CID));
  symlinkSync(SAMPLE_DIR, join(root, 'ipfs', OTHER_CID));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface SiteState {
  currentTime: number;
  ended: boolean;
  errors: string[];
  stalls: number[];
  stats: SpkP2pStats | null;
  mode: string | null;
  videoCid: string | null;
  warnings: string[];
  playing: boolean;
}

export interface SitePage {
  page: Page;
  context: BrowserContext;
  state(id?: string): Promise<SiteState>;
  events(type: string, id?: string): Promise<RecordedEvent[]>;
  /** Runs in the page with `player` (by element id) bound. */
  run<T>(script: string, id?: string): Promise<T>;
  close(): Promise<void>;
}

export interface SiteQuery {
  src: string;
  tracker: string;
  cid?: string;
  order?: 'plugins-option' | 'before-src' | 'after-src';
  rate?: number;
}

/** Opens `pagePath` (below the test CDN) with `query` as its query string, in a context of its own. */
export async function openSite(browser: Browser, cdnUrl: string, pagePath: string, query: Record<string, string | number | undefined>): Promise<SitePage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  await page.goto(`${cdnUrl}${pagePath}?${search}`);
  await page.waitForFunction(() => typeof (window as unknown as { spkState?: unknown }).spkState === 'function', undefined, { timeout: 15_000 });
  return {
    page,
    context,
    state: (id = 'v') => page.evaluate((i) => (window as unknown as { spkState(i: string): SiteState }).spkState(i), id),
    events: (type, id = 'v') =>
      page.evaluate(([i, t]) => (window as unknown as { spkEvents(i: string, t: string): RecordedEvent[] }).spkEvents(i, t), [id, type] as const),
    run: <T>(script: string, id = 'v') =>
      page.evaluate(
        ([i, body]) => {
          const player = (window as unknown as { videojs: { getPlayer(id: string): unknown } }).videojs.getPlayer(i);
          return new Function('player', `return (${body})`)(player) as T;
        },
        [id, script] as const,
      ) as Promise<T>,
    close: () => context.close(),
  };
}

export function openSitePlayer(browser: Browser, cdnUrl: string, query: SiteQuery): Promise<SitePage> {
  return openSite(browser, cdnUrl, '/pages/site/index.html', { ...query });
}

/** Waits until the player ended, failing at once on a player or page error. */
export function waitForSiteEnd(site: SitePage, timeoutMs: number, id = 'v'): Promise<SiteState> {
  return waitFor(
    async () => {
      const state = await site.state(id);
      if (state.errors.length > 0) throw new Error(`player ${id} error: ${state.errors.join('; ')}`);
      return state.ended ? state : undefined;
    },
    timeoutMs,
    `player ${id} to play to the end`,
  );
}

/** Peers the signal server counts in a video's room (its HTTP API, as an operator reads it). */
export async function roomPeers(trackerUrl: string, cid: string): Promise<number> {
  const url = new URL(trackerUrl);
  const response = await fetch(`http://${url.host}/api/p2p/rooms/${cid}`);
  const body = (await response.json()) as { peers: number };
  return body.peers;
}

/** The plugin's own console warnings (the recorder captures every console.warn). */
export function pluginWarnings(state: SiteState): string[] {
  return state.warnings.filter((text) => text.includes('videojs-spk-p2p'));
}
