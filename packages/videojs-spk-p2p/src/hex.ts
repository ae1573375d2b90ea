/** Lowercase hex of bytes: how ids, secrets and digests travel in URLs, JSON and logs. */
export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** `byteCount` random bytes from the platform's CSPRNG, as hex. */
export function randomHex(byteCount: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}
