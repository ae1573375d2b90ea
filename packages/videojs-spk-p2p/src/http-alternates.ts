import type { Segment } from 'p2p-media-loader-core';
import { gatewayBase, gatewayOfUrl, rankGateways, recordGateway } from './gateway-health.js';
import { SegmentLoadError } from './cdn-fetch.js';

/** `url` (an `/ipfs/` URL) on another gateway: the same `/ipfs/<cid>/path` below `gateway`. */
export function onGateway(url: string, gateway: string): string {
  const parsed = new URL(url, location.href);
  const at = parsed.pathname.indexOf('/ipfs/');
  return `${gateway}${parsed.pathname.slice(at)}${parsed.search}`;
}

/**
 * Where a segment can be fetched over HTTP: the same `/ipfs/<cid>/<path>` on the URL's own
 * gateway and on each configured one, in the order gateway health ranks them (see
 * gateway-health.ts). A gateway whose bytes failed the integrity check for a segment goes last
 * for that segment, so one lying gateway or CDN edge costs a retry, not the segment. It comes
 * with the engine (engine-parts.ts): the first segment is VHS's own request.
 */
export class HttpAlternates {
  /** Segment URL → gateways whose bytes for it failed the check. */
  private readonly failures = new Map<string, Set<string>>();
  private readonly gateways: readonly string[];

  constructor(gateways: readonly string[]) {
    this.gateways = gateways.map(gatewayBase);
  }

  /** The gateways `url` can come from, best first; none when it is not an `/ipfs/` URL. */
  ranked(url: string): string[] {
    const own = gatewayOfUrl(url);
    if (own === undefined) return [];
    const ranked = rankGateways([own, ...this.gateways]);
    const failed = this.failures.get(url);
    return failed ? [...ranked.filter((g) => !failed.has(g)), ...ranked.filter((g) => failed.has(g))] : ranked;
  }

  /** Bytes of `url` fetched from `gateway` failed the check: the next request goes elsewhere. */
  failed(url: string, gateway: string | undefined): void {
    if (gateway === undefined) return;
    let set = this.failures.get(url);
    if (!set) {
      set = new Set();
      this.failures.set(url, set);
      if (this.failures.size > 1000) this.failures.delete(this.failures.keys().next().value as string);
    }
    set.add(gateway);
  }

  /** The URL to fetch `url` from now: on the best-ranked gateway that has not failed it. */
  current(url: string): string {
    const best = this.ranked(url)[0];
    return best === undefined ? url : onGateway(url, best);
  }
}

/**
 * Fetches a segment from the first candidate whose bytes pass `check`, recording each
 * gateway's outcome: the plugin's own CDN fetch (the fallback and the hedge), which does not
 * go through the engine's validated HTTP path. `exclude` is a gateway not to ask (the one a
 * hedged request is already waiting on).
 */
export async function fetchChecked(
  alternates: HttpAlternates,
  segment: Segment,
  signal: AbortSignal,
  fetchFrom: (segment: Segment, signal: AbortSignal) => Promise<ArrayBuffer>,
  check: (url: string, data: ArrayBuffer) => Promise<boolean>,
  exclude?: string,
): Promise<ArrayBuffer> {
  const ranked = alternates.ranked(segment.url).filter((gateway) => gateway !== exclude);
  const urls = ranked.length > 0 ? ranked.map((gateway) => onGateway(segment.url, gateway)) : [segment.url];
  let lastError: unknown;
  for (const url of urls) {
    const gateway = gatewayOfUrl(url);
    const startedAt = performance.now();
    try {
      const data = await fetchFrom({ ...segment, url }, signal);
      const tookMs = performance.now() - startedAt;
      const good = await check(segment.url, data);
      recordGateway(gateway, good ? tookMs : false);
      if (good) return data;
      lastError = new SegmentLoadError(`bytes from ${url} failed the integrity check`);
      alternates.failed(segment.url, gateway);
    } catch (error) {
      if (signal.aborted) throw error;
      recordGateway(gateway, false);
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new SegmentLoadError(`no source gave good bytes for ${segment.url}`);
}
