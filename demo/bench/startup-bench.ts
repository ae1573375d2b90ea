/**
 * `npm run bench:startup`: time to first frame, from navigation start, of `<spk-player>` (one
 * script tag, P2P on and off), a Video.js + spkP2p UMD page, and a plain hls.js page as the
 * reference, in one run against the same media and the same CDN shaping. Each round opens
 * `--viewers` fresh browser contexts per page kind, `--join-gap` apart, so later viewers join
 * while the earlier ones play (and, with P2P on, are their peers). Writes
 * bench-results/startup.{json,md}. Run with `--help` for the options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { launchChromium } from '../test-support/browser.js';
import { parseFlags, runFromCommandLine } from './args.js';
import { missingBuildOutputs, REPO_ROOT, SITE_DIR, startLocalStack, type LocalStack } from './local-stack.js';
import { delay, waitUntil } from './poll.js';
import { STARTUP_PROBE_SCRIPT } from './startup-probe.js';
import { percentile, phasesOf, type ResourceEntry, type ViewerStartup } from './startup-phases.js';

interface StartupSettings {
  viewers: number;
  rounds: number;
  joinGapMs: number;
  latencyMs: number;
  bandwidthBytesPerSec: number;
  outDir: string;
  /** Only the page kinds whose name contains this (hls.js always runs: it is the reference). */
  only: string | undefined;
  /** Other builds of the element (label → dist folder), measured in the same run beside this one. */
  elementDists: Record<string, string>;
}

const USAGE = `npm run bench:startup -- [options]
  --viewers N      viewers per page kind and round (default 4)
  --rounds N       rounds (default 5)
  --join-gap MS    between viewers of one round (default 1500)
  --latency MS     CDN latency per media response (default 40)
  --bandwidth B/S  CDN cap per media response (default 2500000)
  --out DIR        output folder (default bench-results)
  --only TEXT      only the page kinds whose name contains TEXT, besides hls.js
  --element-dist LABEL=DIR  also measure the element build in DIR (e.g. one made before a change),
                   P2P on and off, in the same rounds; repeatable`;

const STARTUP_DEFAULTS: Readonly<StartupSettings> = { viewers: 4, rounds: 5, joinGapMs: 1500, latencyMs: 40, bandwidthBytesPerSec: 2_500_000, outDir: 'bench-results', only: undefined, elementDists: {} };

function parseStartupArgs(argv: readonly string[]): StartupSettings {
  // A fresh elementDists: the handlers add to it.
  return parseFlags<StartupSettings>(argv, { ...STARTUP_DEFAULTS, elementDists: {} }, {
    '--viewers': (s, v) => { s.viewers = Math.floor(v.number(1)); },
    '--rounds': (s, v) => { s.rounds = Math.floor(v.number(1)); },
    '--join-gap': (s, v) => { s.joinGapMs = v.number(0); },
    '--latency': (s, v) => { s.latencyMs = v.number(0); },
    '--bandwidth': (s, v) => { s.bandwidthBytesPerSec = v.number(0); },
    '--out': (s, v) => { s.outDir = v.text(); },
    '--only': (s, v) => { s.only = v.text(); },
    '--element-dist': (s, v) => {
      const value = v.text();
      const at = value.indexOf('=');
      if (!/^[a-z0-9-]+=./.test(value)) throw new Error(`--element-dist takes LABEL=DIR\n${USAGE}`);
      s.elementDists[value.slice(0, at)] = value.slice(at + 1);
    },
  }, USAGE);
}

interface Variant {
  name: string;
  page: string;
  p2p: boolean;
}

const HLSJS = 'hls.js';
const VARIANTS: readonly Variant[] = [
  { name: HLSJS, page: 'startup/hlsjs.html', p2p: false },
  { name: 'spk-player P2P on', page: 'startup/element.html', p2p: true },
  { name: 'spk-player P2P off', page: 'startup/element.html', p2p: false },
  { name: 'Video.js + spkP2p UMD', page: 'startup/videojs.html', p2p: true },
];

const FIRST_FRAME_TIMEOUT_MS = 30_000;

