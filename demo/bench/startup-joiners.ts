/**
 * `node --import tsx demo/bench/startup-joiners.ts [rounds] [variants]`: what the viewers who
 * join third and fourth pay for P2P. Each round opens four `<spk-player>` viewers of one variant
 * 1.5 s apart (as bench:startup does) and records, for the third and fourth, their time to first
 * frame and what the earlier tabs spent meanwhile: their main-thread time (Performance.getMetrics)
 * and the CPU time of every browser process (SystemInfo.getProcessInfo). Variants alternate in
 * order from round to round, so drift in the machine's load falls on all of them alike.
 * Variants: off, on (defaults), noramp / ramp / ramp30 / ramp40 (tuning.prefetchRamp 0 / 10 / 30 / 40),
 * nocache (persistentCache false).
 * Prints the mean per round of each figure.
 */
import type { CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../test-support/browser.js';
import { startLocalStack } from './local-stack.js';
import { STARTUP_PROBE_SCRIPT } from './startup-probe.js';
import { delay, waitUntil } from './poll.js';

const VIEWERS = 4;
const JOIN_GAP_MS = 1500;
const MEASURED_FROM = 3;
const VARIANTS: Record<string, { p2p: 'on' | 'off'; query?: Record<string, string> }> = {
  off: { p2p: 'off' },
  on: { p2p: 'on' },
  ramp: { p2p: 'on', query: { p2pOptions: JSON.stringify({ tuning: { prefetchRamp: 10 } }) } },
  ramp30: { p2p: 'on', query: { p2pOptions: JSON.stringify({ tuning: { prefetchRamp: 30 } }) } },
  ramp40: { p2p: 'on', query: { p2pOptions: JSON.stringify({ tuning: { prefetchRamp: 40 } }) } },
  noramp: { p2p: 'on', query: { p2pOptions: JSON.stringify({ tuning: { prefetchRamp: 0 } }) } },
  nocache: { p2p: 'on', query: { p2pOptions: JSON.stringify({ persistentCache: false }) } },
};
const PAGE_METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'TaskOtherDuration'];

const rounds = Number(process.argv[2] ?? 6);
const chosen = (process.argv[3] ?? 'off,on,ramp').split(',');
for (const name of chosen) if (!VARIANTS[name]) throw new Error(`unknown variant ${name}; one of ${Object.keys(VARIANTS).join(', ')}`);

const stack = await startLocalStack({ latencyMs: 40, bandwidthBytesPerSec: 2_500_000 });
const browser = await launchChromium();
try {
  const browserCdp = await browser.newBrowserCDPSession();
  const processCpu = async () => {
    const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo')) as unknown as { processInfo: { type: string; id: number; cpuTime: number }[] };
    return new Map(processInfo.map((p) => [`${p.type}:${p.id}`, p.cpuTime]));
  };
  const pageMetrics = async (cdp: CDPSession) => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as unknown as { metrics: { name: string; value: number }[] };
    return new Map(metrics.filter((m) => PAGE_METRICS.includes(m.name)).map((m) => [m.name, m.value]));
  };
  const totals = new Map<string, Map<string, number>>();
  const add = (variant: string, key: string, value: number) => {
    const figures = totals.get(variant) ?? new Map<string, number>();
    figures.set(key, (figures.get(key) ?? 0) + value);
    totals.set(variant, figures);
  };
  let viewerCount = 0;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? chosen : [...chosen].reverse()) {
      const variant = VARIANTS[name] as (typeof VARIANTS)[string];
      const open: { page: Page; cdp: CDPSession }[] = [];
      const start = Date.now();
      try {
        for (let position = 1; position <= VIEWERS; position++) {
          const wait = start + (position - 1) * JOIN_GAP_MS - Date.now();
          if (wait > 0) await delay(wait);
          const cpuBefore = await processCpu();
          const earlierBefore = await Promise.all(open.map((viewer) => pageMetrics(viewer.cdp)));
          const context = await browser.newContext({ viewport: { width: 640, height: 400 } });
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          await cdp.send('Performance.enable');
          await page.addInitScript(STARTUP_PROBE_SCRIPT);
          const query = new URLSearchParams({ src: stack.manifestUrl(`joiner-${viewerCount++}`), cid: stack.cid, signal: stack.signal.signalUrl, p2p: variant.p2p, ...variant.query });
          await page.goto(`${stack.cdn.url}/startup/element.html?${query}`, { waitUntil: 'commit' });
          const firstFrame = await waitUntil(() => page.evaluate(() => window.spkStartup?.firstFrame), 30_000, `viewer ${position}'s first frame`, 50);
          if (position >= MEASURED_FROM) {
            add(name, `ttff of viewer ${position} (ms)`, firstFrame);
            for (const [key, cpu] of await processCpu()) add(name, `${key.split(':')[0]} CPU (s)`, cpu - (cpuBefore.get(key) ?? 0));
            const earlierAfter = await Promise.all(open.map((viewer) => pageMetrics(viewer.cdp)));
            earlierAfter.forEach((after, i) => {
              for (const metric of PAGE_METRICS) add(name, `earlier tabs ${metric} (s)`, (after.get(metric) ?? 0) - (earlierBefore[i]?.get(metric) ?? 0));
            });
          }
          open.push({ page, cdp });
        }
      } finally {
        await Promise.all(open.map((viewer) => viewer.page.context().close().catch(() => {})));
      }
      await delay(1000);
    }
  }
  console.log(`${rounds} rounds per variant, viewers ${MEASURED_FROM}-${VIEWERS} measured; mean per round:`);
  for (const [name, figures] of totals) {
    console.log(`\n${name}`);
    for (const [key, sum] of [...figures].sort()) console.log(`  ${key}: ${(sum / rounds).toFixed(key.includes('(ms)') ? 0 : 3)}`);
  }
} finally {
  await browser.close();
  await stack.close();
}
