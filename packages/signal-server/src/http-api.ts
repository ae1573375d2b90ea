/** The signal server's own HTTP routes: room info, stats, health, metrics and peer reports. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonBody, sendJson, type HttpRouter } from './http-router.js';
import { isRoomName, parsePeerId, SESSION_PATTERN } from './ids.js';
import type { ResolvedOptions } from './options.js';
import type { ReportBook } from './reports.js';
import type { Rooms } from './rooms.js';
import type { RoomInfo, SignalStats } from './server.js';
import type { Sessions } from './sessions.js';

export interface ApiDeps {
  stats(): SignalStats;
  room(cid: string): RoomInfo;
  /** Totals over every node (cluster mode); the local figures otherwise. */
  clusterStats(): Promise<object>;
  clusterRoom(cid: string): Promise<RoomInfo>;
  /** The `limit` rooms with the most connections, over every node in cluster mode. */
  clusterBusiest(limit: number): Promise<{ rooms: { cid: string; peers: number }[]; nodes: number }>;
  /** Cluster mode: counts a report in the shared book; `undefined` when Redis is away. */
  sharedReport: ((cid: string, reporterKey: string, peerId: string) => Promise<{ count: number; blocked: boolean; added: boolean } | undefined>) | undefined;
  /** Cluster mode: whether Redis answers a PING. */
  redis: (() => Promise<boolean>) | undefined;
  metrics(): string;
  isClosing(): boolean;
  sessions: Sessions;
  rooms: Rooms;
  reports: ReportBook;
  options: ResolvedOptions;
}

const MAX_REPORT_BYTES = 4096;
const DEFAULT_ROOMS_LIMIT = 20;
/** Each cluster node publishes its 100 busiest rooms: no larger page can be answered for the cluster. */
const MAX_ROOMS_LIMIT = 100;
const MAX_PRESENCE_BYTES = 512;

export function registerApiRoutes(router: HttpRouter, deps: ApiDeps): void {
  const validRoom = (cid: string) => isRoomName(cid, deps.options.allowAnyRoomName);

  router.route('GET', '/healthz', async (_req, res) => {
    if (deps.isClosing()) return sendJson(res, 503, { status: 'shutting down' });
    const { connections, rooms, uptimeSeconds } = deps.stats();
    if (deps.redis === undefined) return sendJson(res, 200, { status: 'ok', connections, rooms, uptimeSeconds });
    // Still 200 without Redis: the node serves its local peers, and a balancer must keep sending them.
    const redis = (await deps.redis()) ? 'up' : 'down';
    sendJson(res, 200, { status: redis === 'up' ? 'ok' : 'degraded', redis, node: deps.options.nodeId, connections, rooms, uptimeSeconds });
  });

  router.route('GET', '/metrics', (_req, res) => {
    const text = deps.metrics();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  });

  router.route('GET', '/api/p2p/stats', async (_req, res) => sendJson(res, 200, await deps.clusterStats()));

  // The busiest rooms (a seeder's `--rooms-from` picks what to seed from it): `?limit=` 1–100.
  router.route('GET', '/api/p2p/rooms', async (_req, res, _params, url) => {
    const raw = url.searchParams.get('limit');
    const limit = raw === null ? DEFAULT_ROOMS_LIMIT : /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(limit >= 1 && limit <= MAX_ROOMS_LIMIT)) return sendJson(res, 400, { error: `limit must be a whole number from 1 to ${MAX_ROOMS_LIMIT}` });
    sendJson(res, 200, await deps.clusterBusiest(limit));
  });

  router.route('GET', '/api/p2p/rooms/:videoCid', async (_req, res, params) => {
    const cid = params.videoCid ?? '';
    if (!validRoom(cid)) return sendJson(res, 400, { error: 'videoCid is not a valid IPFS CID' });
    sendJson(res, 200, await deps.clusterRoom(cid));
  });

  // A viewer asks whether its own signal connection is still known here: after a server restart
  // it is not, and the viewer rejoins at once instead of waiting for its tracker client's
  // 10 s – 5 min reconnect. POST keeps the session secret out of access logs.
  router.route('POST', '/api/p2p/presence', async (req, res) => {
    try {
      const { value: body } = await readJsonBody(req, MAX_PRESENCE_BYTES);
      const { cid, session } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (typeof cid !== 'string' || !validRoom(cid)) throw new HttpError(400, '`cid` must be the video CID');
      if (typeof session !== 'string' || !SESSION_PATTERN.test(session)) throw new HttpError(400, '`session` must be your 16-128 character session secret');
      // In a cluster the viewer's socket may be on another node: its session comes from Redis.
      await deps.sessions.load(session);
      sendJson(res, 200, { connected: deps.sessions.isConnected(session, cid) });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      sendJson(res, error.status, { error: error.message });
    }
  });

  router.route('POST', '/api/p2p/reports', async (req, res) => {
    try {
      await report(req, res, deps, validRoom);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      sendJson(res, error.status, { error: error.message });
    }
  });
}

async function report(req: IncomingMessage, res: ServerResponse, deps: ApiDeps, validRoom: (cid: string) => boolean): Promise<void> {
  const { value: body } = await readJsonBody(req, MAX_REPORT_BYTES);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object { cid, session, peerId, reason }');
  const { cid, session, peerId, reason } = body as Record<string, unknown>;
  if (typeof cid !== 'string' || !validRoom(cid)) throw new HttpError(400, '`cid` must be the video CID');
  if (typeof session !== 'string' || !SESSION_PATTERN.test(session)) throw new HttpError(400, '`session` must be your 16-128 character session secret');
  const reported = parsePeerId(peerId);
  if (reported === undefined) throw new HttpError(400, '`peerId` must be a 20-character peer id or its 40-character hex');
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) throw new HttpError(400, '`reason` must be a string of at most 200 characters');
  await deps.sessions.load(session);
  if (!deps.sessions.isConnected(session, cid)) throw new HttpError(403, 'this session is not connected to the signal server in this room');
  if ([...deps.sessions.peersOfSession(session)].includes(reported)) throw new HttpError(400, 'a session cannot report its own peer');
  const room = deps.rooms.rooms.get(cid);
  const reporterKey = deps.options.reportersByAddress ? `ip:${deps.sessions.addressOfSession(session) ?? ''}` : `session:${session}`;
  const shared = await deps.sharedReport?.(cid, reporterKey, reported);
  if (shared !== undefined) return sendJson(res, 202, deps.reports.applyShared(room, reported, shared, deps.options.now()));
  // Without Redis (single node, or while it is away) the book is this node's own.
  if (!room) throw new HttpError(403, 'this session is not connected to the signal server in this room');
  const outcome = deps.reports.report(room, reporterKey, reported, deps.options.now());
  sendJson(res, 202, outcome);
}