function pageUrl(stack: LocalStack, variant: Variant, clientId: string): string {
  const query = new URLSearchParams({
    src: stack.manifestUrl(clientId),
    cid: stack.cid,
    signal: stack.signal.signalUrl,
    p2p: variant.p2p ? 'on' : 'off',
  });
  return `${stack.cdn.url}/${variant.page}?${query}`;
}

interface OpenPage {
  page: Page;
  close(): Promise<void>;
  errors: string[];
  /** Every finished request of the page and its workers, as the network saw it (epoch ms). */
  network: Promise<NetworkEntry>[];
}

interface NetworkEntry {
  url: string;
  range: string | undefined;
  start: number;
  firstByte: number;
  end: number;
  bytes: number;
}

async function networkEntry(request: Request): Promise<NetworkEntry> {
  const timing = request.timing();
  const sizes = await request.sizes().catch(() => ({ responseBodySize: 0 }));
  const at = (offset: number) => (offset >= 0 ? timing.startTime + offset : timing.startTime);
  return { url: request.url(), range: request.headers()['range'], start: timing.startTime, firstByte: at(timing.responseStart), end: at(timing.responseEnd), bytes: sizes.responseBodySize };
}

async function openPage(browser: Browser, url: string): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: 640, height: 400 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // Page-side resource timing misses requests made by workers (the early fetch runs in one).
  const network: Promise<NetworkEntry>[] = [];
  page.on('requestfinished', (request) => network.push(networkEntry(request)));
  await page.addInitScript(STARTUP_PROBE_SCRIPT);
  // No wait for `load`: the viewer is measured from navigation start by the page itself.
  await page.goto(url, { waitUntil: 'commit' });
  return { page, errors, network, close: () => context.close().catch(() => {}) };
}

async function firstFrameOf(open: OpenPage): Promise<void> {
  await waitUntil(
    async () => {
      if (open.errors.length > 0) throw new Error(`page error: ${open.errors.join('; ')}`);
      const at = await open.page.evaluate(() => window.spkStartup?.firstFrame).catch(() => undefined);
      return at === undefined ? undefined : true;
    },
    FIRST_FRAME_TIMEOUT_MS,
    'the first frame',
    50,
  );
}

async function readViewer(open: OpenPage, variant: Variant, round: number, position: number): Promise<ViewerStartup> {
  const data = await open.page.evaluate(() => ({ marks: window.spkStartup ?? {}, timeOrigin: performance.timeOrigin }));
  const entries: ResourceEntry[] = (await Promise.all(open.network)).map((entry) => ({
    name: entry.url,
    range: entry.range,
    startTime: entry.start - data.timeOrigin,
    responseStart: entry.firstByte - data.timeOrigin,
    responseEnd: entry.end - data.timeOrigin,
    encodedBodySize: entry.bytes,
  }));
  return { variant: variant.name, round, position, errors: [...open.errors], ...phasesOf(data.marks, entries.sort((a, b) => a.startTime - b.startTime)) };
}

/** One page kind's viewers for one round: they join `joinGapMs` apart and all stay open until the last one's first frame. */
async function runGroup(browser: Browser, stack: LocalStack, variant: Variant, round: number, settings: StartupSettings): Promise<ViewerStartup[]> {
  const opened: OpenPage[] = [];
  const waits: Promise<void>[] = [];
  try {
    const start = Date.now();
    for (let position = 0; position < settings.viewers; position++) {
      const wait = start + position * settings.joinGapMs - Date.now();
      if (wait > 0) await delay(wait);
      const clientId = `r${round}-${variant.name.replace(/[^a-z0-9]+/gi, '-')}-${position + 1}`;
      const open = await openPage(browser, pageUrl(stack, variant, clientId));
      opened.push(open);
      waits.push(firstFrameOf(open).catch((error: unknown) => { open.errors.push(String(error)); }));
    }
    await Promise.all(waits);
    // Requests still in flight at the first frame get their timing entry when they end.
    await delay(300);
    const results: ViewerStartup[] = [];
    for (const [position, open] of opened.entries()) results.push(await readViewer(open, variant, round, position + 1));
    return results;
  } finally {
    await Promise.all(opened.map((open) => open.close()));
  }
}

