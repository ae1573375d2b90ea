/**
 * `createSignalServer`: the WebSocket endpoint, rooms, protections, the HTTP API and the
 * lifecycle (listen, graceful close), on its own http.Server or attached to an existing one.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { admit, clientAddress } from './admission.js';
import { HttpRouter, sendJson } from './http-router.js';
import { registerApiRoutes } from './http-api.js';
import { resolveOptions, type ResolvedOptions, type SignalServerOptions } from './options.js';
import { ReportBook } from './reports.js';
import { busiestRooms, Rooms, type Connection, type Room } from './rooms.js';
import { Sessions, type SessionDirectory } from './sessions.js';
import { CloseCode, SignalHub, type HubCounters } from './signal-hub.js';
import { MessageRate } from './message-rate.js';
import { Cluster, PUBLISHED_BUSIEST_ROOMS } from './cluster.js';
import { binaryToHex } from './ids.js';

export interface ListenAddress {
  port: number;
  host: string;
  /** HTTP base, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** WebSocket URL of the signal endpoint, e.g. `ws://127.0.0.1:8080/api/p2p/signal`. */
  signalUrl: string;
}

export interface SignalStats extends HubCounters {
  rooms: number;
  swarms: number;
  /** Peer ids announced, over all swarms. */
  peers: number;
  connections: number;
  messagesPerSecond: number;
  connectionsRefused: number;
  reportsCounted: number;
  bansIssued: number;
  uptimeSeconds: number;
}

export interface RoomInfo {
  cid: string;
  /** Connections in the room. */
  peers: number;
  since: string | null;
  swarms: { infoHash: string; peers: number; complete: number; incomplete: number; since: string }[];
  regions: Record<string, number>;
  blockedPeers: number;
}

