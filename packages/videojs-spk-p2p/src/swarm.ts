/** A random per-page secret the signal server uses to tie reports and contributions to this viewer. */
export function createSessionSecret(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Adds `cid` and `session` to a tracker URL, keeping whatever query the site already put there. */
export function trackerUrlFor(trackerUrl: string, cid: string | undefined, session: string): string {
  const url = new URL(trackerUrl);
  if (cid !== undefined) url.searchParams.set('cid', cid);
  url.searchParams.set('session', session);
  return url.toString();
}

/** The signal server's report endpoint lives on the same host as its WebSocket. */
export function reportUrlFor(trackerUrl: string): string {
  const url = new URL(trackerUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/api/p2p/reports';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** Peer ids travel as 20 code points 0–255; hex is what logs and HTTP bodies can carry safely. */
export function peerIdToHex(peerId: string): string {
  if (/^[0-9a-f]{40}$/i.test(peerId)) return peerId.toLowerCase();
  return Array.from(peerId, (char) => (char.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')).join('');
}