interface VariantSummary {
  name: string;
  samples: number;
  failed: number;
  medianMs: number | null;
  p95Ms: number | null;
  meanMs: number | null;
  medianRatio: number | null;
  p95Ratio: number | null;
  /** Median over rounds of this page's round median ÷ hls.js's median in the same round: the machine's load changes from round to round, and this ratio cancels most of it. */
  pairedMedianRatio: number | null;
  byPosition: (number | null)[];
  mediaRequests: number | null;
  mediaBytes: number | null;
  duplicateRequests: number;
  phases: Record<string, number | null>;
}

const round1 = (value: number | null) => (value === null ? null : Math.round(value));

function pairedRatio(viewers: readonly ViewerStartup[], referenceViewers: readonly ViewerStartup[]): number | null {
  const medianOfRound = (list: readonly ViewerStartup[], round: number) =>
    percentile(list.filter((viewer) => viewer.round === round && viewer.ttffMs !== null).map((viewer) => viewer.ttffMs as number), 50);
  const rounds = [...new Set(viewers.map((viewer) => viewer.round))];
  const ratios = rounds.flatMap((round) => {
    const mine = medianOfRound(viewers, round);
    const reference = medianOfRound(referenceViewers, round);
    return mine !== null && reference ? [mine / reference] : [];
  });
  const median = percentile(ratios, 50);
  return median === null ? null : Math.round(median * 100) / 100;
}

function summarizeVariant(name: string, viewers: readonly ViewerStartup[], reference: { median: number | null; p95: number | null; viewers: readonly ViewerStartup[] }, positions: number): VariantSummary {
  const ok = viewers.filter((viewer) => viewer.ttffMs !== null && viewer.errors.length === 0);
  const ttff = ok.map((viewer) => viewer.ttffMs as number);
  const median = percentile(ttff, 50);
  const p95 = percentile(ttff, 95);
  const phaseNames = Object.keys(ok[0]?.phases ?? {});
  const phases: Record<string, number | null> = {};
  for (const phase of phaseNames) {
    phases[phase] = round1(percentile(ok.map((viewer) => viewer.phases[phase]).filter((value): value is number => value !== undefined), 50));
  }
  return {
    name,
    samples: ok.length,
    failed: viewers.length - ok.length,
    medianMs: round1(median),
    p95Ms: round1(p95),
    meanMs: ttff.length > 0 ? Math.round(ttff.reduce((a, b) => a + b, 0) / ttff.length) : null,
    medianRatio: median !== null && reference.median ? Math.round((median / reference.median) * 100) / 100 : null,
    p95Ratio: p95 !== null && reference.p95 ? Math.round((p95 / reference.p95) * 100) / 100 : null,
    pairedMedianRatio: pairedRatio(viewers, reference.viewers),
    byPosition: Array.from({ length: positions }, (_, i) => round1(percentile(ok.filter((viewer) => viewer.position === i + 1).map((viewer) => viewer.ttffMs as number), 50))),
    mediaRequests: percentile(ok.map((viewer) => viewer.mediaRequestsBeforeFirstFrame), 50),
    mediaBytes: percentile(ok.map((viewer) => viewer.mediaBytesBeforeFirstFrame), 50),
    duplicateRequests: ok.reduce((sum, viewer) => sum + viewer.duplicateRequests.length, 0),
    phases,
  };
}

function markdown(summaries: readonly VariantSummary[], settings: StartupSettings, header: string): string {
  const lines = [
    header,
    '',
    '| page | median TTFF | p95 TTFF | median ×hls.js | p95 ×hls.js | per-round median ×hls.js | mean | median by join position | media requests / bytes before first frame (median) | duplicates | samples (failed) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...summaries.map((s) =>
      `| ${s.name} | ${s.medianMs} ms | ${s.p95Ms} ms | ${s.medianRatio} | ${s.p95Ratio} | ${s.pairedMedianRatio} | ${s.meanMs} ms | ${s.byPosition.join(' / ')} | ${s.mediaRequests} / ${s.mediaBytes} B | ${s.duplicateRequests} | ${s.samples} (${s.failed}) |`,
    ),
    '',
    `Phases (median ms from navigation start, ${settings.viewers} viewers × ${settings.rounds} rounds):`,
    '',
    `| phase | ${summaries.map((s) => s.name).join(' | ')} |`,
    `|---|${summaries.map(() => '---').join('|')}|`,
    ...Object.keys(summaries[0]?.phases ?? {}).map((phase) => `| ${phase} | ${summaries.map((s) => s.phases[phase] ?? '–').join(' | ')} |`),
  ];
  return lines.join('\n');
}

