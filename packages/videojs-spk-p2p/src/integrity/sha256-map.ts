import { bytesToHex } from '../hex.js';

/** A segment's expected SHA-256, whole-file or per byte range (PeerTube's `segments-sha256.json` format). */
type HashEntry = string | Record<string, string>;

export type IntegrityVerdict = 'ok' | 'mismatch' | 'unknown-segment';

/**
 * The sha256 map of a video and the check of peer bytes against it. Keys are paths relative to
 * the map's own folder (`480p/480p_0.ts`), so one map serves every gateway the video is on.
 */
export class IntegrityMap {
  private constructor(
    private readonly baseUrl: URL,
    private readonly entries: ReadonlyMap<string, HashEntry>,
  ) {}

  /** Resolves to `null` when no map is published (404 or not JSON): then nothing can be checked. */
  static async load(url: string, signal?: AbortSignal): Promise<IntegrityMap | null> {
    let response: Response;
    try {
      response = await fetch(url, { signal: signal ?? null, credentials: 'omit' });
    } catch {
      return null;
    }
    if (!response.ok) return null;
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      return null;
    }
    return IntegrityMap.fromJson(new URL(url, location.href), json);
  }

  static fromJson(mapUrl: URL, json: unknown): IntegrityMap | null {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
    const entries = new Map<string, HashEntry>();
    for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
      if (typeof value === 'string') entries.set(key, value.toLowerCase());
      else if (value && typeof value === 'object') {
        const ranges: Record<string, string> = {};
        for (const [range, hash] of Object.entries(value as Record<string, unknown>)) {
          if (typeof hash === 'string') ranges[range] = hash.toLowerCase();
        }
        entries.set(key, ranges);
      }
    }
    return new IntegrityMap(new URL('.', mapUrl), entries);
  }

  get size(): number {
    return this.entries.size;
  }

  expectedHash(segmentUrl: string, byteRange?: { start: number; end: number }): string | undefined {
    const key = this.keyOf(segmentUrl);
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (entry === undefined) return undefined;
    if (typeof entry === 'string') return byteRange ? undefined : entry;
    if (!byteRange) return undefined;
    return entry[`${byteRange.start}-${byteRange.end}`];
  }

  async verify(segmentUrl: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): Promise<IntegrityVerdict> {
    const expected = this.expectedHash(segmentUrl, byteRange);
    if (expected === undefined) return 'unknown-segment';
    const digest = await crypto.subtle.digest('SHA-256', data);
    return bytesToHex(new Uint8Array(digest)) === expected ? 'ok' : 'mismatch';
  }

  /** Path of a segment below the map's folder, ignoring host and query so any gateway matches. */
  private keyOf(segmentUrl: string): string | undefined {
    const segment = new URL(segmentUrl, this.baseUrl);
    const base = this.baseUrl.pathname;
    if (!segment.pathname.startsWith(base)) {
      // Another gateway path prefix (e.g. /client/x/ipfs/<cid>/…): fall back to matching the tail.
      const tail = this.tailAfterCid(segment.pathname);
      return tail !== undefined && this.entries.has(tail) ? tail : undefined;
    }
    return decodeURIComponent(segment.pathname.slice(base.length));
  }

  private tailAfterCid(pathname: string): string | undefined {
    const baseParts = this.baseUrl.pathname.split('/').filter(Boolean);
    const root = baseParts[baseParts.length - 1];
    if (root === undefined) return undefined;
    const parts = pathname.split('/');
    const at = parts.lastIndexOf(root);
    return at < 0 ? undefined : decodeURIComponent(parts.slice(at + 1).join('/'));
  }
}

/** Beside the master playlist, as the encoder publishes it. */
export function defaultIntegrityUrl(masterUrl: string): string {
  return new URL('segments-sha256.json', masterUrl).toString();
}
