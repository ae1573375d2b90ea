import { BlockFetcher } from './block-fetcher.js';
import { CidVerifier } from './cid-verifier.js';
import { defaultIntegrityUrl, IntegrityMap } from './sha256-map.js';

import type { IntegrityPolicy } from './policy.js';


/** What a video's segments are checked with, once that is known. */
export type IntegritySource = 'cid' | 'sha256' | 'none' | 'off';

export type SegmentVerdict = 'ok' | 'mismatch' | 'unverifiable';

export interface SegmentVerifierOptions {
  policy: IntegrityPolicy;
  masterUrl: string;
  videoCid: string | undefined;
  /** Sha256 map URL; `false` means none; unset means beside the master playlist. */
  integrityUrl: string | false | undefined;
  /** Trustless gateways for blocks; empty means the one the master playlist comes from. */
  gateways: readonly string[];
  /** A clear reason whenever a source of trust is unavailable or a gateway misbehaves. */
  onProblem: (message: string) => void;
}

/** `https://gw.example/ipfs/<cid>/manifest.m3u8` → `https://gw.example`: where its blocks can be asked for. */
export function gatewayOf(url: string): string | undefined {
  const parsed = new URL(url, location.href);
  const at = parsed.pathname.indexOf('/ipfs/');
  return at < 0 ? undefined : `${parsed.origin}${parsed.pathname.slice(0, at)}`;
}

/** Path of a segment inside the video's folder: the part after `/ipfs/<cid>/`, or after the master playlist's folder. */
export function pathInVideo(segmentUrl: string, masterUrl: string): string | undefined {
  const segment = new URL(segmentUrl, location.href);
  const ipfs = /\/ipfs\/[^/]+\/(.+)$/.exec(segment.pathname);
  if (ipfs?.[1]) return decodeURIComponent(ipfs[1]);
  const base = new URL('.', new URL(masterUrl, location.href)).pathname;
  return segment.pathname.startsWith(base) ? decodeURIComponent(segment.pathname.slice(base.length)) : undefined;
}

/**
 * One video's integrity checks: picks the source of trust by policy, then verifies segments from
 * peers and from gateways alike.
 */
export class SegmentVerifier {
  readonly blocks: BlockFetcher;
  readonly source: Promise<IntegritySource>;
  private cid: CidVerifier | undefined;
  private map: IntegrityMap | null = null;
  private readonly reported = new Set<string>();
  /** Milliseconds spent checking each segment, for the stats and the benchmark. */
  readonly timingsMs: number[] = [];

  constructor(private readonly options: SegmentVerifierOptions) {
    const gateways = options.gateways.length > 0 ? options.gateways : [gatewayOf(options.masterUrl)].filter((g): g is string => g !== undefined);
    this.blocks = new BlockFetcher(gateways, (message) => options.onProblem(`IPFS gateway problem: ${message}`));
    this.source = this.choose();
  }

  private async choose(): Promise<IntegritySource> {
    const { policy, videoCid } = this.options;
    if (policy === 'off') return 'off';
    if (policy !== 'sha256') {
      if (videoCid === undefined) this.options.onProblem('no video CID: segments cannot be checked against IPFS');
      else {
        try {
          const verifier = new CidVerifier(videoCid, this.blocks);
          await verifier.ready();
          this.cid = verifier;
          return 'cid';
        } catch (error) {
          this.options.onProblem(`cannot check segments against CID ${videoCid}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (policy === 'cid') return 'none';
    }
    const mapUrl = this.options.integrityUrl === false ? undefined : (this.options.integrityUrl ?? defaultIntegrityUrl(this.options.masterUrl));
    this.map = mapUrl ? await IntegrityMap.load(mapUrl) : null;
    if (this.map) return 'sha256';
    this.options.onProblem('no CID blocks and no sha256 map: segments are not downloaded from peers');
    return 'none';
  }

  async verify(url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): Promise<SegmentVerdict> {
    const source = await this.source;
    if (source === 'off') return 'ok';
    const startedAt = performance.now();
    try {
      if (this.cid && !byteRange) {
        const path = pathInVideo(url, this.options.masterUrl);
        if (path !== undefined) {
          try {
            return await this.cid.verify(path, new Uint8Array(data));
          } catch (error) {
            this.reportOnce(path, `cannot check ${path} against CID: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
      if (this.map) {
        const verdict = await this.map.verify(url, byteRange, data);
        return verdict === 'unknown-segment' ? 'unverifiable' : verdict;
      }
      return 'unverifiable';
    } finally {
      this.timingsMs.push(performance.now() - startedAt);
      if (this.timingsMs.length > 1000) this.timingsMs.shift();
    }
  }

  private reportOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.options.onProblem(message);
  }
}
