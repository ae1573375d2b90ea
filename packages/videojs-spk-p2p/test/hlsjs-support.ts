/** Viewers built on hls.js (p2p-media-loader-hlsjs sites, Video.js 10) and their tracker traffic, for the interop tests. */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openPlayer, p2pOptions, type PlayerPage, waitFor } from './support.js';

/** Peer ids as hex whichever way they travel (20 code points on the tracker, hex in events). */
export function hexId(peerId: string): string {
  if (/^[0-9a-f]{40}$/i.test(peerId)) return peerId.toLowerCase();
  return Array.from(peerId, (char) => (char.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')).join('');
}

/** What a page announced to the tracker: its peer id and the info_hashes (one per stream) it joined. */
export interface Announced {
  peerIds: Set<string>;
  infoHashes: Set<string>;
}

export function watchAnnounces(page: Page): Announced {
  const announced: Announced = { peerIds: new Set(), infoHashes: new Set() };
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      try {
        const message = JSON.parse(String(payload)) as { action?: string; peer_id?: string; info_hash?: string; answer?: unknown };
        if (message.action !== 'announce' || message.answer !== undefined) return;
        if (message.peer_id) announced.peerIds.add(hexId(message.peer_id));
        if (message.info_hash) announced.infoHashes.add(hexId(message.info_hash));
      } catch {
        // Not a tracker message.
      }
    });
  });
  return announced;
}

export interface HlsSegment {
  at: number;
  bytes: number;
  source: 'http' | 'p2p';
  peerId?: string;
  url: string;
}

export interface HlsState {
  segments: HlsSegment[];
  peers: string[];
  errors: string[];
  stalls: number[];
  ended: boolean;
  currentTime: number;
}

export interface HlsSite {
  page: Page;
  announced: Announced;
  state(): Promise<HlsState>;
  close(): Promise<void>;
}

/**
 * An hls.js-based viewer: test/pages/hlsjs/ (hls.js + p2p-media-loader-hlsjs configured as an SPK
 * hls.js site) or test/pages/v10/ (Video.js 10 with videojs-spk-p2p/hlsjs). Both expose `hlsSite.state()`.
 */
export async function openHlsSite(
  browser: Browser,
  cdnUrl: string,
  query: { src: string; tracker: string; cid: string; rate: number },
  pagePath = '/pages/hlsjs/index.html',
): Promise<HlsSite> {
  const context: BrowserContext = await browser.newContext();
  const page = await context.newPage();
  const announced = watchAnnounces(page);
  const search = new URLSearchParams({ ...query, rate: String(query.rate) });
  await page.goto(`${cdnUrl}${pagePath}?${search}`);
  await page.waitForFunction(() => (window as unknown as { hlsSite?: unknown }).hlsSite !== undefined, undefined, { timeout: 15_000 });
  return {
    page,
    announced,
    state: () => page.evaluate(() => (window as unknown as { hlsSite: { state(): HlsState } }).hlsSite.state()),
    close: () => context.close(),
  };
}

export async function waitForHlsEnd(site: HlsSite, timeoutMs: number): Promise<HlsState> {
  return waitFor(
    async () => {
      const state = await site.state();
      if (state.errors.length > 0) throw new Error(`hls.js viewer error: ${state.errors.join('; ')}`);
      return state.ended ? state : undefined;
    },
    timeoutMs,
    'the hls.js viewer to play to the end',
  );
}

/** A Video.js 8 viewer with our plugin (test/pages/player.html), its tracker messages watched. */
export async function openOurs(browser: Browser, cdnUrl: string, src: string, trackerUrl: string, rate: number): Promise<PlayerPage & { announced: Announced }> {
  let announced: Announced | undefined;
  const player = await openPlayer(browser, {
    pageUrl: `${cdnUrl}/pages/player.html`,
    src,
    options: p2pOptions(trackerUrl),
    rate,
    onPage: (page) => {
      announced = watchAnnounces(page);
    },
  });
  assert.ok(announced);
  return Object.assign(player, { announced });
}
