/** Turns the raw runs into `swarm.json`: the figures, the targets they are held to, and chart series. */
import type { BenchSettings } from './args.js';
import type { FallbackResult } from './fallback.js';
import { latencyOf, mean, median, offload, round, stallSummary, type LatencySummary, type StallSummary } from './metrics.js';
import type { PhaseResult } from './run-swarm.js';
import type { CpuUsage } from './cpu.js';

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export interface ChartSeries {
  /** Seconds since the run's first viewer joined. */
  t: number[];
  baselineCdnMB: (number | null)[];
  p2pRunCdnMB: (number | null)[];
  p2pRunPeersMB: (number | null)[];
  /** Peer connections summed over viewers. */
  peers: (number | null)[];
}

export interface SwarmSummary {
  version: 1;
  generatedAt: string;
  command: string;
  settings: BenchSettings;
  machine: { cores: number; loadAvgBefore: number[]; chromium: string };
  viewers: number;
  p2pRatio: number;
  theoreticalBest: number;
  fractionOfBest: number;
  mediaBytes: number;
  minimalCdnBytes: number;
  distinctSegments: number;
  renditions: { p2p: number[]; baseline: number[] };
  cdnBytes: { p2p: number; baseline: number };
  cdnBytesSaved: { bytes: number; fraction: number };
  ttffMs: { p2p: number | null; baseline: number | null; p2pMean: number | null; baselineMean: number | null; perViewer: { p2p: (number | null)[]; baseline: (number | null)[] } };
  stalls: { p2p: StallSummary; baseline: StallSummary };
  /**
   * From the plugin's start (its own `discoveryMs`); `afterFirstSegment` counts from the first
   * segment's arrival instead (negative when the peer connected while that segment downloaded).
   */
  discoveryMs: { p50: number | null; max: number | null; perViewer: (number | null)[]; afterFirstSegment: { p50: number | null; max: number | null } };
  latencyMs: { p2p: LatencySummary; cdn: LatencySummary; baselineCdn: LatencySummary };
  fallbackMs: number | null;
  fallback: FallbackResult | null;
  cdnFallbacks: number;
  /**
   * What the P2P run's viewers checked peer bytes against (`stats.verification.source`, distinct
   * values: `cid` with the sample's default `integrity: 'auto'`) and how many peer segments passed.
   */
  verification: { sources: string[]; peerChecked: number; peerVerified: number; peerRejected: number };
  errors: string[];
  unfinishedViewers: number;
  cpu: { p2p: CpuUsage; baseline: CpuUsage };
  wallMs: { p2p: number; baseline: number; fallback: number | null; total: number };
  targets: TargetCheck[];
  /** Per viewer, for diagnosis: which segment came from where, in arrival order (`3P` = segment 3 from peers). */
  perViewer: { label: string; ttffMs: number | null; discoveryMs: number | null; stalls: number; sources: string }[];
  chart: ChartSeries;
}

const MB = 1e6;

function renditionsOf(phase: PhaseResult): number[] {
  return [...new Set(phase.viewers.flatMap((viewer) => viewer.renditions))].sort((a, b) => b - a);
}

