/**
 * The benchmark's arithmetic, kept pure so its definitions are in one readable place.
 *
 * Media bytes are what the plugin handed to the players (`segmentloaded`), which is the same
 * for a viewer whichever source served it. A segment is named by its path below `/ipfs/`, so
 * the per-viewer CDN client prefix does not make one segment look like several.
 */
import type { SegmentRecord, ViewerReport } from '../site/src/viewer-report.js';

export function segmentKey(url: string): string {
  const at = url.indexOf('/ipfs/');
  return at >= 0 ? url.slice(at) : url;
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function round(value: number | null, digits = 0): number | null {
  if (value === null) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface Offload {
  /** Media bytes all viewers played (from peers, the CDN and their own persistent caches). */
  mediaBytes: number;
  p2pBytes: number;
  cdnBytes: number;
  /** From the browser's persistent cache: neither the CDN's work nor the swarm's. */
  cacheBytes: number;
  /** p2pBytes / mediaBytes. */
  p2pRatio: number;
  /**
   * The least the CDN must send for this run: every viewer's first segment (the plugin always
   * takes it from the CDN so start-up never waits for peers) plus every other distinct segment
   * that any viewer played, once.
   */
  minimalCdnBytes: number;
  /** 1 − minimalCdnBytes / mediaBytes: the best P2P ratio possible for this run. */
  theoreticalBest: number;
  /** p2pRatio / theoreticalBest (target ≥ 0.9). */
  fractionOfBest: number;
  distinctSegments: number;
}

function firstSegment(segments: readonly SegmentRecord[]): SegmentRecord | undefined {
  return [...segments].sort((a, b) => a.at - b.at)[0];
}

export function offload(viewers: readonly ViewerReport[]): Offload {
  let p2pBytes = 0;
  let cdnBytes = 0;
  let cacheBytes = 0;
  const sizes = new Map<string, number>();
  const firsts = new Set<string>();
  let firstBytes = 0;
  for (const viewer of viewers) {
    for (const segment of viewer.segments) {
      if (segment.source === 'p2p') p2pBytes += segment.bytes;
      else if (segment.source === 'cache') cacheBytes += segment.bytes;
      else cdnBytes += segment.bytes;
      sizes.set(segmentKey(segment.url), segment.bytes);
    }
    const first = firstSegment(viewer.segments);
    if (first) {
      firsts.add(segmentKey(first.url));
      firstBytes += first.bytes;
    }
  }
  let otherDistinctBytes = 0;
  for (const [key, bytes] of sizes) if (!firsts.has(key)) otherDistinctBytes += bytes;
  const mediaBytes = p2pBytes + cdnBytes + cacheBytes;
  const minimalCdnBytes = firstBytes + otherDistinctBytes;
  const p2pRatio = mediaBytes > 0 ? p2pBytes / mediaBytes : 0;
  const theoreticalBest = mediaBytes > 0 ? Math.max(0, 1 - minimalCdnBytes / mediaBytes) : 0;
  return {
    mediaBytes,
    p2pBytes,
    cdnBytes,
    cacheBytes,
    p2pRatio,
    minimalCdnBytes,
    theoreticalBest,
    fractionOfBest: theoreticalBest > 0 ? p2pRatio / theoreticalBest : 0,
    distinctSegments: sizes.size,
  };
}

export interface StallSummary {
  count: number;
  totalMs: number;
  /** Viewers with at least one stall. */
  viewers: number;
}

export function stallSummary(viewers: readonly ViewerReport[]): StallSummary {
  const all = viewers.flatMap((viewer) => viewer.stalls);
  return {
    count: all.length,
    totalMs: Math.round(all.reduce((sum, ms) => sum + ms, 0)),
    viewers: viewers.filter((viewer) => viewer.stalls.length > 0).length,
  };
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  segments: number;
}

export function latencyOf(viewers: readonly ViewerReport[], source: 'p2p' | 'cdn', skipFirst = false): LatencySummary {
  const samples = viewers.flatMap((viewer) => {
    const first = skipFirst ? firstSegment(viewer.segments) : undefined;
    return viewer.segments.filter((segment) => segment.source === source && segment !== first).map((segment) => segment.durationMs);
  });
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), segments: samples.length };
}