export interface SignalServer {
  readonly httpServer: HttpServer;
  /** Routes of the HTTP API; other modules add theirs here. */
  readonly router: HttpRouter;
  /** Session secrets → announced peer ids, for the contributions module. */
  readonly sessions: SessionDirectory;
  readonly logger: Logger;
  readonly options: ResolvedOptions;
  listen(port?: number, host?: string): Promise<ListenAddress>;
  close(): Promise<void>;
  stats(): SignalStats;
  room(cid: string): RoomInfo;
  /** Prometheus text exposition of the counters and gauges. */
  metrics(): string;
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

export function createSignalServer(input: SignalServerOptions = {}): SignalServer {
  const options = resolveOptions(input);
  const log = input.logger ?? pino({ name: 'spk-signal', level: options.logLevel });
  const startedAt = options.now();
  const rooms = new Rooms(options.announceIntervalS);
  const hub = new SignalHub(rooms, options, log);
  const reports = new ReportBook(options, log);
  const sessions = new Sessions(options.sessionRetentionMs);
  const rate = new MessageRate();
  const connections = new Set<Connection>();
  const perIp = new Map<string, number>();
  let connectionsRefused = 0;
  /** Cluster mode: upgrades decided on this node's per-address cap alone because Redis was away or slow. */
  let addressCapFallbacks = 0;
  const refusedByKind = new Map<string, number>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  hub.onJoin = (conn, peerId) => {
    if (conn.session !== undefined) sessions.addPeer(conn.session, peerId);
  };
  const cluster = options.redisUrl === undefined ? undefined : startCluster();

  function startCluster(): Cluster {
    const started = new Cluster(
      {
        redisUrl: options.redisUrl as string,
        nodeId: options.nodeId,
        peerTtlMs: options.peerTimeoutMs,
        refreshMs: Math.max(1000, Math.min(options.peerTimeoutMs / 3, 30_000)),
        sessionRetentionMs: options.sessionRetentionMs,
      },
      {
        message: (message) => hub.remote(message),
        *localMembers() {
          for (const room of rooms.rooms.values()) for (const swarm of room.swarms.values()) for (const peerId of swarm.peers.keys()) yield [room.cid, swarm.infoHash, peerId];
        },
        openSessions: () => sessions.openSessions(),
        closedSessions: () => sessions.closedSessions(options.now()),
        peerClaims: () => sessions.peerClaims(),
        addressCounts: () => perIp.entries(),
        busiestRooms: () => busiestRooms(rooms, PUBLISHED_BUSIEST_ROOMS),
        stats: () => {
          const { rooms: _r, uptimeSeconds: _u, ...counts } = stats();
          return counts;
        },
      },
      log,
    );
    hub.cluster = started;
    sessions.store = started;
    const local = hub.onJoin;
    hub.onJoin = (conn, peerId, member) => {
      local?.(conn, peerId, member);
      started.join(conn.room.cid, member.swarm.infoHash, peerId);
    };
    rooms.onLeave = (member) => started.leave(member.swarm.room.cid, member.swarm.infoHash, member.peerId);
    return started;
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
  const router = new HttpRouter();
  const httpServer = input.server ?? createServer();
  const attached = input.server !== undefined;

  const countRefusal = (kind: string) => {
    connectionsRefused++;
    refusedByKind.set(kind, (refusedByKind.get(kind) ?? 0) + 1);
  };

  const rejectUpgrade = (socket: Duplex, status: number, text: string, kind: string) => {
    countRefusal(kind);
    const body = `${text}\n`;
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request', 'url');
    }
    if (url.pathname !== options.path) {
      // Someone else's path: leave it to their upgrade listener, if there is one.
      if (httpServer.listenerCount('upgrade') <= 1) rejectUpgrade(socket, 404, 'Not Found', 'path');
      return;
    }
    // A module-level handler: a closure here would keep this whole upgrade scope (request
    // decision, URL slices) alive for as long as the socket lives.
    socket.on('error', destroySocket);
    if (closing) return rejectUpgrade(socket, 503, 'Service Unavailable', 'shutdown');
    // Flood-type limits are refused before the handshake, where they cost least.
    const ip = clientAddress(req, options);
    if (options.maxConnections > 0 && connections.size >= options.maxConnections) return rejectUpgrade(socket, 503, 'Service Unavailable', 'full');
    if (options.maxConnectionsPerIp > 0 && (perIp.get(ip) ?? 0) >= options.maxConnectionsPerIp) return rejectUpgrade(socket, 429, 'Too Many Requests', 'per-ip');
    const now = options.now();
    const decision = admit(req, url.searchParams, options, now);
    if (cluster !== undefined && options.maxConnectionsPerIp > 0) {
      if (cluster.up) return upgradeInCluster(cluster, req, socket, head, ip, decision, now);
      addressCapFallbacks++;
    }
    completeUpgrade(req, socket, head, ip, decision, now, undefined);
  };

  /**
   * The cap counts every node's connections from this address: the slot is taken here first (so
   * concurrent upgrades from one address count each other), then Redis checks the total in one
   * round trip. If Redis is away or slow, the local cap (already checked) alone decides.
   */
  const upgradeInCluster = (cluster: Cluster, req: IncomingMessage, socket: Duplex, head: Buffer, ip: string, decision: ReturnType<typeof admit>, now: number) => {
    const reserved = (perIp.get(ip) ?? 0) + 1;
    perIp.set(ip, reserved);
    // ws answers a broken handshake itself and never calls back: the socket's close frees the slot.
    const abandon = () => releaseIp(ip);
    socket.once('close', abandon);
    void cluster.addresses.admit(ip, reserved, options.maxConnectionsPerIp).then((verdict) => {
      if (verdict === undefined) addressCapFallbacks++;
      if (socket.destroyed) return;
      if (verdict === false) {
        socket.off('close', abandon);
        releaseIp(ip);
        return rejectUpgrade(socket, 429, 'Too Many Requests', 'per-ip');
      }
      if (closing) return rejectUpgrade(socket, 503, 'Service Unavailable', 'shutdown');
      completeUpgrade(req, socket, head, ip, decision, now, abandon);
    });
  };

  /** `abandon`: the slot was already taken (cluster mode), and this close listener gives it back. */
  const completeUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, ip: string, decision: ReturnType<typeof admit>, now: number, abandon: (() => void) | undefined) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      // ws has its own error listener on the socket from here on.
      socket.off('error', destroySocket);
      // Counted once the handshake succeeded: ws answers a broken handshake itself and never calls back.
      if (abandon === undefined) perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      else socket.off('close', abandon);
      if (!decision.ok) {
        // Policy refusals complete the handshake so that browsers can read the close code and reason.
        countRefusal(decision.kind);
        log.info({ ip, kind: decision.kind, reason: decision.reason }, 'connection refused');
        ws.on('close', () => releaseIp(ip));
        ws.on('error', () => ws.terminate());
        ws.close(decision.code, decision.reason);
        return;
      }
      openConnection(ws, ip, rooms.room(decision.cid, now), decision.session, decision.region, now);
    });
  };

  const releaseIp = (ip: string) => {
    const count = (perIp.get(ip) ?? 1) - 1;
    if (count <= 0) perIp.delete(ip);
    else perIp.set(ip, count);
    if (cluster?.up && options.maxConnectionsPerIp > 0) cluster.addresses.set(ip, Math.max(0, count));
  };

  const openConnection = (socket: WebSocket, ip: string, room: Room, session: string | undefined, region: string, now: number) => {
    const conn: Connection = {
      id: nextId++,
      socket,
      ip,
      room,
      session,
      region,
      members: new Map(),
      lastSeen: now,
      tokens: options.messageBurst,
      tokensAt: now,
      dropped: 0,
      closing: false,
      alive: true,
      queued: undefined,
      congestedSince: 0,
    };
    connections.add(conn);
    room.connections.add(conn);
    if (session !== undefined) sessions.open(session, room.cid, ip);
    connectionOf.set(socket, conn);
    socket.on('message', onSocketMessage);
    socket.on('pong', onSocketPong);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  };

  // One set of socket listeners for every connection, finding the connection by its socket:
  // closures per connection would cost four functions and a context for each viewer.
  const connectionOf = new WeakMap<WebSocket, Connection>();
  function onSocketMessage(this: WebSocket, data: unknown, isBinary: boolean): void {
    const conn = connectionOf.get(this);
    if (conn === undefined) return;
    try {
      hub.message(conn, data as Buffer, isBinary);
    } catch (error) {
      // A bug must cost one message, never the process or other peers.
      log.error({ err: error, conn: conn.id }, 'message handler failed');
    }
  }
  function onSocketPong(this: WebSocket): void {
    const conn = connectionOf.get(this);
    if (conn !== undefined) conn.alive = true;
  }
  function onSocketError(this: WebSocket, error: Error): void {
    log.debug({ conn: connectionOf.get(this)?.id, err: error }, 'socket error');
  }
  function onSocketClose(this: WebSocket): void {
    const conn = connectionOf.get(this);
    if (conn !== undefined) closeConnection(conn);
  }

  const closeConnection = (conn: Connection) => {
    if (!connections.delete(conn)) return;
    // Deleting the entry being visited is safe while iterating a Map.
    for (const member of conn.members.values()) rooms.leave(member);
    conn.room.connections.delete(conn);
    rooms.releaseRoom(conn.room);
    releaseIp(conn.ip);
    if (conn.session !== undefined) sessions.close(conn.session, options.now());
  };

  const sweep = () => {
    const now = options.now();
    for (const conn of connections) {
      if (now - conn.lastSeen > options.idleTimeoutMs) {
        hub.closeConnection(conn, CloseCode.idle, 'idle timeout');
        continue;
      }
      for (const member of conn.members.values()) {
        if (now - member.lastAnnounce > options.peerTimeoutMs) rooms.leave(member);
        else if (member.pending !== undefined) for (const [offerId, pending] of member.pending) if (now - pending.at > options.offerTimeoutMs) member.pending.delete(offerId);
      }
    }
    for (const room of rooms.rooms.values()) {
      reports.sweep(room, now);
      rooms.releaseRoom(room);
    }
    sessions.sweep(now);
  };

  const ping = () => {
    for (const conn of connections) {
      if (!conn.alive) {
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
  };

  const sweepTimer = setInterval(sweep, Math.max(250, Math.min(options.idleTimeoutMs, options.peerTimeoutMs, options.offerTimeoutMs) / 4));
  sweepTimer.unref();
  const pingTimer = options.pingIntervalMs > 0 ? setInterval(ping, options.pingIntervalMs) : undefined;
  pingTimer?.unref();
  // Peers that stop reading: checked often enough that one over the cap is closed within 1.5× slowPeerTimeoutMs.
  const congestionTimer = setInterval(() => {
    const now = options.now();
    for (const conn of connections) hub.checkCongestion(conn, now);
  }, Math.max(100, options.slowPeerTimeoutMs / 2));
  congestionTimer.unref();
  const rateTimer = setInterval(() => rate.tick(hub.counters.messages), 1000);
  rateTimer.unref();

  const stats = (): SignalStats => ({
    rooms: rooms.rooms.size,
    swarms: rooms.swarmCount,
    peers: rooms.memberCount,
    connections: connections.size,
    messagesPerSecond: rate.perSecond(hub.counters.messages),
    ...hub.counters,
    connectionsRefused,
    reportsCounted: reports.reportsCounted,
    bansIssued: reports.bansIssued,
    uptimeSeconds: Math.round((options.now() - startedAt) / 1000),
  });

  const roomInfo = (cid: string): RoomInfo => {
    const room = rooms.rooms.get(cid);
    if (!room) return { cid, peers: 0, since: null, swarms: [], regions: {}, blockedPeers: 0 };
    const regions: Record<string, number> = {};
    for (const conn of room.connections) {
      const key = conn.region || 'unknown';
      regions[key] = (regions[key] ?? 0) + 1;
    }
    const now = options.now();
    let blockedPeers = 0;
    for (const until of room.safety?.bannedPeers.values() ?? []) if (until > now) blockedPeers++;
    return {
      cid,
      peers: room.connections.size,
      since: new Date(room.since).toISOString(),
      swarms: [...room.swarms.values()].map((swarm) => ({
        infoHash: binaryToHex(swarm.infoHash),
        peers: swarm.peers.size,
        complete: swarm.complete,
        incomplete: swarm.peers.size - swarm.complete,
        since: new Date(swarm.since).toISOString(),
      })),
      regions,
      blockedPeers,
    };
  };

  const server: SignalServer = {
    httpServer,
    router,
    sessions,
    logger: log,
    options,
    stats,
    room: roomInfo,
    metrics: () => renderMetrics(stats(), hub.failuresByKind, refusedByKind, cluster === undefined ? undefined : { node: options.nodeId, up: cluster.up, outages: cluster.outages, published: cluster.published, received: cluster.received, addressCapFallbacks }),
    async listen(port = 0, host = '127.0.0.1') {
      if (!httpServer.listening) {
        await new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => reject(error);
          httpServer.once('error', onError);
          httpServer.listen(port, host, () => {
            httpServer.off('error', onError);
            resolve();
          });
        });
      }
      const address = httpServer.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${shown}:${address.port}`;
      log.info({ url, path: options.path }, 'signal server listening');
      return { port: address.port, host: address.address, url, signalUrl: `ws://${shown}:${address.port}${options.path}` };
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  const clusterStats = async (): Promise<SignalStats | (SignalStats & { node: string; nodes: number; redis: 'up' | 'down' })> => {
    const local = stats();
    if (cluster === undefined) return local;
    const nodes = await cluster.nodeStats();
    if (nodes === undefined) return { ...local, node: options.nodeId, nodes: 1, redis: 'down' };
    // This node's own figures are live; the others' are at most one refresh period old.
    nodes.set(options.nodeId, local as unknown as Record<string, number>);
    const total = { ...local } as unknown as Record<string, number>;
    for (const key of Object.keys(total)) {
      if (key === 'rooms' || key === 'uptimeSeconds') continue;
      let sum = 0;
      for (const figures of nodes.values()) sum += typeof figures[key] === 'number' ? figures[key] : 0;
      total[key] = sum;
    }
    return { ...(total as unknown as SignalStats), node: options.nodeId, nodes: nodes.size, redis: 'up' };
  };

  const clusterRoom = async (cid: string): Promise<RoomInfo & { clusterPeers?: number }> => {
    const info = roomInfo(cid);
    if (cluster === undefined) return info;
    const counts = await cluster.roomPeers(cid);
    if (counts === undefined) return info;
    const local = new Map(info.swarms.map((swarm) => [swarm.infoHash, swarm]));
    const swarms = [...counts].filter(([, n]) => n > 0).map(([hex, peers]) => {
      const mine = local.get(hex);
      return { infoHash: hex, peers, complete: mine?.complete ?? 0, incomplete: peers - (mine?.complete ?? 0), since: mine?.since ?? info.since ?? new Date().toISOString() };
    });
    let clusterPeers = 0;
    for (const swarm of swarms) clusterPeers = Math.max(clusterPeers, swarm.peers);
    return { ...info, swarms, clusterPeers };
  };

  /**
   * The busiest rooms over every node: each node's own list (live here, one refresh old from the
   * others) summed by CID. A room too small to be in any node's published list is left out.
   */
  const clusterBusiest = async (limit: number): Promise<{ rooms: { cid: string; peers: number }[]; nodes: number }> => {
    const local = busiestRooms(rooms, cluster === undefined ? limit : PUBLISHED_BUSIEST_ROOMS);
    const others = cluster === undefined ? undefined : await cluster.busiestRooms();
    if (others === undefined) return { rooms: local.slice(0, limit).map(([cid, peers]) => ({ cid, peers })), nodes: 1 };
    others.set(options.nodeId, local);
    const totals = new Map<string, number>();
    for (const list of others.values()) for (const [cid, peers] of list) totals.set(cid, (totals.get(cid) ?? 0) + peers);
    const ranked = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
    return { rooms: ranked.map(([cid, peers]) => ({ cid, peers })), nodes: others.size };
  };

  registerApiRoutes(router, {
    stats,
    clusterStats,
    clusterRoom,
    clusterBusiest,
    redis: cluster === undefined ? undefined : () => cluster.ping(),
    sharedReport: cluster === undefined ? undefined : (cid, key, peerId) => cluster.report(cid, key, peerId, options.reportThreshold, options.banDurationMs),
    room: roomInfo,
    metrics: server.metrics,
    isClosing: () => closing !== undefined,
    sessions,
    rooms,
    reports,
    options,
  });

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    router.handle(req, res).then(
      (handled) => {
        if (handled) return;
        if (attached) for (const listener of previousRequestListeners) listener.call(httpServer, req, res);
        else sendJson(res, 404, { error: 'not found' });
      },
      (error: unknown) => {
        log.error({ err: error, url: req.url }, 'request handler failed');
        sendJson(res, 500, { error: 'internal error' });
      },
    );
  };

  // Attached: our listener answers our routes and hands every other request to the listeners
  // the server already had, which are restored on close.
  const previousRequestListeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', onRequest);
  httpServer.on('upgrade', onUpgrade);

  async function shutdown(): Promise<void> {
    log.info({ connections: connections.size }, 'shutting down');
    clearInterval(sweepTimer);
    if (pingTimer) clearInterval(pingTimer);
    clearInterval(rateTimer);
    clearInterval(congestionTimer);
    await cluster?.close();
    const open = [...connections];
    await Promise.all(
      open.map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (conn.socket.readyState === conn.socket.CLOSED) return resolve();
            const timer = setTimeout(() => conn.socket.terminate(), options.shutdownTimeoutMs);
            conn.socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            conn.closing = true;
            hub.batch.flushTarget(conn);
            conn.socket.close(CloseCode.goingAway, 'server shutting down');
          }),
      ),
    );
    httpServer.off('upgrade', onUpgrade);
    httpServer.off('request', onRequest);
    if (attached) {
      for (const listener of previousRequestListeners) httpServer.on('request', listener);
      return;
    }
    if (!httpServer.listening) return;
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve());
      httpServer.closeIdleConnections();
      setTimeout(() => httpServer.closeAllConnections(), options.shutdownTimeoutMs).unref();
    });
  }

  return server;
}

