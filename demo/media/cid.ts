const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58btc(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes) value = value * 256n + BigInt(byte);
  let out = '';
  while (value > 0n) {
    out = BASE58_ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** Encodes a sha2-256 digest as a CIDv0 ("Qm…", 46 characters), the form 3Speak's uploads use. */
export function cidV0FromDigest(digest: Uint8Array): string {
  if (digest.length !== 32) throw new Error(`CIDv0 needs a 32-byte sha2-256 digest, got ${digest.length} bytes`);
  const multihash = new Uint8Array(34);
  multihash[0] = 0x12;
  multihash[1] = 0x20;
  multihash.set(digest, 2);
  return base58btc(multihash);
}