function chartSeries(p2p: PhaseResult, baseline: PhaseResult): ChartSeries {
  const end = Math.ceil(Math.max(p2p.wallMs, baseline.wallMs) / 1000);
  const t = Array.from({ length: end + 1 }, (_, i) => i);
  const cdnAt = (phase: PhaseResult, second: number): number | null => {
    if (second * 1000 > phase.wallMs + 999) return null;
    let bytes = 0;
    for (const sample of phase.cdnTimeline) if (sample.t <= second * 1000) bytes = sample.bytes;
    return round(bytes / MB, 3);
  };
  const segmentsAt = (second: number): number | null => {
    if (second * 1000 > p2p.wallMs + 999) return null;
    const limit = p2p.startedAt + second * 1000;
    let bytes = 0;
    for (const viewer of p2p.viewers) for (const segment of viewer.segments) if (segment.source === 'p2p' && segment.at <= limit) bytes += segment.bytes;
    return round(bytes / MB, 3);
  };
  const peersAt = (second: number): number | null => {
    if (second * 1000 > p2p.wallMs + 999) return null;
    const limit = p2p.startedAt + second * 1000;
    let peers = 0;
    for (const viewer of p2p.viewers) {
      const last = viewer.timeline.filter((sample) => sample.at <= limit).at(-1);
      if (last && !(viewer.ended && limit > (viewer.timeline.at(-1)?.at ?? 0) + 1000)) peers += last.peers;
    }
    return peers;
  };
  return {
    t,
    baselineCdnMB: t.map((second) => cdnAt(baseline, second)),
    p2pRunCdnMB: t.map((second) => cdnAt(p2p, second)),
    p2pRunPeersMB: t.map(segmentsAt),
    peers: t.map(peersAt),
  };
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);

function verificationOf(phase: PhaseResult): SwarmSummary['verification'] {
  const counts = phase.viewers.map((viewer) => viewer.stats.verification);
  const total = (pick: (v: (typeof counts)[number]) => number) => counts.reduce((sum, v) => sum + pick(v), 0);
  return {
    sources: [...new Set(counts.map((v) => v.source))],
    peerChecked: total((v) => v.peerChecked),
    peerVerified: total((v) => v.peerVerified),
    peerRejected: total((v) => v.peerRejected),
  };
}

