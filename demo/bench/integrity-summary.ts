/**
 * `bench:integrity`'s arithmetic and table: per variant (CID check on, in both CID forms, and off),
 * pooled over its rounds, time to first frame, P2P ratio, what the check cost (time per segment,
 * block bytes) and what it did.
 */
import { median, offload, percentile, round, stallSummary, type StallSummary } from './metrics.js';
import type { PhaseResult } from './run-swarm.js';
import type { CheckCpu } from './integrity-cpu.js';

export interface IntegrityRunSummary {
  name: string;
  /** What the viewers' plugin was given. */
  cid: string;
  integrity: string;
  viewers: number;
  /** What the viewers' segments were checked against (`stats.verification.source`), distinct values. */
  sources: string[];
  /** Rounds pooled into this summary (each its own swarm of `viewers / rounds` viewers). */
  rounds: number;
  ttffMs: { median: number | null; p95: number | null; perViewer: (number | null)[] };
  /** Per round: its viewers' median time to first frame and its fraction of the best P2P ratio. */
  perRound: { ttffMedianMs: number | null; fractionOfBest: number }[];
  p2pRatio: number;
  theoreticalBest: number;
  fractionOfBest: number;
  mediaBytes: number;
  /** IPFS block bytes the viewers fetched to check segments (sum of `stats.verification.blockBytes`). */
  blockBytes: number;
  /** blockBytes / mediaBytes. */
  blockShare: number;
  /** Block bytes the CDN counted as served (its own count, the same blocks seen from the server). */
  cdnBlockBytes: number;
  /**
   * `stats.verification.checkMs` is per viewer (the plugin keeps the samples): the median of the
   * viewers' p50s and the highest of their p95s.
   */
  checkMs: { p50: number | null; p95: number | null; perViewer: { p50: number | null; p95: number | null }[] };
  /** The same verifier over every segment of the video in Node, blocks in hand: the check's own CPU (checked runs only). */
  checkCpu: CheckCpu | null;
  peer: { checked: number; verified: number; rejected: number };
  http: { checked: number; rejected: number };
  stalls: StallSummary;
  unfinished: number;
  errors: string[];
  wallMs: number;
  cpuBusyPercent: number | null;
}

