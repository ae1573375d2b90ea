/**
 * `npm run bench:longtail`: a video with one viewer at a time. Viewers arrive one after another,
 * each starting once the one before has ended, on the swarm benchmark's CDN shaping and a
 * CID-only copy of the sample (as real uploads are). Four runs in one process:
 *   1. baseline: P2P off, the TTFF and stall reference;
 *   2. no seeder: P2P on, nobody to share with;
 *   3. seeder: a real `spk-seeder` process, filled from its own gateway client on the same CDN;
 *   4. returning: the viewers of run 2 come back in their own browser profiles (IndexedDB kept),
 *      the seeder stopped, so their caches are all they have.
 * Writes bench-results/longtail.{json,md}. `--help` for the options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../test-support/browser.js';
import { cachedEntries } from '../test-support/persistent-cache.js';
import { cidOnlyMediaRoot } from '../media/cid-only.js';
import type { ViewerReport } from '../site/src/viewer-report.js';
import { startSeeder, type SeederProcess } from '../../packages/spk-seeder/test/seeder-process.js';
import { audienceFlags, DEFAULT_SETTINGS as SWARM_DEFAULTS, parseFlags, runFromCommandLine, type AudienceSettings } from './args.js';
import { readProcessUsage, startCpuMeter, type ProcessUsage } from './cpu.js';
import { missingBuildOutputs, startLocalStack, type LocalStack } from './local-stack.js';
import { openViewer, readReport, viewerQueryFor, waitForViewers, warmUp } from './run-swarm.js';
import { waitUntil } from './poll.js';
import { longtailMarkdown, longtailTargets, returningViewer, summarizeLongtailRun, type LongtailRun, type LongtailSummary, type SeederCost } from './longtail-summary.js';

type LongtailSettings = AudienceSettings;

const DEFAULTS: Readonly<LongtailSettings> = {
  viewers: 4,
  // Unused: each viewer starts when the one before has ended, so there is no --join-gap.
  joinGapMs: 0,
  latencyMs: SWARM_DEFAULTS.latencyMs,
  bandwidthBytesPerSec: SWARM_DEFAULTS.bandwidthBytesPerSec,
  pinHeight: SWARM_DEFAULTS.pinHeight,
  rate: 2,
  outDir: SWARM_DEFAULTS.outDir,
};

const USAGE = `Usage: npm run bench:longtail -- [options]
  --viewers N      viewers per run, one after another (default ${DEFAULTS.viewers})
  --latency MS     CDN latency per media response (default ${DEFAULTS.latencyMs})
  --bandwidth BPS  CDN cap per connection, bytes/s (default ${DEFAULTS.bandwidthBytesPerSec})
  --pin HEIGHT     rendition every viewer plays, 0 = ABR (default ${DEFAULTS.pinHeight})
  --rate R         playback rate (default ${DEFAULTS.rate})
  --out DIR        output folder (default ${DEFAULTS.outDir})`;

function parseLongtailArgs(argv: readonly string[]): LongtailSettings {
  const { '--join-gap': _noJoinGap, ...flags } = audienceFlags<LongtailSettings>();
  return parseFlags(argv, DEFAULTS, flags, USAGE);
}

const loadNow = () => loadavg().map((value) => Math.round(value * 100) / 100);

interface Watched {
  report: ViewerReport;
  /** What the CDN sent this viewer (its own client id), playlists included. */
  cdnBytes: number;
}

interface Audience {
  browser: Browser;
  stack: LocalStack;
  cid: string;
  settings: LongtailSettings;
  log: (line: string) => void;
}

/**
 * One viewer plays the video to its end, alone. With `keep`, its page closes only once the
 * persistent cache holds every segment it played (the cache writes after each segment is
 * played), so a later visit in `context` finds them.
 */
