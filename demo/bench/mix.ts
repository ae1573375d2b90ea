/**
 * `bench:swarm --mix hlsjs`: the mixed audience (every other viewer an hls.js +
 * p2p-media-loader-hlsjs page) against the all-Video.js P2P run of the same settings.
 */
import { median, offload, round, stallSummary, type StallSummary } from './metrics.js';
import type { PhaseResult } from './run-swarm.js';
import type { ViewerReport } from '../site/src/viewer-report.js';

export interface AudienceFigures {
  viewers: number;
  p2pRatio: number;
  theoreticalBest: number;
  fractionOfBest: number;
  ttffMedianMs: number | null;
  stalls: StallSummary;
  unfinished: number;
  errors: string[];
}

export interface MixSummary {
  allVideojs: AudienceFigures;
  mixed: AudienceFigures & { byKind: Record<'videojs' | 'hlsjs', { viewers: number; p2pRatio: number; ttffMedianMs: number | null; stalls: number }> };
  met: boolean;
}

const isHlsjs = (viewer: ViewerReport) => viewer.label.endsWith('-hlsjs');

function figures(viewers: readonly ViewerReport[]): AudienceFigures {
  const off = offload(viewers);
  const ttff = viewers.flatMap((viewer) => (viewer.ttffMs === null ? [] : [Math.round(viewer.ttffMs)]));
  return {
    viewers: viewers.length,
    p2pRatio: round(off.p2pRatio, 4) as number,
    theoreticalBest: round(off.theoreticalBest, 4) as number,
    fractionOfBest: round(off.fractionOfBest, 4) as number,
    ttffMedianMs: median(ttff),
    stalls: stallSummary(viewers),
    unfinished: viewers.filter((viewer) => !viewer.ended).length,
    errors: viewers.flatMap((viewer) => viewer.errors.map((error) => `${viewer.label}: ${error}`)),
  };
}

function kind(viewers: readonly ViewerReport[]) {
  const bytes = (source: 'p2p' | 'cdn') => viewers.reduce((sum, viewer) => sum + viewer.segments.filter((s) => s.source === source).reduce((n, s) => n + s.bytes, 0), 0);
  const p2p = bytes('p2p');
  const all = p2p + bytes('cdn');
  const ttff = viewers.flatMap((viewer) => (viewer.ttffMs === null ? [] : [Math.round(viewer.ttffMs)]));
  return { viewers: viewers.length, p2pRatio: round(all > 0 ? p2p / all : 0, 4) as number, ttffMedianMs: median(ttff), stalls: stallSummary(viewers).count };
}

export function summarizeMix(allVideojs: PhaseResult, mixed: PhaseResult): MixSummary {
  const mixedFigures = figures(mixed.viewers);
  return {
    allVideojs: figures(allVideojs.viewers),
    mixed: {
      ...mixedFigures,
      byKind: { videojs: kind(mixed.viewers.filter((v) => !isHlsjs(v))), hlsjs: kind(mixed.viewers.filter(isHlsjs)) },
    },
    met: mixedFigures.fractionOfBest >= 0.9,
  };
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);

export function mixMarkdown(mix: MixSummary): string {
  const row = (name: string, f: AudienceFigures) =>
    `| ${name} | ${f.viewers} | ${pct(f.p2pRatio)} of ${pct(f.theoreticalBest)} = **${pct(f.fractionOfBest)}** | ${ms(f.ttffMedianMs)} | ${f.stalls.count} (${f.stalls.totalMs} ms) | ${f.unfinished} |`;
  const k = mix.mixed.byKind;
  return [
    '#### Mixed audience (--mix): every other viewer hls.js + p2p-media-loader-hlsjs 2.3.1',
    '',
    '| Audience | Viewers | P2P ratio vs best | TTFF median | Stalls | Unfinished |',
    '| --- | --- | --- | --- | --- | --- |',
    row('all Video.js 8', mix.allVideojs),
    row('mixed', mix.mixed),
    '',
    `In the mixed run: Video.js viewers ${pct(k.videojs.p2pRatio)} from peers (TTFF ${ms(k.videojs.ttffMedianMs)}, ${k.videojs.stalls} stalls), hls.js viewers ${pct(k.hlsjs.p2pRatio)} (TTFF ${ms(k.hlsjs.ttffMedianMs)}, ${k.hlsjs.stalls} stalls). Target mixed ≥ 90 % of best: ${mix.met ? 'met' : 'missed'}.`,
    ...(mix.mixed.errors.length ? ['', `Errors: ${mix.mixed.errors.join('; ')}`] : []),
  ].join('\n');
}
