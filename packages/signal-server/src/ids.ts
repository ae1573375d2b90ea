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

/*
 * Wire text: a message's UTF-8 bytes held one byte per character (a latin1 string). The hub
 * parses and builds frames in this form. Decoding a frame as latin1 is a copy, while V8's UTF-8
 * decoder falls to about 2 ns a byte once non-ASCII bytes appear, and tracker ids are binary:
 * about half their bytes are ≥ 0x80. JSON's structure and escapes are ASCII, so JSON.parse of
 * wire text gives every string as its UTF-8 bytes — unless a `\u` escape stands for a character
 * ≥ 0x80, which would come out as that character instead of its bytes (`hasHighEscape`).
 * JSON.stringify of a wire string is the wire text of the real string's JSON: it escapes the
 * same ASCII characters and leaves the rest as they are.
 */

/** The wire text of `text` (lone surrogates become U+FFFD, as any UTF-8 encoder makes them). */
export function toWire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The text that wire text stands for. */
export function fromWire(wire: string): string {
  return Buffer.from(wire, 'latin1').toString('utf8');
}

// Any `\u` not followed by 00[0-7] — also an escaped backslash before a `u`, which only costs the slow path.
const HIGH_ESCAPE = /\\u(?!00[0-7])/;

/** Whether JSON.parse of this wire text could give a string that is not UTF-8 bytes. */
export function hasHighEscape(wire: string): boolean {
  return wire.indexOf('\\u') !== -1 && HIGH_ESCAPE.test(wire);
}

// Code points of the id being decoded; ids are decoded one at a time, never re-entrantly.
const idCodes: number[] = new Array<number>(ID_LENGTH).fill(0);

/**
 * The tracker id whose UTF-8 bytes `value` holds (20 code points, each 0–255: 20 to 40 bytes),
 * or `undefined` if it is not one. Code points 0x80–0xFF are the two bytes C2/C3 + 80–BF.
 */
export function idFromWire(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const n = value.length;
  if (n < ID_LENGTH || n > 2 * ID_LENGTH) return undefined;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (count === ID_LENGTH) return undefined;
    const c = value.charCodeAt(i);
    if (c < 0x80) {
      idCodes[count++] = c;
      continue;
    }
    if ((c !== 0xc2 && c !== 0xc3) || i + 1 === n) return undefined;
    const d = value.charCodeAt(++i);
    if ((d & 0xc0) !== 0x80) return undefined;
    idCodes[count++] = ((c & 0x1f) << 6) | (d & 0x3f);
  }
  if (count !== ID_LENGTH) return undefined;
  // All ASCII: the wire text is the id. Otherwise one flat string from the code points.
  return n === ID_LENGTH ? value : String.fromCharCode.apply(null, idCodes);
}

/** Whether `value` is the wire text of a tracker id, without building the id. */
export function isWireId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n < ID_LENGTH || n > 2 * ID_LENGTH) return false;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) {
      if ((c !== 0xc2 && c !== 0xc3) || i + 1 === n || (value.charCodeAt(++i) & 0xc0) !== 0x80) return false;
    }
    if (++count > ID_LENGTH) return false;
  }
  return count === ID_LENGTH;
}

/** Characters (code points) in wire text: every byte that does not continue a sequence. */
export function wireCharCount(wire: string): number {
  let count = 0;
  for (let i = 0; i < wire.length; i++) if ((wire.charCodeAt(i) & 0xc0) !== 0x80) count++;
  return count;
}

/**
 * A message parsed from real text, with its strings turned into wire text in place, down to
 * `depth` levels (the hub reads nothing deeper than msg.offers[i].offer.sdp). Bounded, so a
 * deeply nested message cannot exhaust the stack.
 */
export function stringsToWire(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return toWire(value);
  if (depth === 0 || typeof value !== 'object' || value === null) return value;
  // Objects are converted in place; only strings are assigned back.
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const inner = record[key];
    if (typeof inner === 'string') record[key] = toWire(inner);
    else stringsToWire(inner, depth - 1);
  }
  return value;
}