export interface IntegrityTarget {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export interface IntegritySummary {
  version: 1;
  generatedAt: string;
  command: string;
  settings: object;
  machine: { cores: number; loadAvgBefore: number[]; loadAvgAfter: number[]; chromium: string };
  runs: IntegrityRunSummary[];
  targets: IntegrityTarget[];
}

const known = (values: readonly (number | null)[]) => values.filter((value): value is number => value !== null);

/**
 * One variant's rounds pooled: times to first frame of every viewer of every round; the P2P ratio
 * and its theoretical best from the rounds' byte sums (each round is its own swarm, so each has its
 * own best).
 */
export function summarizeRun(name: string, phases: readonly PhaseResult[], cid: string, integrity: string, checkCpu: CheckCpu | null): IntegrityRunSummary {
  const viewers = phases.flatMap((phase) => phase.viewers);
  const offloads = phases.map((phase) => offload(phase.viewers));
  const total = (pick: (o: (typeof offloads)[number]) => number) => offloads.reduce((sum, o) => sum + pick(o), 0);
  const mediaBytes = total((o) => o.mediaBytes);
  const p2pRatio = mediaBytes > 0 ? total((o) => o.p2pBytes) / mediaBytes : 0;
  const theoreticalBest = mediaBytes > 0 ? Math.max(0, 1 - total((o) => o.minimalCdnBytes) / mediaBytes) : 0;
  const ttffOf = (list: readonly PhaseResult['viewers'][number][]) => list.map((viewer) => (viewer.ttffMs === null ? null : Math.round(viewer.ttffMs)));
  const ttff = ttffOf(viewers);
  const verification = viewers.map((viewer) => viewer.stats.verification);
  const sum = (pick: (v: (typeof verification)[number]) => number) => verification.reduce((acc, v) => acc + pick(v), 0);
  const blockBytes = sum((v) => v.blockBytes);
  const perViewerCheck = verification.map((v) => ({ p50: v.checkMs.p50, p95: v.checkMs.p95 }));
  const p95s = known(perViewerCheck.map((c) => c.p95));
  const busy = known(phases.map((phase) => phase.cpu.busyPercent));
  return {
    name,
    cid,
    integrity,
    viewers: viewers.length,
    rounds: phases.length,
    sources: [...new Set(verification.map((v) => v.source))],
    ttffMs: { median: median(known(ttff)), p95: percentile(known(ttff), 95), perViewer: ttff },
    perRound: phases.map((phase, i) => ({ ttffMedianMs: median(known(ttffOf(phase.viewers))), fractionOfBest: round(offloads[i]?.fractionOfBest ?? 0, 4) as number })),
    p2pRatio: round(p2pRatio, 4) as number,
    theoreticalBest: round(theoreticalBest, 4) as number,
    fractionOfBest: theoreticalBest > 0 ? (round(p2pRatio / theoreticalBest, 4) as number) : 0,
    mediaBytes,
    blockBytes,
    blockShare: mediaBytes > 0 ? (round(blockBytes / mediaBytes, 6) as number) : 0,
    cdnBlockBytes: phases.reduce((acc, phase) => acc + phase.cdn.blockBytes, 0),
    checkMs: { p50: round(median(known(perViewerCheck.map((c) => c.p50))), 2), p95: p95s.length ? Math.max(...p95s) : null, perViewer: perViewerCheck },
    checkCpu,
    peer: { checked: sum((v) => v.peerChecked), verified: sum((v) => v.peerVerified), rejected: sum((v) => v.peerRejected) },
    http: { checked: sum((v) => v.httpChecked), rejected: sum((v) => v.httpRejected) },
    stalls: stallSummary(viewers),
    unfinished: viewers.filter((viewer) => !viewer.ended).length,
    errors: viewers.flatMap((viewer) => viewer.errors.map((error) => `${viewer.label}: ${error}`)),
    wallMs: phases.reduce((acc, phase) => acc + phase.wallMs, 0),
    cpuBusyPercent: busy.length ? (round(median(busy), 0) as number) : null,
  };
}

const pct = (value: number, digits = 1) => `${(value * 100).toFixed(digits)} %`;
const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);
const ms2 = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);

/** The checked runs held against the unchecked one (`integrity: 'off'`). */
export function integrityTargets(checked: readonly IntegrityRunSummary[], unchecked: IntegrityRunSummary): IntegrityTarget[] {
  return checked.flatMap((run) => [
    { name: `${run.name}: block bytes / media bytes`, target: '≤ 1 %', value: `${run.blockBytes} B / ${(run.mediaBytes / 1e6).toFixed(2)} MB = ${pct(run.blockShare, 3)}`, met: run.blockShare <= 0.01 },
    {
      name: `${run.name}: time to first frame, median`,
      target: 'no added time (≤ unchecked + 10 %, the swarm bench margin)',
      value: `${ms(run.ttffMs.median)} vs ${ms(unchecked.ttffMs.median)} unchecked`,
      met: run.ttffMs.median !== null && unchecked.ttffMs.median !== null && run.ttffMs.median <= unchecked.ttffMs.median * 1.1,
    },
    { name: `${run.name}: P2P ratio vs theoretical best`, target: '≥ 90 %', value: `${pct(run.p2pRatio)} of ${pct(run.theoreticalBest)} = ${pct(run.fractionOfBest)}`, met: run.fractionOfBest >= 0.9 },
    { name: `${run.name}: every peer segment verified`, target: 'verified = checked, none rejected', value: `${run.peer.verified} of ${run.peer.checked}, ${run.peer.rejected} rejected`, met: run.peer.checked > 0 && run.peer.verified === run.peer.checked },
  ]);
}

