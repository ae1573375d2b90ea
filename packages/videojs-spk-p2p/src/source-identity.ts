/**
 * What names a video source: its absolute master playlist URL and, when it can be known, its
 * IPFS CID. Sites write sources page-relative (`/media/x/manifest.m3u8`), protocol-relative or
 * absolute, often with per-viewer query strings (signed CDN URLs); the swarm must be one per
 * video whatever the spelling.
 */

// CIDv0 is base58btc sha2-256 ("Qm" + 44); CIDv1 in its usual base32 (b…) or base36 (k…) text forms.
const CID_V0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;
const CID_V1_BASE32 = /^b[a-z2-7]{50,}$/;
const CID_V1_BASE36 = /^k[0-9a-z]{40,}$/;

export function isCid(value: string): boolean {
  return value.length <= 128 && (CID_V0.test(value) || CID_V1_BASE32.test(value) || CID_V1_BASE36.test(value));
}

/** The absolute URL of a source as the page wrote it, or `undefined` if it is not a URL at all. */
export function absoluteSourceUrl(src: string, base: string = document.baseURI): string | undefined {
  if (!src) return undefined;
  try {
    return new URL(src, base).href;
  } catch {
    return undefined;
  }
}

/**
 * The CID a gateway URL names: a path gateway's `/ipfs/<cid>/…` or a subdomain gateway's
 * `<cid>.ipfs.<host>`. Other paths (a CDN's own layout) name none.
 */
export function cidFromUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const subdomain = /^([^.]+)\.ipfs\./.exec(parsed.hostname)?.[1];
  if (subdomain !== undefined && isCid(subdomain)) return subdomain;
  const parts = parsed.pathname.split('/');
  const at = parts.indexOf('ipfs');
  const candidate = at >= 0 ? parts[at + 1] : undefined;
  return candidate !== undefined && isCid(candidate) ? candidate : undefined;
}

/** The URL without its query and fragment: what identifies a playlist across viewers. */
export function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}
