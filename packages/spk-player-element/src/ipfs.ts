/**
 * Where SPK/3Speak videos live on IPFS and how a root CID becomes a playable URL on a gateway.
 */

/**
 * 3Speak's public gateways in the order its own player falls back through them. Each is a
 * gateway origin: the playable URL is `<gateway>/ipfs/<cid>/manifest.m3u8`.
 */
export const DEFAULT_GATEWAYS: readonly string[] = Object.freeze([
  'https://ipfs-3speak.b-cdn.net',
  'https://ipfs.3speak.tv',
  'https://hotipfs-1.3speak.tv',
  'https://ipfs-audio.3speak.tv',
]);

/** The master playlist of the current encoder's layout, relative to the video's root CID. */
export const MANIFEST_PATH = 'manifest.m3u8';

// CIDv0 is base58btc sha2-256 ("Qm" + 44); CIDv1 in its usual base32 (b…) or base36 (k…) text forms.
const CID_V0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;
const CID_V1_BASE32 = /^b[a-z2-7]{50,}$/;
const CID_V1_BASE36 = /^k[0-9a-z]{40,}$/;

export function isCid(value: string): boolean {
  return CID_V0.test(value) || CID_V1_BASE32.test(value) || CID_V1_BASE36.test(value);
}

/** An IPFS location: a root CID and a path below it (no leading slash). */
export interface IpfsPath {
  cid: string;
  path: string;
}

/**
 * Reads `ipfs://<cid>/<path>`, `/ipfs/<cid>/<path>` or `<cid>/<path>`; `null` when the text
 * does not start with a valid CID. Path segments are kept to URL-safe characters so a value
 * from a post's metadata cannot reshape the gateway URL.
 */
export function parseIpfsPath(text: string): IpfsPath | null {
  const trimmed = text.trim().replace(/^ipfs:\/\//i, '').replace(/^\/?ipfs\//i, '');
  const [cid = '', ...rest] = trimmed.split('/');
  if (!isCid(cid)) return null;
  const path = rest.filter((part) => part !== '' && part !== '.' && part !== '..').join('/');
  if (!/^[A-Za-z0-9._~\-/]*$/.test(path)) return null;
  return { cid, path };
}

/**
 * Normalises one gateway given by a user: an http(s) origin, optionally with a base path;
 * a trailing `/ipfs` (as 3Speak writes its gateway list) is dropped.
 * Throws a readable error when it is not an http(s) URL.
 */
export function normaliseGateway(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`"${text}" is not an http(s) URL`);
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '').replace(/\/ipfs$/i, '');
}

/** Splits a `gateway` attribute (space- or comma-separated, in fallback order). */
export function parseGatewayList(text: string | null | undefined): string[] {
  if (text === null || text === undefined || text.trim() === '') return [...DEFAULT_GATEWAYS];
  return text
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map(normaliseGateway);
}

export function gatewayUrl(gateway: string, location: IpfsPath): string {
  const suffix = location.path === '' ? '' : `/${location.path}`;
  return `${gateway}/ipfs/${location.cid}${suffix}`;
}

/**
 * The root CID a gateway URL names: a path gateway's `/ipfs/<cid>/…` or a subdomain
 * gateway's `<cid>.ipfs.<host>`; undefined for any other URL (a CDN path says nothing).
 */
export function cidFromUrl(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const [label, marker] = url.hostname.split('.');
  if (marker === 'ipfs' && label !== undefined && isCid(label)) return label;
  const segments = url.pathname.split('/');
  const at = segments.indexOf('ipfs');
  const cid = at >= 0 ? segments[at + 1] : undefined;
  return cid !== undefined && isCid(cid) ? cid : undefined;
}
