/**
 * `node --import tsx demo/bench/startup-trace.ts <page kind> [p2p on|off]`: one viewer of one
 * start-up page with the local CDN shaped as in the start-up benchmark, printing its phase
 * marks, its resource timeline and where the main thread spent its time before the first frame
 * (a CPU profile through CDP), to find what to cut.
 */
import type { Page } from 'playwright-core';
import { launchChromium } from '../test-support/browser.js';
import { REPO_ROOT, startLocalStack } from './local-stack.js';
import { join } from 'node:path';
import { STARTUP_PROBE_SCRIPT } from './startup-probe.js';
import { waitUntil } from './poll.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

async function main(): Promise<void> {
  const [kind = 'videojs', p2p = 'on'] = process.argv.slice(2);
  const stack = await startLocalStack({ latencyMs: 40, bandwidthBytesPerSec: 2_500_000, staticDirs: { '/vendor/hls.js': join(REPO_ROOT, 'node_modules', 'hls.js', 'dist') } });
  const browser = await launchChromium();
  try {
    const open = async (): Promise<Page> => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(STARTUP_PROBE_SCRIPT);
      return page;
    };
    const url = (clientId: string) =>
      `${stack.cdn.url}/startup/${kind}.html?${new URLSearchParams({ src: stack.manifestUrl(clientId), cid: stack.cid, signal: stack.signal.signalUrl, p2p })}`;
    // Warm-up.
    const warm = await open();
    await warm.goto(url('warm'));
    await waitUntil(() => warm.evaluate(() => window.spkStartup?.firstFrame), 30_000, 'warm-up first frame');
    await warm.context().close();
    const page = await open();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
    await page.goto(url('traced'), { waitUntil: 'commit' });
    const firstFrame = await waitUntil(() => page.evaluate(() => window.spkStartup?.firstFrame), 30_000, 'first frame');
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    const data = await page.evaluate(() => ({
      marks: window.spkStartup,
      origin: performance.timeOrigin,
      entries: performance.getEntriesByType('resource').map((e) => {
        const t = e as PerformanceResourceTiming;
        return `${Math.round(t.startTime)}→${Math.round(t.responseStart)}→${Math.round(t.responseEnd)} ${new URL(t.name).pathname.slice(-60)}`;
      }),
    }));
    console.log('first frame', Math.round(firstFrame));
    console.log(JSON.stringify(data.marks));
    for (const line of data.entries) console.log(line);
    // Self time per function, counted in 50 ms windows of page time.
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const windows = new Map<number, Map<string, number>>();
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      const node = byId.get(profile.samples[i] as number);
      if (!node) continue;
      const name = node.callFrame.functionName || '(anon)';
      if (name === '(idle)' || name === '(program)') continue;
      // Profiler time counts from Profiler.start, before navigation: align it by a known mark (e.g. window.Worker).
      const at = Math.floor((t - profile.startTime) / 1000 / 50) * 50;
      const label = `${name} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`;
      const bucket = windows.get(at) ?? new Map<string, number>();
      bucket.set(label, (bucket.get(label) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
      windows.set(at, bucket);
    }
    for (const [at, bucket] of [...windows.entries()].sort((a, b) => a[0] - b[0])) {
      const total = [...bucket.values()].reduce((a, b) => a + b, 0);
      const top = [...bucket.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v.toFixed(1)}`);
      console.log(`${at}ms busy ${total.toFixed(0)}: ${top.join(' | ')}`);
    }
  } finally {
    await browser.close();
    await stack.close();
  }
}

await main();
