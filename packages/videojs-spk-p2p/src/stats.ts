import { percentile } from './percentile.js';
import { VerificationCounts, type VerificationStats } from './integrity/verification-counts.js';
import { healthOf, rankGateways } from './gateway-health.js';

export type SpkP2pMode = 'p2p' | 'cdn-only' | 'disabled';
/** `cache`: this browser's persistent segment cache (a rewatch). */
export type SegmentSource = 'p2p' | 'cdn' | 'cache';

export interface LatencySummary {
  /** Milliseconds; `null` until a segment came from that source. */
  p50: number | null;
  p95: number | null;
}

export interface SpkP2pStats {
  mode: SpkP2pMode;
  /** Media segment bytes handed to the player from peers. */
  p2pBytes: number;
  /** Media segment bytes handed to the player from the CDN. */
  cdnBytes: number;
  /** p2pBytes / (p2pBytes + cdnBytes), 0 before any segment. */
  p2pRatio: number;
  /** Media segment bytes handed to the player from this browser's persistent cache. */
  cacheBytes: number;
  uploadedBytes: number;
  /** Peers connected right now. */
  peers: number;
  /** Milliseconds from the plugin's start to the first peer connection; `null` until then. */
  discoveryMs: number | null;
  latency: { p2p: LatencySummary; cdn: LatencySummary; cache: LatencySummary };
  segments: { p2p: number; cdn: number; cache: number };
  /** Peer segments rejected by the integrity check. */
  integrityFailures: number;
  /** Peer requests answered "absent" because the upload limit was reached. */
  uploadsRefused: number;
  /** Times the upload limit was reached. */
  uploadBlocks: number;
  /** Segments the plugin fetched from the CDN itself because the P2P path ran late. */
  cdnFallbacks: number;
  /** What the integrity checks did (peer and gateway segments). */
  verification: VerificationStats;
  /** This source's IPFS gateways, best first, with what gateway health measured (shared with `<spk-player>`). */
  gateways: GatewayStats[];
  /** Segments a hedged request took from another gateway because the first ran late. */
  gatewayHedges: number;
}

/** A gateway's figures, as `stats.gateways` lists them, best first. */
export interface GatewayStats {
  /** The gateway's base URL: its origin, plus its base path when it has one (`/ipfs/` is below it). */
  gateway: string;
  /** EWMA of its response time in ms; `null` until a request to it succeeded. */
  latencyMs: number | null;
  /** EWMA of the share of its requests that failed (0…1); its ranking penalty fades after the last error. */
  errorRate: number;
  errors: number;
  requests: number;
}

/** The ranking of `gateways` with each one's figures. */
export function gatewayStats(gateways: readonly string[]): GatewayStats[] {
  return rankGateways(gateways).map((gateway) => {
    const entry = healthOf(gateway);
    return {
      gateway,
      latencyMs: entry && entry.l >= 0 ? Math.round(entry.l) : null,
      errorRate: entry ? Math.round(entry.e * 1000) / 1000 : 0,
      errors: entry?.f ?? 0,
      requests: entry?.n ?? 0,
    };
  });
}

/** Keeps only recent samples: percentiles should describe the current network, not the whole session. */
const MAX_SAMPLES = 200;


function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

export class StatsCollector {
  private p2pBytes = 0;
  private cdnBytes = 0;
  private cacheBytes = 0;
  private uploadedBytes = 0;
  private readonly latency: Record<SegmentSource, number[]> = { p2p: [], cdn: [], cache: [] };
  private readonly segments: Record<SegmentSource, number> = { p2p: 0, cdn: 0, cache: 0 };
  /** The core connects per rendition swarm, so one peer can hold several connections. */
  private readonly peerConnections = new Map<string, number>();
  private readonly startedAt = performance.now();
  private discoveryMs: number | null = null;
  integrityFailures = 0;
  uploadsRefused = 0;
  uploadBlocks = 0;
  cdnFallbacks = 0;
  hedgesWon = 0;
  /** The session's gateways, ranked; none until a source names them. */
  gatewayFigures: () => GatewayStats[] = () => [];
  readonly verification = new VerificationCounts();
  /** Block bytes and check timings live in the lazily loaded verifier; it fills this in once loaded. */
  verifierFigures: () => { blockBytes: number; timingsMs: readonly number[] } = () => ({ blockBytes: 0, timingsMs: [] });

  recordSegment(source: SegmentSource, bytes: number, durationMs: number): void {
    if (source === 'p2p') this.p2pBytes += bytes;
    else if (source === 'cache') this.cacheBytes += bytes;
    else this.cdnBytes += bytes;
    this.segments[source] += 1;
    const samples = this.latency[source];
    samples.push(durationMs);
    if (samples.length > MAX_SAMPLES) samples.shift();
  }

  recordUpload(bytes: number): void {
    this.uploadedBytes += bytes;
  }

  peerConnected(peerId: string): void {
    this.peerConnections.set(peerId, (this.peerConnections.get(peerId) ?? 0) + 1);
    this.discoveryMs ??= Math.round(performance.now() - this.startedAt);
  }

  peerClosed(peerId: string): void {
    const left = (this.peerConnections.get(peerId) ?? 0) - 1;
    if (left > 0) this.peerConnections.set(peerId, left);
    else this.peerConnections.delete(peerId);
  }

  peerCount(): number {
    return this.peerConnections.size;
  }

  clearPeers(): void {
    this.peerConnections.clear();
  }

  snapshot(mode: SpkP2pMode): SpkP2pStats {
    const total = this.p2pBytes + this.cdnBytes;
    return {
      mode,
      p2pBytes: this.p2pBytes,
      cdnBytes: this.cdnBytes,
      p2pRatio: total === 0 ? 0 : this.p2pBytes / total,
      cacheBytes: this.cacheBytes,
      uploadedBytes: this.uploadedBytes,
      peers: this.peerConnections.size,
      discoveryMs: this.discoveryMs,
      latency: { p2p: summarize(this.latency.p2p), cdn: summarize(this.latency.cdn), cache: summarize(this.latency.cache) },
      segments: { ...this.segments },
      integrityFailures: this.integrityFailures,
      uploadsRefused: this.uploadsRefused,
      uploadBlocks: this.uploadBlocks,
      cdnFallbacks: this.cdnFallbacks,
      gateways: this.gatewayFigures(),
      gatewayHedges: this.hedgesWon,
      verification: (() => {
        const { blockBytes, timingsMs } = this.verifierFigures();
        return this.verification.snapshot(blockBytes, timingsMs);
      })(),
    };
  }
}
