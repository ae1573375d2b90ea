import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import { existsSync } from 'node:fs';

/** Debian's Chromium (or $CHROME_PATH): Playwright cannot download its own browsers here. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
  if (!found) {
    throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROME_PATH.');
  }
  return found;
}

/**
 * Flags for a closed, loopback-only machine running as root: no sandbox, no background
 * traffic, real host ICE candidates (not mDNS names) so separate processes and Node peers
 * can connect, and autoplay without a user gesture.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Keep background tabs' timers and renderers at full speed, unlike a real browser. */
const NO_BACKGROUND_THROTTLING = new Set(['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows']);

/**
 * `throttleBackground: true` gives a browser that throttles hidden tabs as people's browsers do,
 * for tests of what a tab in the background goes through.
 */
export function launchChromium(options: LaunchOptions & { throttleBackground?: boolean } = {}): Promise<Browser> {
  const { throttleBackground = false, ...launch } = options;
  const base = throttleBackground ? chromiumArgs.filter((arg) => !NO_BACKGROUND_THROTTLING.has(arg)) : chromiumArgs;
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    ...launch,
    args: [...base, ...(launch.args ?? [])],
  });
}
