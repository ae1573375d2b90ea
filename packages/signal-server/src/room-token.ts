/**
 * Room tokens let a site's backend admit a viewer to one video's room until a deadline without
 * sharing state with the signal server: `<expiresAtMs>.<base64url HMAC-SHA256(secret, cid.expiresAtMs)>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type RoomTokenCheck =
  | { ok: true; expiresAtMs: number }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired'; message: string };

function sign(secret: string, cid: string, expiresAtMs: number): Buffer {
  return createHmac('sha256', secret).update(`${cid}.${expiresAtMs}`).digest();
}

export function createRoomToken(secret: string, cid: string, expiresAtMs: number): string {
  if (typeof secret !== 'string' || secret.length < 16) throw new TypeError('room token secret must be at least 16 characters');
  if (typeof cid !== 'string' || cid === '') throw new TypeError('cid must be a non-empty string');
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs <= 0) throw new TypeError('expiresAtMs must be a positive integer (epoch milliseconds)');
  return `${expiresAtMs}.${sign(secret, cid, expiresAtMs).toString('base64url')}`;
}

/** Checks a token against every secret given (several during a key rotation). */
export function verifyRoomToken(
  secrets: string | readonly string[],
  cid: string,
  token: string,
  nowMs: number = Date.now(),
): RoomTokenCheck {
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed', message: 'room token is malformed' };
  const expiresAtMs = Number(match[1]);
  const given = Buffer.from(match[2] as string, 'base64url');
  const valid = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const expected = sign(secret, cid, expiresAtMs);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, reason: 'bad-signature', message: 'room token is not valid for this video' };
  if (expiresAtMs <= nowMs) return { ok: false, reason: 'expired', message: 'room token has expired' };
  return { ok: true, expiresAtMs };
}
