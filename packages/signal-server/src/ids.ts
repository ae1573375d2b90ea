/**
 * Tracker ids (info_hash, peer_id, offer_id) are 20 bytes carried as 20-character JSON strings
 * with one code point 0–255 per byte. Hex is how they leave the server (HTTP, logs).
 */
export const ID_LENGTH = 20;

export function isBinaryId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== ID_LENGTH) return false;
  for (let i = 0; i < ID_LENGTH; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

export function binaryToHex(id: string): string {
  // One flat string; appending per character left a 40-node rope behind every stored result.
  return Buffer.from(id, 'latin1').toString('hex');
}

/**
 * The same text as one flat string. Template literals make ropes (a tree of pieces, 32 bytes a
 * node) that V8 flattens only when something reads them character by character; a prefix kept for
 * a peer's lifetime would carry its tree all along. Only for text whose characters are all ≤ 0xFF.
 */
export function flatLatin1(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Accepts the raw 20-character form or its 40-character hex; `undefined` for anything else. */
export function parsePeerId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^[0-9a-fA-F]{40}$/.test(value)) {
    let raw = '';
    for (let i = 0; i < 40; i += 2) raw += String.fromCharCode(parseInt(value.slice(i, i + 2), 16));
    return raw;
  }
  return isBinaryId(value) ? value : undefined;
}

/** IPFS CIDs as 3Speak stores them: CIDv0 (base58btc `Qm…`) or CIDv1 in base32 / base36. */
const CID_PATTERN = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,100}|k[0-9a-z]{40,100})$/;

export function isCid(value: string): boolean {
  return CID_PATTERN.test(value);
}

/** A room name: a video CID, or with `allowAnyRoomName` any short URL-safe name (tests, demos). */
export function isRoomName(value: string, allowAnyRoomName: boolean): boolean {
  return allowAnyRoomName ? /^[A-Za-z0-9._-]{1,128}$/.test(value) : isCid(value);
}

/** Origins compare without trailing slashes and case: `https://Example.org/` is `https://example.org`. */
export function normalizeOrigin(origin: string): string {
  return origin.replace(/\/+$/, '').toLowerCase();
}

/** Session and viewer secrets: the same rule wherever a secret arrives. */
export const SESSION_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
export const REGION_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
