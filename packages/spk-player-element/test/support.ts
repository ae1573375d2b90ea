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

export async function startFixture(options: { latencyMs?: number } = {}): Promise<Fixture> {
  if (!existsSync(join(DIST_DIR, 'spk-player.js'))) {
    throw new Error('packages/spk-player-element/dist is missing: run `npm run build` first');
  }
  const cdn = await startCdn({ staticDirs: { '/pkg': DIST_DIR, '/pages': PAGES_DIR }, ...options });
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
  (page as Page & { pageErrors?: string[] }).pageErrors = errors;
  await page.goto(`${fixture.cdn.url}${path}`);
  await page.waitForFunction(() => customElements.get('spk-player') !== undefined, undefined, { timeout: 10_000 });
  return page;
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { pageErrors?: string[] }).pageErrors ?? [];
}
