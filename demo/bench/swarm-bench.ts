/**
 * `npm run bench:swarm`: N headless Chromium viewers play the sample video through the local
 * CDN with P2P on, then again with P2P off (the baseline), then one peer is killed mid-transfer;
 * writes bench-results/swarm.{json,md,png}. Run with `--help` for the options.
 */
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { launchChromium } from '../test-support/browser.js';
import { parseArgs, runFromCommandLine, type BenchSettings } from './args.js';
import { measureFallback, type FallbackResult } from './fallback.js';
import { missingBuildOutputs, startLocalStack } from './local-stack.js';
import { renderChart, writeOutputs, markdownReport } from './report.js';
import { runPhase, warmUp } from './run-swarm.js';
import { summarize, type SwarmSummary } from './summarize.js';
import { mixMarkdown, summarizeMix, type MixSummary } from './mix.js';
import { writeFile } from 'node:fs/promises';

export async function runSwarmBench(settings: BenchSettings, command: string, log: (line: string) => void = console.log): Promise<SwarmSummary> {
  const missing = missingBuildOutputs();
  if (missing.length > 0) throw new Error(`build outputs missing (run npm run build): ${missing.join(', ')}`);
  const outDir = resolve(settings.outDir);
  const loadAvgBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const startedAt = Date.now();
  const stack = await startLocalStack({
    latencyMs: settings.latencyMs,
    bandwidthBytesPerSec: settings.bandwidthBytesPerSec,
    staticDirs: { '/bench-results': outDir, ...(settings.pluginDist ? { '/vendor/videojs-spk-p2p': resolve(settings.pluginDist) } : {}) },
  });
  const browser = await launchChromium();
  try {
    // Long enough for the video at this rate, plus a generous margin for start-up and stalls.
    const playTimeoutMs = (60_000 / settings.rate) * 2 + 30_000;
    const phase = { viewers: settings.viewers, joinGapMs: settings.joinGapMs, pinHeight: settings.pinHeight, rate: settings.rate, playTimeoutMs, log, ...(settings.cdnFallbackDelay !== undefined ? { cdnFallbackDelay: settings.cdnFallbackDelay } : {}) };
    log('Warm-up: one unmeasured viewer…');
    await warmUp(browser, stack, phase);
    log(`P2P on: ${settings.viewers} viewers…`);
    const p2p = await runPhase(browser, stack, { ...phase, name: 'p2p', p2p: true });
    let mix: MixSummary | null = null;
    if (settings.mix !== 'none') {
      log(`P2P on, mixed audience (every other viewer hls.js + p2p-media-loader-hlsjs, ${settings.mix}): ${settings.viewers} viewers…`);
      mix = summarizeMix(p2p, await runPhase(browser, stack, { ...phase, name: 'mixed', p2p: true, mix: settings.mix }));
    }
    log(`P2P off (baseline): ${settings.viewers} viewers…`);
    const baseline = await runPhase(browser, stack, { ...phase, name: 'baseline', p2p: false });
    let fallback: FallbackResult | null = null;
    let fallbackWallMs: number | null = null;
    if (settings.fallback) {
      log('Fallback: killing the serving peer mid-transfer…');
      const fallbackStart = Date.now();
      try {
        fallback = await measureFallback(browser, stack, { pinHeight: settings.pinHeight, ...(settings.cdnFallbackDelay !== undefined ? { cdnFallbackDelay: settings.cdnFallbackDelay } : {}) });
      } catch (error) {
        fallback = { fallbackMs: null, deliveredMs: null, segment: null, bytesBeforeSilence: 0, stallsAfter: 0, note: `failed: ${String(error)}` };
      }
      fallbackWallMs = Date.now() - fallbackStart;
    }
    const summary = summarize({
      settings,
      command,
      chromium: `Chromium ${browser.version()}`,
      loadAvgBefore,
      p2p,
      baseline,
      fallback,
      fallbackWallMs,
      totalWallMs: Date.now() - startedAt,
    });
    const written = await writeOutputs(outDir, summary);
    const png = resolve(outDir, 'swarm.png');
    await renderChart(browser, `${stack.cdn.url}/bench-report.html?data=/bench-results/swarm.json`, png);
    log(`\n${markdownReport(summary)}`);
    if (mix) {
      const mixJson = resolve(outDir, 'swarm-mix.json');
      const mixMd = resolve(outDir, 'swarm-mix.md');
      await writeFile(mixJson, `${JSON.stringify(mix, null, 2)}\n`);
      await writeFile(mixMd, `${mixMarkdown(mix)}\n`);
      log(`\n${mixMarkdown(mix)}`);
      log(`Wrote ${mixJson}, ${mixMd}`);
    }
    log(`Wrote ${written.json}, ${written.markdown}, ${png}`);
    return summary;
  } finally {
    await browser.close().catch(() => {});
    await stack.close();
  }
}

runFromCommandLine(import.meta, 'bench:swarm', parseArgs, runSwarmBench);