async function watchAlone(audience: Audience, clientId: string, p2p: boolean, context?: BrowserContext): Promise<Watched> {
  const { browser, stack, cid, settings, log } = audience;
  const query = viewerQueryFor(stack, { clientId, p2p, pinHeight: settings.pinHeight, rate: settings.rate, label: clientId, cid });
  const viewer = await openViewer(browser, stack, query, context ? { context } : {});
  try {
    await waitForViewers([{ viewer, deadline: Date.now() + (60_000 / settings.rate) * 2 + 30_000 }], log);
    const report = await readReport(viewer);
    if (context && p2p) {
      const played = new Set(report.segments.map((segment) => segment.url.slice(segment.url.lastIndexOf('/ipfs/')))).size;
      await waitUntil(async () => ((await cachedEntries(viewer.page, cid)).length >= played ? true : undefined), 15_000, `${clientId}'s cache to hold its ${played} segments`, 200);
    }
    return { report, cdnBytes: stack.cdn.bytesServed().byClient[clientId] ?? 0 };
  } finally {
    if (context) await viewer.page.close().catch(() => {});
    else await viewer.context.close().catch(() => {});
  }
}

async function runSequence(audience: Audience, name: string, p2p: boolean, contexts?: readonly BrowserContext[]): Promise<{ run: LongtailRun; watched: Watched[] }> {
  const meter = startCpuMeter();
  const startedAt = Date.now();
  const watched: Watched[] = [];
  for (let i = 0; i < audience.settings.viewers; i++) {
    const clientId = `${name}-${i + 1}`;
    const one = await watchAlone(audience, clientId, p2p, contexts?.[i]);
    audience.log(`  ${clientId}: TTFF ${one.report.ttffMs} ms, ${one.report.stats.segments.cdn} CDN / ${one.report.stats.segments.p2p} peer / ${one.report.stats.segments.cache} cache segments, ${one.report.stalls.length} stalls`);
    watched.push(one);
  }
  const run = summarizeLongtailRun({ name, viewers: watched.map((one) => one.report), cdnBytesByViewer: watched.map((one) => one.cdnBytes), cpu: meter(), wallMs: Date.now() - startedAt });
  return { run, watched };
}

