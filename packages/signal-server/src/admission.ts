/**
 * Decisions taken once per connection, at the WebSocket upgrade: which room, whether this
 * origin / video / token may enter, the client's address and region.
 */
import type { IncomingMessage } from 'node:http';
import { isRoomName, normalizeOrigin, REGION_PATTERN, SESSION_PATTERN } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { verifyRoomToken } from './room-token.js';
import { CloseCode } from './signal-hub.js';

export interface Admitted {
  ok: true;
  cid: string;
  session: string | undefined;
  region: string;
}

export interface Refused {
  ok: false;
  /** WebSocket close code sent right after the handshake, so browsers can read why. */
  code: number;
  reason: string;
  kind: string;
}

export function clientAddress(req: IncomingMessage, options: ResolvedOptions): string {
  if (options.clientIpHeader) {
    const header = req.headers[options.clientIpHeader];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    // The trusted proxy appends the address it saw, so the last entry is the one to believe.
    const last = value?.split(',').pop()?.trim();
    if (last) return last;
  }
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function refuse(code: number, kind: string, reason: string): Refused {
  return { ok: false, code, kind, reason };
}

export function admit(req: IncomingMessage, query: URLSearchParams, options: ResolvedOptions, now: number): Admitted | Refused {
  if (options.allowedOrigins.length > 0) {
    const origin = req.headers.origin;
    if (origin !== undefined && !options.allowedOrigins.includes(normalizeOrigin(origin))) {
      return refuse(CloseCode.forbidden, 'origin', `origin ${origin.slice(0, 100)} is not allowed`);
    }
  }
  const cid = query.get('cid');
  if (cid === null || cid === '') return refuse(CloseCode.badRequest, 'cid', 'the cid query parameter (video CID) is required');
  if (!isRoomName(cid, options.allowAnyRoomName)) {
    return refuse(CloseCode.badRequest, 'cid', 'cid is not a valid IPFS CID');
  }
  const session = query.get('session') ?? undefined;
  if (session !== undefined && !SESSION_PATTERN.test(session)) {
    return refuse(CloseCode.badRequest, 'session', 'session must be 16-128 URL-safe characters');
  }
  const hint = query.get('region');
  if (hint !== null && !REGION_PATTERN.test(hint)) return refuse(CloseCode.badRequest, 'region', 'region must be 1-32 letters, digits, "-" or "_"');
  let region = hint ?? '';
  if (options.regionHeader) {
    const header = req.headers[options.regionHeader];
    const value = Array.isArray(header) ? header[0] : header;
    if (value && REGION_PATTERN.test(value)) region = value;
  }
  const restricted = options.allowedCids.length > 0 || options.roomTokenSecrets.length > 0;
  if (restricted && !options.allowedCids.includes(cid)) {
    const token = query.get('token');
    if (options.roomTokenSecrets.length === 0) return refuse(CloseCode.forbidden, 'room', 'this video has no room on this server');
    if (token === null || token === '') return refuse(CloseCode.unauthorized, 'token', 'a room token is required for this video');
    const check = verifyRoomToken(options.roomTokenSecrets, cid, token, now);
    if (!check.ok) return refuse(CloseCode.unauthorized, 'token', check.message);
  }
  return { ok: true, cid, session, region: region.toUpperCase() };
}