export function integrityMarkdown(s: IntegritySummary): string {
  const runs = s.runs;
  const row = (label: string, cell: (run: IntegrityRunSummary) => string) => `| ${label} | ${runs.map(cell).join(' | ')} |`;
  const lines = [
    `### Integrity benchmark (${s.generatedAt})`,
    '',
    `Command: \`${s.command}\`  `,
    `Settings: ${JSON.stringify(s.settings)}  `,
    `Machine: ${s.machine.cores} cores, load average ${s.machine.loadAvgBefore.join(' / ')} before the run and ${s.machine.loadAvgAfter.join(' / ')} after; ${s.machine.chromium}.`,
    '',
    '| Measure | Target | Result | |',
    '| --- | --- | --- | --- |',
    ...s.targets.map((check) => `| ${check.name} | ${check.target} | ${check.value} | ${check.met ? 'met' : '**missed**'} |`),
    '',
    `| Figure | ${runs.map((run) => run.name).join(' | ')} |`,
    `| --- | ${runs.map(() => '---').join(' | ')} |`,
    row('`integrity` option / checked against', (run) => `${run.integrity} / ${run.sources.join(', ')}`),
    row('Time to first frame, median / p95', (run) => `${ms(run.ttffMs.median)} / ${ms(run.ttffMs.p95)}`),
    ...(runs.some((run) => run.rounds > 1)
      ? [
          row('Per round: time to first frame, median', (run) => run.perRound.map((r) => ms(r.ttffMedianMs)).join(', ')),
          row('Per round: P2P ratio, fraction of best', (run) => run.perRound.map((r) => pct(r.fractionOfBest)).join(', ')),
        ]
      : []),
    row('P2P ratio (of best)', (run) => `${pct(run.p2pRatio)} (${pct(run.fractionOfBest)} of ${pct(run.theoreticalBest)})`),
    row('Check CPU per segment, p50 / p95 (the verifier in Node, blocks in hand)', (run) => (run.checkCpu ? `${ms2(run.checkCpu.cpuMs.p50)} / ${ms2(run.checkCpu.cpuMs.p95)} (${run.checkCpu.samples} checks)` : '–')),
    row('Check time per segment in the browser, p50 / p95 (`stats.verification.checkMs`, with block fetches; median / max over viewers)', (run) => `${ms2(run.checkMs.p50)} / ${ms2(run.checkMs.p95)}`),
    row('Block bytes (viewers) / CDN-counted', (run) => `${run.blockBytes} B (${pct(run.blockShare, 3)} of media) / ${run.cdnBlockBytes} B`),
    // With `off` the plugin counts what it let through unchecked.
    row('Peer segments checked / verified / rejected', (run) => (run.integrity === 'off' ? `not checked (${run.peer.checked} taken)` : `${run.peer.checked} / ${run.peer.verified} / ${run.peer.rejected}`)),
    row('Gateway segments checked / rejected', (run) => (run.integrity === 'off' ? `not checked (${run.http.checked} taken)` : `${run.http.checked} / ${run.http.rejected}`)),
    row('Media bytes played (all viewers)', (run) => `${(run.mediaBytes / 1e6).toFixed(2)} MB`),
    row('Stalls (total time)', (run) => `${run.stalls.count} (${run.stalls.totalMs} ms)`),
    row('CPU busy (all cores) / wall time', (run) => `${run.cpuBusyPercent ?? 'n/a'} % / ${(run.wallMs / 1000).toFixed(0)} s`),
    '',
  ];
  const problems = runs.flatMap((run) => [...run.errors, ...(run.unfinished ? [`${run.name}: ${run.unfinished} viewer(s) did not finish`] : [])]);
  if (problems.length > 0) lines.push(`Problems: ${problems.slice(0, 6).join('; ')}`, '');
  return lines.join('\n');
}
