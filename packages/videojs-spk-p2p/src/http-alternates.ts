import type { Segment } from 'p2p-media-loader-core';
import { SegmentLoadError } from './segment-loader.js';

/**
 * Where else a segment can be fetched over HTTP once its bytes failed the integrity check: the
 * same `/ipfs/<cid>/<path>` on each configured IPFS gateway. A gateway whose bytes failed is not
 * asked again for that segment, so one lying gateway or CDN edge costs a retry, not the segment.
 * Kept free of the IPFS format libraries: it sits on the first-frame path.
 */
export class HttpAlternates {
  /** Segment URL → index of the next candidate to use, once its bytes have failed. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly gateways: readonly string[]) {}

  /** The segment URL first, then the same content path on every other gateway. */
  candidates(url: string): string[] {
    const parsed = new URL(url, location.href);
    const at = parsed.pathname.indexOf('/ipfs/');
    const list = [parsed.toString()];
    if (at < 0) return list;
    const contentPath = parsed.pathname.slice(at);
    for (const gateway of this.gateways) {
      const candidate = `${gateway.replace(/\/+$/, '')}${contentPath}`;
      if (!list.includes(candidate)) list.push(candidate);
    }
    return list;
  }

  /** Bytes from the URL currently used for `url` failed the check: the next request goes elsewhere. */
  failed(url: string): void {
    this.failures.set(url, (this.failures.get(url) ?? 0) + 1);
    if (this.failures.size > 1000) this.failures.delete(this.failures.keys().next().value as string);
  }

  /** The URL to fetch `url` from now: itself until its bytes have failed, then the next candidate. */
  current(url: string): string {
    const failures = this.failures.get(url) ?? 0;
    if (failures === 0) return url;
    const list = this.candidates(url);
    return list[failures % list.length] as string;
  }
}

/**
 * Fetches a segment from the first candidate whose bytes pass `check`: the plugin's own CDN
 * fallback, which does not go through the engine's validated HTTP path.
 */
export async function fetchChecked(
  alternates: HttpAlternates,
  segment: Segment,
  signal: AbortSignal,
  fetchFrom: (segment: Segment, signal: AbortSignal) => Promise<ArrayBuffer>,
  check: (url: string, data: ArrayBuffer) => Promise<boolean>,
): Promise<ArrayBuffer> {
  const tried = new Set<string>();
  let lastError: unknown;
  for (;;) {
    const url = alternates.current(segment.url);
    if (tried.has(url)) break;
    tried.add(url);
    try {
      const data = await fetchFrom({ ...segment, url }, signal);
      if (await check(segment.url, data)) return data;
      lastError = new SegmentLoadError(`bytes from ${url} failed the integrity check`);
    } catch (error) {
      if (signal.aborted) throw error;
      lastError = error;
    }
    alternates.failed(segment.url);
  }
  throw lastError instanceof Error ? lastError : new SegmentLoadError(`no source gave good bytes for ${segment.url}`);
}
