import type { Segment } from 'p2p-media-loader-core';
import type { SegmentFetch } from './segment-xhr.js';
import { parseRangeHeader, segmentRuntimeId } from './segment-identity.js';

// The plugin's own CDN requests, apart from the segment loader: they serve the first segment
// and the persistent cache's misses before the first frame, while the loader comes with the
// engine after it.

export class SegmentLoadError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'SegmentLoadError';
  }
}

export async function fetchFromCdn(segment: Segment, signal: AbortSignal): Promise<ArrayBuffer> {
  const headers: Record<string, string> = {};
  if (segment.byteRange) headers.Range = `bytes=${segment.byteRange.start}-${segment.byteRange.end}`;
  const response = await fetch(segment.url, { headers, signal, credentials: 'omit' });
  if (!response.ok) throw new SegmentLoadError(`CDN answered ${response.status} for ${segment.url}`, response.status);
  const data = await response.arrayBuffer();
  if (data.byteLength === 0) throw new SegmentLoadError(`CDN sent an empty body for ${segment.url}`);
  return data;
}

/**
 * A stand-in for a segment request VHS would send itself: the CDN, as VHS would ask it, with a
 * copy of the bytes for `onFetched` (VHS detaches the buffer it is given) and the bandwidth the
 * download really had, for its ABR.
 */
export function cdnSegmentFetch(
  uri: string,
  rangeHeader: string | undefined,
  onFetched: (data: ArrayBuffer, url: string, byteRange: { start: number; end: number } | undefined, durationMs: number) => void,
): SegmentFetch {
  const byteRange = parseRangeHeader(rangeHeader);
  return async (signal) => {
    const segment: Segment = { runtimeId: segmentRuntimeId(uri, byteRange), externalId: 0, url: uri, startTime: 0, endTime: 0, ...(byteRange ? { byteRange } : {}) };
    const fetchedAt = performance.now();
    const data = await fetchFromCdn(segment, signal);
    const durationMs = performance.now() - fetchedAt;
    onFetched(data.slice(0), uri, byteRange, durationMs);
    return { data, bandwidth: (data.byteLength * 8 * 1000) / Math.max(1, durationMs) };
  };
}