interface ClusterFigures {
  node: string;
  up: boolean;
  outages: number;
  published: number;
  received: number;
  addressCapFallbacks: number;
}

function renderMetrics(stats: SignalStats, failures: Map<string, number>, refused: Map<string, number>, cluster: ClusterFigures | undefined): string {
  const lines: string[] = [];
  const base: Record<string, string> = cluster === undefined ? {} : { node: cluster.node };
  const render = (labels: Record<string, string>) => {
    const all = Object.entries({ ...base, ...labels });
    return all.length === 0 ? '' : `{${all.map(([k, l]) => `${k}="${l.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
  };
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number | [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    if (typeof value === 'number') lines.push(`${name}${render({})} ${value}`);
    else for (const [labels, v] of value) lines.push(`${name}${render(labels)} ${v}`);
  };
  if (cluster !== undefined) {
    metric('spk_signal_redis_up', 'gauge', 'Whether this node reaches Redis (1) or serves its local peers only (0).', cluster.up ? 1 : 0);
    metric('spk_signal_redis_outages_total', 'counter', 'Times this node lost Redis.', cluster.outages);
    metric('spk_signal_cluster_published_total', 'counter', 'Offers and answers sent to other nodes.', cluster.published);
    metric('spk_signal_cluster_received_total', 'counter', 'Offers and answers received from other nodes.', cluster.received);
    metric('spk_signal_address_cap_local_total', 'counter', 'Upgrades decided on this node\'s per-address cap alone because Redis was away or slow.', cluster.addressCapFallbacks);
  }
  metric('spk_signal_rooms', 'gauge', 'Rooms (videos) with at least one connection.', stats.rooms);
  metric('spk_signal_swarms', 'gauge', 'Swarms (renditions) with at least one peer.', stats.swarms);
  metric('spk_signal_peers', 'gauge', 'Peer ids announced over all swarms.', stats.peers);
  metric('spk_signal_connections', 'gauge', 'Open WebSocket connections.', stats.connections);
  metric('spk_signal_messages_per_second', 'gauge', 'Messages received per second, last 10 s.', stats.messagesPerSecond);
  metric('spk_signal_messages_total', 'counter', 'Messages received.', stats.messages);
  metric('spk_signal_offers_relayed_total', 'counter', 'Offers relayed to peers.', stats.offersRelayed);
  metric('spk_signal_answers_relayed_total', 'counter', 'Answers relayed to peers.', stats.answersRelayed);
  metric('spk_signal_announces_total', 'counter', 'Announces accepted.', stats.announces);
  metric('spk_signal_scrapes_total', 'counter', 'Scrapes answered.', stats.scrapes);
  metric('spk_signal_rate_limited_total', 'counter', 'Messages dropped by the per-connection rate limit.', stats.rateLimited);
  metric('spk_signal_slow_peers_closed_total', 'counter', 'Connections closed because the peer stopped reading.', stats.slowPeersClosed);
  metric('spk_signal_failures_total', 'counter', 'Messages refused with a failure reason, by kind.', [...failures].map(([kind, v]) => [{ kind }, v]));
  metric('spk_signal_connections_refused_total', 'counter', 'Connections refused, by kind.', [...refused].map(([kind, v]) => [{ kind }, v]));
  metric('spk_signal_reports_total', 'counter', 'Distinct misbehaving-peer reports counted.', stats.reportsCounted);
  metric('spk_signal_bans_total', 'counter', 'Peers blocked after reports.', stats.bansIssued);
  metric('spk_signal_uptime_seconds', 'gauge', 'Seconds since the server started.', stats.uptimeSeconds);
  return `${lines.join('\n')}\n`;
}
