/** Turns the long-tail benchmark's raw runs into `longtail.json`: figures, targets and the README table. */
import type { ViewerReport } from '../site/src/viewer-report.js';
import { median, offload, percentile, round, segmentKey, stallSummary, type StallSummary } from './metrics.js';
import type { TargetCheck } from './summarize.js';
import type { CpuUsage } from './cpu.js';

export interface LongtailRunInput {
  name: string;
  viewers: ViewerReport[];
  /** What the CDN sent the viewers of this run (media and playlists, by client id). */
  cdnBytesByViewer: number[];
  cpu: CpuUsage;
  wallMs: number;
}

export interface LongtailRun {
  name: string;
  viewers: number;
  /** Segment bytes the viewers played, and where each came from. */
  mediaBytes: number;
  cdnSegmentBytes: number;
  p2pBytes: number;
  cacheBytes: number;
  /** Everything the CDN sent these viewers, playlists included, counted by the CDN itself. */
  cdnBytes: number;
  /** One copy of every distinct segment played (each rendition played, once). */
  oneCopyBytes: number;
  /** One copy plus every viewer's first segment: the issue's bound for a run with a seeder. */
  boundBytes: number;
  /** cdnSegmentBytes / oneCopyBytes: how many copies of the video the CDN sent. */
  cdnCopies: number;
  p2pRatio: number;
  ttffMs: { median: number | null; p95: number | null; perViewer: (number | null)[] };
  stalls: StallSummary;
  errors: string[];
  unfinished: number;
  cpu: CpuUsage;
  wallMs: number;
  /** Per viewer, in arrival order: `3P` = segment 3 from a peer, `C` the CDN, `K` the persistent cache. */
  sources: string[];
}

export interface SeederCost {
  /** The seeder's one-time fill from its gateway: every rendition, checked against the CID. */
  fillBytes: number;
  fillMs: number;
  uploadedBytes: number;
  /** CPU spent while the viewers watched (after the fill), per MB (10^6 B) uploaded. */
  cpuMsPerMB: number | null;
  cpuMs: number;
  rssBytes: number;
  peakRssBytes: number;
}

export interface ReturningViewer {
  /** Distinct segments the first visit played (what the cache can hold). */
  firstVisitSegments: number;
  /** Of those, how many the second visit still fetched from the CDN. */
  refetchedFromCdn: string[];
  /** The second visit's segments by source. */
  secondVisit: { cache: number; cdn: number; p2p: number };
  secondVisitCdnBytes: number;
}

export interface LongtailSummary {
  version: 1;
  generatedAt: string;
  command: string;
  settings: object;
  machine: { cores: number; loadAvgBefore: number[]; loadAvgAfter: number[]; chromium: string };
  runs: LongtailRun[];
  seeder: SeederCost;
  returning: ReturningViewer;
  targets: TargetCheck[];
}

const sourceLetter = { p2p: 'P', cdn: 'C', cache: 'K' } as const;

export function summarizeLongtailRun(input: LongtailRunInput): LongtailRun {
  const off = offload(input.viewers);
  const firstBytes = input.viewers.reduce((sum, viewer) => sum + ([...viewer.segments].sort((a, b) => a.at - b.at)[0]?.bytes ?? 0), 0);
  const sizes = new Map<string, number>();
  for (const viewer of input.viewers) for (const segment of viewer.segments) sizes.set(segmentKey(segment.url), segment.bytes);
  const oneCopyBytes = [...sizes.values()].reduce((sum, bytes) => sum + bytes, 0);
  const ttffs = input.viewers.map((viewer) => viewer.ttffMs);
  const measured = ttffs.filter((ms): ms is number => ms !== null);
  return {
    name: input.name,
    viewers: input.viewers.length,
    mediaBytes: off.mediaBytes,
    cdnSegmentBytes: off.cdnBytes,
    p2pBytes: off.p2pBytes,
    cacheBytes: off.cacheBytes,
    cdnBytes: input.cdnBytesByViewer.reduce((sum, bytes) => sum + bytes, 0),
    oneCopyBytes,
    boundBytes: oneCopyBytes + firstBytes,
    cdnCopies: oneCopyBytes > 0 ? round(off.cdnBytes / oneCopyBytes, 2) ?? 0 : 0,
    p2pRatio: round(off.p2pRatio, 3) ?? 0,
    ttffMs: { median: round(median(measured)), p95: round(percentile(measured, 95)), perViewer: ttffs.map((ms) => round(ms)) },
    stalls: stallSummary(input.viewers),
    errors: input.viewers.flatMap((viewer) => viewer.errors.map((error) => `${viewer.label}: ${error}`)),
    unfinished: input.viewers.filter((viewer) => !viewer.ended).length,
    cpu: input.cpu,
    wallMs: input.wallMs,
    sources: input.viewers.map((viewer) =>
      [...viewer.segments].sort((a, b) => a.at - b.at).map((segment) => `${/_(\d+)\.ts/.exec(segment.url)?.[1] ?? '?'}${sourceLetter[segment.source]}`).join(' '),
    ),
  };
}

