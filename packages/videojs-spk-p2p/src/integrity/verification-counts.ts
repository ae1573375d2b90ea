import { percentile } from '../percentile.js';

/**
 * What the integrity checks did, for the stats. Kept apart from the verifier (like policy.ts) so
 * the stats in the first-frame bundle do not pull in the IPFS format libraries.
 */
export type VerificationSource = 'pending' | 'cid' | 'sha256' | 'none' | 'off';

export interface VerificationStats {
  /** What segments are checked against: `pending` until the verifier has loaded. */
  source: VerificationSource;
  /** Peer segments the engine handed to the check, and how many passed / failed it. */
  peerChecked: number;
  peerVerified: number;
  peerRejected: number;
  /** Gateway / CDN segments checked on the way in (the engine's and the plugin's own fallback fetches). */
  httpChecked: number;
  httpRejected: number;
  /** Bytes of IPFS blocks fetched to check this video. */
  blockBytes: number;
  /** Milliseconds per segment check. */
  checkMs: { p50: number | null; p95: number | null };
}

export class VerificationCounts {
  source: VerificationSource = 'pending';
  peerChecked = 0;
  peerVerified = 0;
  peerRejected = 0;
  httpChecked = 0;
  httpRejected = 0;

  snapshot(blockBytes: number, timingsMs: readonly number[]): VerificationStats {
    const sorted = [...timingsMs].sort((a, b) => a - b);
    return {
      source: this.source,
      peerChecked: this.peerChecked,
      peerVerified: this.peerVerified,
      peerRejected: this.peerRejected,
      httpChecked: this.httpChecked,
      httpRejected: this.httpRejected,
      blockBytes,
      checkMs: { p50: percentile(sorted, 50, 2), p95: percentile(sorted, 95, 2) },
    };
  }
}