export async function runLongtailBench(settings: LongtailSettings, command: string, log: (line: string) => void = console.log): Promise<LongtailSummary> {
  const missing = missingBuildOutputs();
  if (missing.length > 0) throw new Error(`build outputs missing (run npm run build): ${missing.join(', ')}`);
  const loadAvgBefore = loadNow();
  const media = await cidOnlyMediaRoot();
  const cacheDir = mkdtempSync(join(tmpdir(), 'spk-longtail-seeder-'));
  const stack = await startLocalStack({ latencyMs: settings.latencyMs, bandwidthBytesPerSec: settings.bandwidthBytesPerSec, media });
  const browser = await launchChromium();
  const returningContexts: BrowserContext[] = [];
  let seeder: SeederProcess | undefined;
  try {
    const audience: Audience = { browser, stack, cid: media.cid, settings, log };
    log('Warm-up: one unmeasured viewer…');
    await warmUp(browser, stack, { pinHeight: settings.pinHeight, rate: settings.rate });
    log(`Baseline (P2P off): ${settings.viewers} viewers, one after another…`);
    const baseline = await runSequence(audience, 'baseline', false);
    log(`No seeder (P2P on): ${settings.viewers} viewers, each in a profile it will come back to…`);
    for (let i = 0; i < settings.viewers; i++) returningContexts.push(await browser.newContext({ viewport: { width: 480, height: 320 } }));
    const alone = await runSequence(audience, 'no-seeder', true, returningContexts);

    log('Seeder: starting spk-seeder and waiting for it to hold the video…');
    const fillStart = Date.now();
    seeder = startSeeder(['--cid', media.cid, '--gateway', stack.cdn.clientUrl('seeder'), '--signal', stack.signal.signalUrl, '--cache-dir', cacheDir]);
    await seeder.waitForLog((line) => line.msg === 'video cached', 'that the video is cached', 120_000);
    const fillMs = Date.now() - fillStart;
    // The seeder's own count: playlists, segments and the IPFS blocks its checks need.
    const fillBytes = (await seeder.metrics()).spk_seeder_gateway_bytes_total ?? 0;
    const pid = seeder.child.pid;
    if (pid === undefined) throw new Error('spk-seeder has no process id');
    const before: ProcessUsage | null = readProcessUsage(pid);
    const uploadedBefore = (await seeder.metrics()).spk_seeder_uploaded_bytes_total ?? 0;
    log(`  filled: ${(fillBytes / 1e6).toFixed(2)} MB in ${(fillMs / 1000).toFixed(1)} s`);
    log(`With the seeder: ${settings.viewers} viewers, one after another…`);
    const seeded = await runSequence(audience, 'seeder', true);
    const after = readProcessUsage(pid);
    const uploadedBytes = ((await seeder.metrics()).spk_seeder_uploaded_bytes_total ?? 0) - uploadedBefore;
    const cpuMs = before && after ? after.cpuMs - before.cpuMs : 0;
    const seederCost: SeederCost = {
      fillBytes,
      fillMs,
      uploadedBytes,
      cpuMs,
      cpuMsPerMB: before && after && uploadedBytes > 0 ? cpuMs / (uploadedBytes / 1e6) : null,
      rssBytes: after?.rssBytes ?? 0,
      peakRssBytes: after?.peakRssBytes ?? 0,
    };
    await seeder.stop();
    seeder = undefined;

    log(`Returning: the ${settings.viewers} viewers of the no-seeder run come back, seeder stopped…`);
    const returning = await runSequence(audience, 'returning', true, returningContexts);
    const firstVisits = alone.watched.map((one) => one.report);
    const rewatch = returning.watched.map((one, i) => returningViewer(firstVisits[i] as ViewerReport, one.report, one.cdnBytes));
    const returningSummary = {
      firstVisitSegments: rewatch.reduce((sum, one) => sum + one.firstVisitSegments, 0),
      refetchedFromCdn: rewatch.flatMap((one, i) => one.refetchedFromCdn.map((segment) => `viewer ${i + 1}: ${segment}`)),
      secondVisit: {
        cache: rewatch.reduce((sum, one) => sum + one.secondVisit.cache, 0),
        cdn: rewatch.reduce((sum, one) => sum + one.secondVisit.cdn, 0),
        p2p: rewatch.reduce((sum, one) => sum + one.secondVisit.p2p, 0),
      },
      secondVisitCdnBytes: rewatch.reduce((sum, one) => sum + one.secondVisitCdnBytes, 0),
    };

    const runs = [baseline.run, alone.run, seeded.run, returning.run];
    const summary: LongtailSummary = {
      version: 1,
      generatedAt: new Date().toISOString(),
      command,
      settings,
      machine: { cores: cpus().length, loadAvgBefore, loadAvgAfter: loadNow(), chromium: `Chromium ${browser.version()}` },
      runs,
      seeder: seederCost,
      returning: returningSummary,
      targets: longtailTargets(runs, returningSummary),
    };
    const outDir = resolve(settings.outDir);
    await mkdir(outDir, { recursive: true });
    const report = longtailMarkdown(summary);
    await writeFile(join(outDir, 'longtail.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(outDir, 'longtail.md'), `${report}\n`);
    log(`\n${report}\n\nWrote ${join(outDir, 'longtail.json')} and longtail.md`);
    return summary;
  } finally {
    await seeder?.stop();
    await Promise.all(returningContexts.map((context) => context.close().catch(() => {})));
    await browser.close().catch(() => {});
    await stack.close();
    rmSync(media.root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

runFromCommandLine(import.meta, 'bench:longtail', parseLongtailArgs, runLongtailBench);
