import { bytesToHex, randomHex } from './hex.js';

/** A random per-page secret the signal server uses to tie reports and contributions to this viewer. */
export function createSessionSecret(): string {
  return randomHex(16);
}

/** Adds `cid` and `session` to a tracker URL, keeping whatever query the site already put there. */
export function trackerUrlFor(trackerUrl: string, cid: string | undefined, session: string): string {
  const url = new URL(trackerUrl);
  if (cid !== undefined) url.searchParams.set('cid', cid);
  url.searchParams.set('session', session);
  return url.toString();
}

/** An HTTP endpoint of the signal server, which serves its API on the same host as its WebSocket. */
export function signalHttpUrlFor(trackerUrl: string, pathname: string): string {
  const url = new URL(trackerUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = pathname;
  url.search = '';
  url.hash = '';
  return url.toString();
}

export function reportUrlFor(trackerUrl: string): string {
  return signalHttpUrlFor(trackerUrl, '/api/p2p/reports');
}

/** Peer ids travel as 20 code points 0–255; hex is what logs and HTTP bodies can carry safely. */
export function peerIdToHex(peerId: string): string {
  if (/^[0-9a-f]{40}$/i.test(peerId)) return peerId.toLowerCase();
  return bytesToHex(Uint8Array.from(peerId, (char) => char.charCodeAt(0) & 0xff));
}
