/**
 * Shared fixture of the element's browser tests: the local CDN serving the sample video, the
 * built bundles (`/pkg/`) and test pages (`/pages/`), and one Chromium per test file.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startCdn, type CdnServer } from '../../../demo/cdn/cdn-server.js';
import { launchChromium } from '../../../demo/test-support/browser.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = join(here, '..', 'dist');
export const PAGES_DIR = join(here, 'pages');

export interface Fixture {
  cdn: CdnServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startFixture(options: { latencyMs?: number; staticDirs?: Record<string, string> } = {}): Promise<Fixture> {
  if (!existsSync(join(DIST_DIR, 'spk-player.js'))) {
    throw new Error('packages/spk-player-element/dist is missing: run `npm run build` first');
  }
  const { staticDirs, ...rest } = options;
  const cdn = await startCdn({ staticDirs: { '/pkg': DIST_DIR, '/pages': PAGES_DIR, ...staticDirs }, ...rest });
  const browser = await launchChromium();
  return {
    cdn,
    browser,
    async close() {
      await browser.close();
      await cdn.close();
    },
  };
}

/** Opens the blank test page with the ES bundle loaded and `<spk-player>` defined. */
export async function openPage(fixture: Fixture, path = '/pages/blank.html'): Promise<Page> {
  const page = await fixture.browser.newPage({ viewport: { width: 640, height: 480 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  uncaught.set(page, errors);
  await page.goto(`${fixture.cdn.url}${path}`);
  await page.waitForFunction(() => customElements.get('spk-player') !== undefined, undefined, { timeout: 30_000 });
  return page;
}

const uncaught = new WeakMap<Page, string[]>();

/** Uncaught exceptions the page threw since openPage(). */
export function pageErrors(page: Page): string[] {
  return uncaught.get(page) ?? [];
}

/** Adds `<spk-player>` with the given attributes (set with setAttribute, never as HTML) and records its events. */
export async function addPlayer(page: Page, attributes: Record<string, string>, options: { id?: string; p2pOptions?: Record<string, unknown>; before?: string } = {}): Promise<string> {
  const id = options.id ?? 'player';
  await page.evaluate(
    ({ id, attributes, p2pOptions, before }) => {
      const player = document.createElement('spk-player');
      player.id = id;
      const log: { type: string; detail: unknown }[] = [];
      (window as unknown as Record<string, unknown>)[`events_${id}`] = log;
      for (const type of ['play', 'playing', 'pause', 'timeupdate', 'loadedmetadata', 'ended', 'seeked', 'volumechange', 'error', 'spk-source', 'spk-ready', 'spk-p2p-stats']) {
        player.addEventListener(type, (event) => {
          const detail = (event as CustomEvent).detail as unknown;
          log.push({ type, detail: detail === undefined ? null : JSON.parse(JSON.stringify(detail)) });
        });
      }
      if (p2pOptions) (player as HTMLElement & { p2pOptions: unknown }).p2pOptions = p2pOptions;
      for (const [name, value] of Object.entries(attributes)) player.setAttribute(name, value);
      if (before) {
        const spacer = document.createElement('div');
        spacer.className = before;
        document.body.append(spacer);
      }
      document.body.append(player);
    },
    { id, attributes, p2pOptions: options.p2pOptions, before: options.before },
  );
  return `#${id}`;
}

export interface RecordedEvent {
  type: string;
  detail: unknown;
}

export function events(page: Page, id = 'player'): Promise<RecordedEvent[]> {
  return page.evaluate((id) => (window as unknown as Record<string, RecordedEvent[]>)[`events_${id}`] ?? [], id);
}

/** Waits (bounded) until the element reaches `state`; on timeout the error names what it showed instead. */
export async function waitForState(page: Page, selector: string, state: string, timeout = 30_000): Promise<void> {
  try {
    await page.waitForFunction(
      ({ selector, state }) => document.querySelector(selector)?.getAttribute('state') === state,
      { selector, state },
      { timeout },
    );
  } catch (error) {
    const shown = await page.evaluate((selector) => {
      const element = document.querySelector(selector);
      return `${element?.getAttribute('state')}: ${element?.shadowRoot?.querySelector('.error')?.textContent ?? ''}`;
    }, selector);
    throw new Error(`${selector} did not reach state "${state}" (it is ${shown})`, { cause: error });
  }
}

export function waitForTime(page: Page, selector: string, seconds: number, timeout = 30_000): Promise<unknown> {
  return page.waitForFunction(
    ({ selector, seconds }) => ((document.querySelector(selector) as unknown as { currentTime: number } | null)?.currentTime ?? 0) > seconds,
    { selector, seconds },
    { timeout },
  );
}

/** Text of the element's error overlay, or null when none is shown. */
export function errorText(page: Page, selector: string): Promise<{ title: string; detail: string; retry: boolean; role: string | null } | null> {
  return page.evaluate((selector) => {
    const overlay = document.querySelector(selector)?.shadowRoot?.querySelector('[part="error"]');
    if (!overlay) return null;
    return {
      title: overlay.querySelector('[part="error-title"]')?.textContent ?? '',
      detail: overlay.querySelector('[part="error-detail"]')?.textContent ?? '',
      retry: overlay.querySelector('[part="retry"]') !== null,
      role: overlay.getAttribute('role'),
    };
  }, selector);
}

/** A loopback port nothing listens on (reserved, then released), for a gateway that is down. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
