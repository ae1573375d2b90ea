/**
 * HTTP routes of the contributions API. `handle` answers the requests it owns and returns
 * false for anything else, so it mounts on the signal server's router or on a bare node:http
 * server alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HiveLinkError, type HiveLinker } from './hive-link.js';
import { CORS_HEADERS, HttpError, readJsonBody, sendJson } from '../http-router.js';
import { hashSecret, peerIdToHex, publicViewerId, SECRET_PATTERN } from './identity.js';
import { leaderboard, rangeOfPeriod, timeline, viewerSummary } from './queries.js';
import type { RateLimiter } from './rate-limit.js';
import { parseReport, ReportValidationError } from './report.js';
import type { ContributionStore } from './store.js';
import type { CreditPolicy } from './crediting.js';
import { isValidDay } from './payouts.js';
import { normalizeAddress } from './address.js';
import type { SessionDirectory } from './directory.js';

export const CONTRIBUTION_PATH = '/api/p2p/contribution';
const MAX_BODY_BYTES = 64 * 1024;
const OWN_PATHS = /^\/api\/p2p\/(contribution|contributions\/[^/]*|leaderboard|contribution-stats|hive\/challenge|hive\/link)$/;

export interface HttpDeps {
  store: ContributionStore;
  directory: SessionDirectory;
  limiter: RateLimiter;
  linker: HiveLinker;
  policy: CreditPolicy;
  clientAddress: (req: IncomingMessage) => string | undefined;
  now: () => number;
  onError: (error: unknown, where: string) => void;
}

export function createContributionsHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!OWN_PATHS.test(url.pathname)) return false;
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...CORS_HEADERS });
        res.end();
        return true;
      }
      await route(deps, req, res, url);
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message }, error.headers);
      } else if (error instanceof ReportValidationError) {
        sendJson(res, 400, { error: error.message });
      } else if (error instanceof HiveLinkError) {
        sendJson(res, error.status, { error: error.message });
      } else {
        deps.onError(error, `${req.method} ${url.pathname}`);
        sendJson(res, 503, { error: 'storage unavailable, try again later' });
      }
    }
    return true;
  };
}

function requireMethod(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
    throw new HttpError(405, `use ${method}`, { Allow: `${method}, OPTIONS` });
  }
}

function rateLimit(deps: HttpDeps, req: IncomingMessage): void {
  const wait = deps.limiter.take(normalizeAddress(deps.clientAddress(req)));
  if (wait > 0) throw new HttpError(429, 'too many requests', { 'Retry-After': String(wait) });
}

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  if (path === CONTRIBUTION_PATH) {
    requireMethod(req, 'POST');
    rateLimit(deps, req);
    const { value, raw } = await readJsonBody(req, MAX_BODY_BYTES);
    const report = parseReport(value);
    const directory = deps.directory;
    await directory.load?.(report.session);
    const room = directory.roomOfSession?.(report.session);
    if (room !== undefined && room !== report.videoCid) {
      throw new HttpError(403, `this session joined the room of ${room}, not ${report.videoCid}`);
    }
    const announced = [...directory.peersOfSession(report.session)]
      .filter((peerId) => directory.firstSessionOfPeer === undefined || directory.firstSessionOfPeer(peerId) === report.session)
      .map(peerIdToHex);
    const outcome = await deps.store.recordReport(report, {
      receivedAt: deps.now(),
      address: normalizeAddress(deps.directory.addressOfSession?.(report.session) ?? deps.clientAddress(req)),
      announcedPeers: announced,
      rawBody: raw,
      roomId: room ?? report.videoCid,
    });
    switch (outcome.status) {
      case 'accepted':
        return sendJson(res, 201, { status: 'accepted', reportId: report.reportId, viewer: publicViewerId(outcome.viewerId) });
      case 'duplicate':
        return sendJson(res, 200, { status: 'duplicate', reportId: report.reportId });
      case 'conflict':
        throw new HttpError(409, 'this reportId was already used by another session');
      case 'unbound':
        throw new HttpError(403, 'this session has not announced any peer on the signal server');
    }
  }

  if (path.startsWith('/api/p2p/contributions/')) {
    requireMethod(req, 'GET');
    const id = decodeURIComponent(path.slice('/api/p2p/contributions/'.length)).toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(id) && !/^[0-9a-f]{24}$/.test(id)) {
      throw new HttpError(400, 'give a peer id (40 hex characters) or a viewer id (24 hex characters)');
    }
    const summary = await viewerSummary(deps.store.db, deps.policy, id, deps.now());
    if (!summary) throw new HttpError(404, 'no contributions recorded for this id');
    return sendJson(res, 200, summary);
  }

  if (path === '/api/p2p/leaderboard') {
    requireMethod(req, 'GET');
    const period = url.searchParams.get('period') ?? 'week';
    if (!['day', 'week', 'month', 'all'].includes(period) && !isValidDay(period)) {
      throw new HttpError(400, '`period` must be day, week, month, all or a YYYY-MM-DD date');
    }
    const limit = integerParam(url, 'limit', 20, 1, 100);
    const range = rangeOfPeriod(period, deps.now());
    const entries = await leaderboard(deps.store.db, deps.policy, range, limit);
    return sendJson(res, 200, { period, from: range.from, to: range.to, entries });
  }

  if (path === '/api/p2p/contribution-stats') {
    requireMethod(req, 'GET');
    const hours = integerParam(url, 'hours', 48, 1, 24 * 90);
    return sendJson(res, 200, { hours, points: await timeline(deps.store.db, hours, deps.now()) });
  }

  if (path === '/api/p2p/hive/challenge') {
    requireMethod(req, 'POST');
    rateLimit(deps, req);
    const body = objectBody((await readJsonBody(req, 4096)).value);
    const viewer = secretField(body, 'viewer');
    if (typeof body.username !== 'string') throw new HttpError(400, '`username` must be a string');
    const challenge = await deps.linker.createChallenge(hashSecret('viewer', viewer), body.username.trim().toLowerCase());
    return sendJson(res, 201, { ...challenge, expiresAt: new Date(challenge.expiresAt).toISOString() });
  }

  if (path === '/api/p2p/hive/link') {
    requireMethod(req, 'POST');
    rateLimit(deps, req);
    const body = objectBody((await readJsonBody(req, 4096)).value);
    const viewer = secretField(body, 'viewer');
    if (typeof body.challengeId !== 'string' || !/^[0-9a-f]{32}$/.test(body.challengeId)) throw new HttpError(400, '`challengeId` must be the id from /hive/challenge');
    if (typeof body.signature !== 'string' || !/^[0-9a-f]{130}$/i.test(body.signature)) throw new HttpError(400, '`signature` must be 130 hex characters');
    const viewerId = hashSecret('viewer', viewer);
    const linked = await deps.linker.link(viewerId, body.challengeId, body.signature.toLowerCase());
    return sendJson(res, 200, { viewer: publicViewerId(viewerId), hiveUsername: linked.hiveUsername, publicKey: linked.publicKey });
  }

  throw new HttpError(404, 'not found');
}

function objectBody(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function secretField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || !SECRET_PATTERN.test(value)) throw new HttpError(400, `\`${field}\` must be 16–128 URL-safe characters`);
  return value;
}

function integerParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new HttpError(400, `\`${name}\` must be an integer from ${min} to ${max}`);
  }
  return Number(text);
}
