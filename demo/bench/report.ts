/** Writes the benchmark's outputs: swarm.json, swarm.md (tables) and swarm.png (uPlot, rendered in Chromium). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { SwarmSummary } from './summarize.js';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;

export function markdownReport(s: SwarmSummary): string {
  const settings = s.settings;
  const lines = [
    `### Swarm benchmark: ${s.viewers} viewers (${s.generatedAt})`,
    '',
    `Command: \`${s.command}\`  `,
    `Settings: ${s.viewers} viewers joining ${settings.joinGapMs / 1000} s apart, rendition ${settings.pinHeight ? `pinned to ${settings.pinHeight}p` : 'chosen by ABR'}, playback rate ${settings.rate}, CDN latency ${settings.latencyMs} ms and ${((settings.bandwidthBytesPerSec * 8) / 1e6).toFixed(1)} Mbit/s per connection, plugin cdnFallbackDelay ${settings.cdnFallbackDelay ?? 'default'}.  `,
    `Machine: ${s.machine.cores} cores, load average ${s.machine.loadAvgBefore.join(' / ')} before the run; CPU busy ${s.cpu.p2p.busyPercent ?? 'n/a'} % during the P2P run, ${s.cpu.baseline.busyPercent ?? 'n/a'} % during the baseline; ${s.machine.chromium}.`,
    '',
    '| Measure | Target | Result | |',
    '| --- | --- | --- | --- |',
    ...s.targets.map((check) => `| ${check.name} | ${check.target} | ${check.value} | ${check.met ? 'met' : '**missed**'} |`),
    '',
    '| Figure | P2P on | P2P off (baseline) |',
    '| --- | --- | --- |',
    `| Media bytes played (all viewers) | ${mb(s.mediaBytes)} | |`,
    `| From peers / from CDN (player side) | ${pct(s.p2pRatio)} / ${pct(1 - s.p2pRatio)} | 0 % / 100 % |`,
    `| Least possible CDN bytes / best P2P ratio | ${mb(s.minimalCdnBytes)} / ${pct(s.theoreticalBest)} | |`,
    `| CDN bytes served (server side) | ${mb(s.cdnBytes.p2p)} | ${mb(s.cdnBytes.baseline)} |`,
    `| CDN bytes saved | ${mb(s.cdnBytesSaved.bytes)} (${pct(s.cdnBytesSaved.fraction)}) | |`,
    `| Time to first frame, median (mean) | ${ms(s.ttffMs.p2p)} (${ms(s.ttffMs.p2pMean)}) | ${ms(s.ttffMs.baseline)} (${ms(s.ttffMs.baselineMean)}) |`,
    `| Stalls (total time) | ${s.stalls.p2p.count} (${s.stalls.p2p.totalMs} ms) | ${s.stalls.baseline.count} (${s.stalls.baseline.totalMs} ms) |`,
    `| Peer discovery, median / max of joiners (from plugin start) | ${ms(s.discoveryMs.p50)} / ${ms(s.discoveryMs.max)} | |`,
    `| … relative to the first segment's arrival (negative: before it) | ${ms(s.discoveryMs.afterFirstSegment.p50)} / ${ms(s.discoveryMs.afterFirstSegment.max)} | |`,
    `| P2P segment latency p50 / p95 (${s.latencyMs.p2p.segments} segments) | ${ms(s.latencyMs.p2p.p50)} / ${ms(s.latencyMs.p2p.p95)} | |`,
    `| CDN segment latency p50 / p95 | ${ms(s.latencyMs.cdn.p50)} / ${ms(s.latencyMs.cdn.p95)} (${s.latencyMs.cdn.segments} segments) | ${ms(s.latencyMs.baselineCdn.p50)} / ${ms(s.latencyMs.baselineCdn.p95)} (${s.latencyMs.baselineCdn.segments} segments) |`,
    `| Plugin CDN fallbacks (late P2P) | ${s.cdnFallbacks} | |`,
    `| Peer bytes checked against / peer segments checked, verified, rejected | ${s.verification.sources.join(', ')} / ${s.verification.peerChecked}, ${s.verification.peerVerified}, ${s.verification.peerRejected} | |`,
    `| Fallback after the serving peer dies | ${s.fallback ? `${ms(s.fallback.fallbackMs)} to CDN request, ${ms(s.fallback.deliveredMs)} to segment in hand (${s.fallback.note})` : 'not measured'} | |`,
    `| Renditions played | ${s.renditions.p2p.map((h) => `${h}p`).join(', ')} | ${s.renditions.baseline.map((h) => `${h}p`).join(', ')} |`,
    `| Wall time | ${(s.wallMs.p2p / 1000).toFixed(0)} s | ${(s.wallMs.baseline / 1000).toFixed(0)} s |`,
    '',
  ];
  if (s.errors.length > 0 || s.unfinishedViewers > 0) {
    lines.push(`Problems: ${s.unfinishedViewers} viewer(s) did not finish; ${s.errors.length} error(s): ${s.errors.slice(0, 5).join('; ')}`, '');
  }
  return lines.join('\n');
}

export async function writeOutputs(outDir: string, summary: SwarmSummary): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'swarm.json');
  const markdown = join(outDir, 'swarm.md');
  await writeFile(json, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(markdown, markdownReport(summary));
  return { json, markdown };
}

/** Renders the report page (uPlot) in the benchmark's own browser and saves the chart as PNG. */
export async function renderChart(browser: Browser, reportPageUrl: string, file: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 920, height: 720 } });
  try {
    const page = await context.newPage();
    await page.goto(reportPageUrl);
    await page.waitForFunction(() => window.spkChartReady === true || window.spkChartError !== undefined, undefined, { timeout: 15_000 });
    const error = await page.evaluate(() => window.spkChartError);
    if (error) throw new Error(`chart page failed: ${error}`);
    await page.locator('main').screenshot({ path: file });
  } finally {
    await context.close();
  }
}

declare global {
  interface Window {
    spkChartReady?: boolean;
    spkChartError?: string;
  }
}