export async function runStartupBench(settings: StartupSettings, log: (line: string) => void = console.log): Promise<VariantSummary[]> {
  const missing = missingBuildOutputs();
  if (missing.length > 0) throw new Error(`build outputs missing (run npm run build): ${missing.join(', ')}`);
  const loadBefore = loadavg().map((value) => value.toFixed(2)).join(' ');
  const stack = await startLocalStack({
    latencyMs: settings.latencyMs,
    bandwidthBytesPerSec: settings.bandwidthBytesPerSec,
    staticDirs: {
      '/vendor/hls.js': join(REPO_ROOT, 'node_modules', 'hls.js', 'dist'),
      // The page's relative script URL then resolves into the other build.
      ...Object.fromEntries(Object.entries(settings.elementDists).flatMap(([label, dir]) => [
        [`/alt/${label}/vendor/spk-player`, resolve(dir)],
        [`/alt/${label}/startup`, join(SITE_DIR, 'startup')],
      ])),
    },
  });
  const browser = await launchChromium();
  const alternates = Object.keys(settings.elementDists).flatMap((label): Variant[] => [
    { name: `spk-player ${label} P2P on`, page: `alt/${label}/startup/element.html`, p2p: true },
    { name: `spk-player ${label} P2P off`, page: `alt/${label}/startup/element.html`, p2p: false },
  ]);
  const variants = [...VARIANTS, ...alternates].filter((variant) => variant.name === HLSJS || settings.only === undefined || variant.name.includes(settings.only));
  try {
    // Chromium's one-off costs (media pipeline, first renderers) go to no page kind.
    log('Warm-up…');
    for (const variant of variants) await runGroup(browser, stack, variant, 0, { ...settings, viewers: 1 });
    const all: ViewerStartup[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      // Rotate the order so that no page kind always runs first (or last) in a round.
      const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
      for (const variant of order) {
        const group = await runGroup(browser, stack, variant, round, settings);
        all.push(...group);
        const ttffs = group.map((viewer) => (viewer.ttffMs === null ? 'failed' : `${Math.round(viewer.ttffMs)}`));
        log(`round ${round} ${variant.name}: ${ttffs.join(' ')} ms`);
        for (const viewer of group) if (viewer.errors.length > 0) log(`  errors: ${viewer.errors.join('; ')}`);
      }
    }
    const referenceViewers = all.filter((viewer) => viewer.variant === HLSJS && viewer.ttffMs !== null);
    const reference = { median: percentile(referenceViewers.map((v) => v.ttffMs as number), 50), p95: percentile(referenceViewers.map((v) => v.ttffMs as number), 95), viewers: referenceViewers };
    const summaries = variants.map((variant) => summarizeVariant(variant.name, all.filter((viewer) => viewer.variant === variant.name), reference, settings.viewers));
    const header = `Start-up benchmark, ${new Date().toISOString()}, Chromium ${browser.version()}: ${settings.viewers} viewers × ${settings.rounds} rounds per page kind, joining ${settings.joinGapMs} ms apart; CDN ${settings.latencyMs} ms latency, ${settings.bandwidthBytesPerSec} B/s per response; load average before ${loadBefore}, after ${loadavg().map((value) => value.toFixed(2)).join(' ')}.`;
    const report = markdown(summaries, settings, header);
    const outDir = resolve(settings.outDir);
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'startup.json'), JSON.stringify({ settings, summaries, viewers: all }, null, 2));
    await writeFile(join(outDir, 'startup.md'), `${report}\n`);
    log(`\n${report}\n\nWrote ${join(outDir, 'startup.json')} and startup.md`);
    return summaries;
  } finally {
    await browser.close().catch(() => {});
    await stack.close();
  }
}

runFromCommandLine(import.meta, 'bench:startup', parseStartupArgs, (settings) => runStartupBench(settings));