export function summarize(input: {
  settings: BenchSettings;
  command: string;
  chromium: string;
  loadAvgBefore: number[];
  p2p: PhaseResult;
  baseline: PhaseResult;
  fallback: FallbackResult | null;
  fallbackWallMs: number | null;
  totalWallMs: number;
}): SwarmSummary {
  const { p2p, baseline, settings } = input;
  const off = offload(p2p.viewers);
  const ttffP2p = p2p.viewers.map((viewer) => (viewer.ttffMs === null ? null : Math.round(viewer.ttffMs)));
  const ttffBase = baseline.viewers.map((viewer) => (viewer.ttffMs === null ? null : Math.round(viewer.ttffMs)));
  const known = (values: (number | null)[]) => values.filter((value): value is number => value !== null);
  // The first viewer has nobody to discover until the second joins: only later joiners count.
  const discovery = p2p.viewers.slice(1).map((viewer) => viewer.stats.discoveryMs);
  const cdnSaved = baseline.cdn.total - p2p.cdn.total;
  const stalls = { p2p: stallSummary(p2p.viewers), baseline: stallSummary(baseline.viewers) };
  const latency = { p2p: latencyOf(p2p.viewers, 'p2p'), cdn: latencyOf(p2p.viewers, 'cdn'), baselineCdn: latencyOf(baseline.viewers, 'cdn') };
  const ttff = {
    p2p: median(known(ttffP2p)),
    baseline: median(known(ttffBase)),
    p2pMean: round(mean(known(ttffP2p))),
    baselineMean: round(mean(known(ttffBase))),
    perViewer: { p2p: ttffP2p, baseline: ttffBase },
  };
  const discoveryKnown = known(discovery);
  const afterFirst = p2p.viewers.slice(1).flatMap((viewer) => {
    const first = [...viewer.segments].sort((a, b) => a.at - b.at)[0];
    const connect = viewer.peerConnects[0];
    return first && connect ? [Math.round(connect.at - first.at)] : [];
  });
  const discoveryMs = {
    p50: median(discoveryKnown),
    max: discoveryKnown.length ? Math.max(...discoveryKnown) : null,
    perViewer: discovery,
    afterFirstSegment: { p50: median(afterFirst), max: afterFirst.length ? Math.max(...afterFirst) : null },
  };
  const errors = [...p2p.viewers, ...baseline.viewers].flatMap((viewer) => viewer.errors.map((error) => `${viewer.label}: ${error}`));
  const unfinished = [...p2p.viewers, ...baseline.viewers].filter((viewer) => !viewer.ended).length;

  const targets: TargetCheck[] = [
    { name: 'P2P ratio vs theoretical best', target: '≥ 90 %', value: `${pct(off.p2pRatio)} of ${pct(off.theoreticalBest)} = ${pct(off.fractionOfBest)}`, met: off.fractionOfBest >= 0.9 },
    {
      name: 'Stalls beyond baseline',
      target: '0',
      value: `${stalls.p2p.count} (${stalls.p2p.totalMs} ms) vs baseline ${stalls.baseline.count} (${stalls.baseline.totalMs} ms)`,
      met: stalls.p2p.count <= stalls.baseline.count,
    },
    {
      name: 'Time to first frame (median)',
      target: '≤ baseline + 10 %',
      value: `${ms(ttff.p2p)} vs ${ms(ttff.baseline)}`,
      met: ttff.p2p !== null && ttff.baseline !== null && ttff.p2p <= ttff.baseline * 1.1,
    },
    { name: 'Peer discovery (median of joiners)', target: '< 1000 ms', value: `${ms(discoveryMs.p50)} (max ${ms(discoveryMs.max)})`, met: discoveryMs.p50 !== null && discoveryMs.p50 < 1000 },
    { name: 'P2P segment latency p95', target: '< 500 ms', value: ms(latency.p2p.p95), met: latency.p2p.p95 !== null && latency.p2p.p95 < 500 },
    {
      name: 'CDN fallback after peer death',
      target: '< 1000 ms',
      value: input.fallback ? `${ms(input.fallback.fallbackMs)} to CDN request, ${ms(input.fallback.deliveredMs)} to segment in hand` : 'not measured',
      met: input.fallback?.fallbackMs != null && input.fallback.fallbackMs < 1000,
    },
  ];

  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    command: input.command,
    settings,
    machine: { cores: p2p.cpu.cores, loadAvgBefore: input.loadAvgBefore, chromium: input.chromium },
    viewers: settings.viewers,
    p2pRatio: round(off.p2pRatio, 4) as number,
    theoreticalBest: round(off.theoreticalBest, 4) as number,
    fractionOfBest: round(off.fractionOfBest, 4) as number,
    mediaBytes: off.mediaBytes,
    minimalCdnBytes: off.minimalCdnBytes,
    distinctSegments: off.distinctSegments,
    renditions: { p2p: renditionsOf(p2p), baseline: renditionsOf(baseline) },
    cdnBytes: { p2p: p2p.cdn.total, baseline: baseline.cdn.total },
    cdnBytesSaved: { bytes: cdnSaved, fraction: baseline.cdn.total > 0 ? (round(cdnSaved / baseline.cdn.total, 4) as number) : 0 },
    ttffMs: ttff,
    stalls,
    discoveryMs,
    latencyMs: latency,
    fallbackMs: input.fallback?.fallbackMs ?? null,
    fallback: input.fallback,
    cdnFallbacks: p2p.viewers.reduce((sum, viewer) => sum + viewer.stats.cdnFallbacks, 0),
    verification: verificationOf(p2p),
    errors,
    unfinishedViewers: unfinished,
    cpu: { p2p: p2p.cpu, baseline: baseline.cpu },
    wallMs: { p2p: p2p.wallMs, baseline: baseline.wallMs, fallback: input.fallbackWallMs, total: input.totalWallMs },
    targets,
    perViewer: [...p2p.viewers, ...baseline.viewers].map((viewer) => ({
      label: viewer.label,
      ttffMs: viewer.ttffMs === null ? null : Math.round(viewer.ttffMs),
      discoveryMs: viewer.stats.discoveryMs,
      stalls: viewer.stalls.length,
      sources: viewer.segments.map((segment) => `${/_(\d+)\.ts/.exec(segment.url)?.[1] ?? '?'}${segment.source === 'p2p' ? 'P' : 'C'}`).join(' '),
    })),
    chart: chartSeries(p2p, baseline),
  };
}