export function returningViewer(first: ViewerReport, second: ViewerReport, secondVisitCdnBytes: number): ReturningViewer {
  const had = new Set(first.segments.map((segment) => segmentKey(segment.url)));
  const count = (source: 'p2p' | 'cdn' | 'cache') => second.segments.filter((segment) => segment.source === source).length;
  return {
    firstVisitSegments: had.size,
    refetchedFromCdn: second.segments.filter((segment) => segment.source === 'cdn' && had.has(segmentKey(segment.url))).map((segment) => segmentKey(segment.url)),
    secondVisit: { cache: count('cache'), cdn: count('cdn'), p2p: count('p2p') },
    secondVisitCdnBytes,
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

export function longtailTargets(runs: readonly LongtailRun[], returning: ReturningViewer): TargetCheck[] {
  const byName = (name: string) => runs.find((run) => run.name === name);
  const baseline = byName('baseline');
  const seeded = byName('seeder');
  const targets: TargetCheck[] = [];
  if (seeded) {
    targets.push({
      name: 'with a seeder, CDN segment bytes',
      target: '≤ one copy of each rendition played + every viewer\'s first segment',
      value: `${mb(seeded.cdnSegmentBytes)} against ${mb(seeded.boundBytes)} (${seeded.cdnCopies} copies)`,
      met: seeded.cdnSegmentBytes <= seeded.boundBytes,
    });
  }
  targets.push({
    name: 'returning viewer, CDN requests for segments it has',
    target: '0',
    value: `${returning.refetchedFromCdn.length} of ${returning.firstVisitSegments}`,
    met: returning.refetchedFromCdn.length === 0,
  });
  if (baseline) {
    for (const run of runs.filter((candidate) => candidate !== baseline)) {
      targets.push({
        name: `${run.name}: stalls added`,
        target: '0',
        value: `${run.stalls.count} (baseline ${baseline.stalls.count})`,
        met: run.stalls.count <= baseline.stalls.count,
      });
      const ratio = run.ttffMs.median !== null && baseline.ttffMs.median ? run.ttffMs.median / baseline.ttffMs.median : null;
      targets.push({
        name: `${run.name}: median TTFF against the no-P2P baseline`,
        target: '≤ +10 %',
        value: ratio === null ? 'n/a' : `${run.ttffMs.median} ms vs ${baseline.ttffMs.median} ms (${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %)`,
        met: ratio !== null && ratio <= 1.1,
      });
    }
  }
  return targets;
}

export function longtailMarkdown(summary: LongtailSummary): string {
  const { runs, seeder, returning } = summary;
  const row = (cells: readonly (string | number | null)[]) => `| ${cells.map((cell) => (cell === null ? 'n/a' : String(cell))).join(' | ')} |`;
  const lines = [
    `### bench:longtail, ${summary.generatedAt.slice(0, 10)} (\`${summary.command}\`)`,
    '',
    `Viewers one after another, no overlap; ${summary.machine.cores} cores, load ${summary.machine.loadAvgBefore.join(' ')} before, ${summary.machine.chromium}.`,
    '',
    row(['run', 'viewers', 'CDN segment bytes', 'one copy', 'CDN copies', 'P2P ratio', 'cache bytes', 'TTFF median', 'TTFF p95', 'stalls', 'errors']),
    row(['---', '---', '---', '---', '---', '---', '---', '---', '---', '---', '---']),
    ...runs.map((run) =>
      row([run.name, run.viewers, mb(run.cdnSegmentBytes), mb(run.oneCopyBytes), run.cdnCopies, `${(run.p2pRatio * 100).toFixed(1)} %`, mb(run.cacheBytes), run.ttffMs.median === null ? null : `${run.ttffMs.median} ms`, run.ttffMs.p95 === null ? null : `${run.ttffMs.p95} ms`, run.stalls.count, run.errors.length]),
    ),
    '',
    `Seeder: one-time fill ${mb(seeder.fillBytes)} from its gateway in ${(seeder.fillMs / 1000).toFixed(1)} s (every rendition); uploaded ${mb(seeder.uploadedBytes)} to the viewers; ` +
      `${seeder.cpuMsPerMB === null ? 'n/a' : seeder.cpuMsPerMB.toFixed(1)} CPU ms per MB served (${Math.round(seeder.cpuMs)} ms in all); RSS ${mb(seeder.rssBytes)}, peak ${mb(seeder.peakRssBytes)}.`,
    '',
    `Returning viewer: the second visit took ${returning.secondVisit.cache} segments from its cache, ${returning.secondVisit.cdn} from the CDN, ${returning.secondVisit.p2p} from peers; ` +
      `${returning.refetchedFromCdn.length} of the ${returning.firstVisitSegments} segments it had were fetched again${returning.refetchedFromCdn.length ? ` (${returning.refetchedFromCdn.join(', ')})` : ''}; the CDN sent it ${mb(returning.secondVisitCdnBytes)} in all (playlists included).`,
    '',
    row(['target', 'goal', 'measured', 'met']),
    row(['---', '---', '---', '---']),
    ...summary.targets.map((target) => row([target.name, target.target, target.value, target.met ? 'yes' : '**no**'])),
    '',
    'Segment sources per viewer (`P` peer, `C` CDN, `K` cache):',
    '',
    ...runs.flatMap((run) => run.sources.map((sources, i) => `- ${run.name} ${i + 1}: ${sources}`)),
  ];
  return lines.join('\n');
}
