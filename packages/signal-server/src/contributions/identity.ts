/**
 * Secrets (session, viewer) arrive from browsers; only their hashes are stored, so a leaked
 * database cannot be used to report as someone else.
 */
import { createHash } from 'node:crypto';
import { binaryToHex } from '../ids.js';

export { SESSION_PATTERN as SECRET_PATTERN } from '../ids.js';
export const PEER_ID_HEX_PATTERN = /^[0-9a-f]{40}$/;

export function hashSecret(kind: 'session' | 'viewer', secret: string): string {
  return createHash('sha256').update(`spk-p2p:${kind}:${secret}`).digest('hex');
}

/** The public name of a viewer: short enough for a URL or a leaderboard, derived from the stored hash. */
export function publicViewerId(viewerHash: string): string {
  return viewerHash.slice(0, 24);
}

/** Peer ids travel as 20 code points 0–255 on the tracker; we store and compare lowercase hex. */
export function peerIdToHex(peerId: string): string {
  return /^[0-9a-f]{40}$/i.test(peerId) ? peerId.toLowerCase() : binaryToHex(peerId);
}

/** UTC calendar day of an epoch-millisecond time, the bucket claims are grouped by. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
