/**
 * Secrets (session, viewer) arrive from browsers; only their hashes are stored, so a leaked
 * database cannot be used to report as someone else.
 */
import { createHash } from 'node:crypto';

export const SECRET_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
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
  if (/^[0-9a-f]{40}$/i.test(peerId)) return peerId.toLowerCase();
  return Array.from(peerId, (char) => (char.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')).join('');
}

/** UTC calendar day of an epoch-millisecond time, the bucket claims are grouped by. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
