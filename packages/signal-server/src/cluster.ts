/**
 * Several `spk-signal` nodes sharing rooms over Redis. Membership: one sorted set per swarm
 * (`spk:s:<cid>:<info_hash hex>`), member `<node>|<peer hex>`, score = expiry time (ms), so a
 * dead node's peers drop out of every read once their score passes, with nobody cleaning up.
 * Relay: point to point over pub/sub, one channel per node (`spk:n:<node>`); an offer or an
 * answer is published only to the node that holds its target. Pub/sub, not streams: a relayed
 * offer is worth nothing after `offerTimeoutMs` and the client re-announces anyway, so storing
 * and replaying it after an outage would only deliver stale SDP.
 * Node stats: `spk:node:<node>` (JSON, expires after 3 refresh periods) listed in the sorted set
 * `spk:nodes`, for cluster-wide totals. Sessions: `spk:sess:<sha256>`, peer claims `spk:peer:<hex>`,
 * shared report book `spk:rep:<cid>:<hex>`, bans `spk:ban:<cid>:<hex>` announced on `spk:all`.
 * Connections per client address: `spk:ip:<address>` (see address-caps.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AddressCaps } from './address-caps.js';
import { binaryToHex, parsePeerId } from './ids.js';
import type { SessionStore, SharedSession } from './sessions.js';

export interface ClusterOptions {
  redisUrl: string;
  nodeId: string;
  /** How long a peer stays in the shared view without a re-announce or refresh, ms. */
  peerTtlMs: number;
  /** Period of the membership and stats refresh, ms. */
  refreshMs: number;
  /** How long a closed session stays known, ms. */
  sessionRetentionMs: number;
}

/** What arrives on this node's channel. Ids are raw 20-character strings. */
export type ClusterMessage =
  | { t: 'offer'; cid: string; ih: string; from: string; fromNode: string; to: string; oid: string; sdp: string }
  | { t: 'answer'; cid: string; ih: string; from: string; to: string; oid: string; sdp: string }
  /** To every node (`spk:all`): a peer was blocked in a room until `until` (ms). */
  | { t: 'ban'; cid: string; peer: string; until: number };

export interface RemotePeer {
  node: string;
  peerId: string;
}

export interface ClusterHandlers {
  message(message: ClusterMessage): void;
  /** Every local member `[cid, info_hash, peer_id]`, written again after Redis comes back. */
  localMembers(): Iterable<[string, string, string]>;
  /** This node's stats, published for cluster-wide totals. */
  stats(): Record<string, number>;
  /** Sessions open here `[secret, room, address, peer ids]`, refreshed like members. */
  openSessions(): Iterable<[string, string, string, Iterable<string>]>;
  /** Sessions closed here but still kept `[secret, room, address, peer ids, ms left]`, written back after Redis returns. */
  closedSessions(): Iterable<[string, string, string, Iterable<string>, number]>;
  /** `[secret, peer id]`: each peer id known here with the session here that announced it first. */
  peerClaims(): Iterable<[string, string]>;
  /** Open connections per client address on this node, for the cluster-wide cap. */
  addressCounts(): Iterable<[string, number]>;
  /** This node's busiest rooms `[cid, connections]`, published for the cluster-wide room list. */
  busiestRooms(): Array<[string, number]>;
}

/** Session secrets never leave the node in clear: Redis keys and claims use their SHA-256. */
const sessionKey = (session: string) => createHash('sha256').update(session).digest('hex');

const swarmKey = (cid: string, infoHash: string) => `spk:s:${cid}:${binaryToHex(infoHash)}`;
const roomKey = (cid: string) => `spk:r:${cid}`;
/** The field of a node's published record that lists its busiest rooms. */
const BUSIEST_FIELD = 'busiestRooms';
/** Rooms each node publishes: enough for a page of the busiest cluster-wide. */
export const PUBLISHED_BUSIEST_ROOMS = 100;

export class Cluster implements SessionStore {
  up = false;
  /** Times Redis was lost since start. */
  outages = 0;
  published = 0;
  received = 0;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly timer: NodeJS.Timeout;
  private readonly channel: string;
  /** Set by close(): the disconnect it makes is not an outage to warn about. */
  private stopping = false;
  /** Cluster-wide per-address connection counts. */
  readonly addresses: AddressCaps;

  constructor(readonly options: ClusterOptions, private readonly handlers: ClusterHandlers, private readonly log: Logger) {
    const common = {
      // Fail fast while Redis is away: local peers are served meanwhile, and a queued offer would be stale.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
      lazyConnect: false,
    };
    this.channel = `spk:n:${options.nodeId}`;
    this.pub = new Redis(options.redisUrl, common);
    // The subscriber needs its offline queue: ioredis re-subscribes through it after a reconnect.
    this.sub = new Redis(options.redisUrl, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null });
    // The incarnation keeps a restarted process from inheriting the counts of the one that died.
    this.addresses = new AddressCaps(this.pub, `${options.nodeId}/${randomBytes(4).toString('hex')}`, options.refreshMs * 3);
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    this.pub.on('ready', () => this.onReady());
    this.pub.on('close', () => this.onDown());
    this.sub.on('messageBuffer', (_channel: Buffer, payload: Buffer) => this.onMessage(payload));
    void this.sub.subscribe(this.channel, 'spk:all').catch(() => undefined);
    this.timer = setInterval(() => {
      try {
        this.refresh();
      } catch (error) {
        this.log.error({ err: error }, 'cluster: refresh failed');
      }
    }, options.refreshMs);
    this.timer.unref();
  }

  private onReady(): void {
    if (!this.up) this.log.info({ node: this.options.nodeId, redis: redactUrl(this.options.redisUrl), resync: this.outages > 0 }, 'cluster: Redis reachable');
    this.up = true;
    this.refresh();
    this.resyncSessions();
  }

  /**
   * Redis may come back empty (restarted) and missed every write skipped while it was away. The
   * refresh rewrites members and open sessions; this restores what only one-off writes carried: the
   * peer-id claims (without them another node binds no peer id to a session, and refuses that
   * session's contribution reports for good) and the closed sessions still kept here (a page that
   * left may still send its last report, to any node). NX keeps the claims Redis did not lose.
   */
  private resyncSessions(): void {
    const batch = this.pub.pipeline();
    const claimTtl = Math.max(this.options.peerTtlMs, this.options.sessionRetentionMs);
    for (const [session, peerId] of this.handlers.peerClaims()) batch.set(`spk:peer:${binaryToHex(peerId)}`, sessionKey(session), 'PX', claimTtl, 'NX');
    for (const [session, room, address, peers, leftMs] of this.handlers.closedSessions()) {
      if (leftMs > 0) this.writeSession(batch, session, room, address, peers, false, leftMs);
    }
    batch.exec().catch(() => undefined);
  }

  private onDown(): void {
    if (!this.up) return;
    this.up = false;
    if (this.stopping) return;
    this.outages++;
    this.log.warn({ node: this.options.nodeId }, 'cluster: Redis unreachable; serving local peers only, and capping connections per address on this node alone, until it returns');
  }

  private onMessage(payload: Buffer): void {
    let message: ClusterMessage;
    try {
      message = JSON.parse(payload.toString('utf8')) as ClusterMessage;
    } catch {
      return;
    }
    this.received++;
    this.handlers.message(message);
  }

  /** Writes every local member again (after an outage, and as the TTL refresh) and this node's stats. */
  refresh(): void {
    if (!this.up) return;
    const now = Date.now();
    const expiry = now + this.options.peerTtlMs;
    const batch = this.pub.pipeline();
    for (const [cid, infoHash, peerId] of this.handlers.localMembers()) {
      batch.zadd(swarmKey(cid, infoHash), expiry, `${this.options.nodeId}|${binaryToHex(peerId)}`);
      batch.pexpire(swarmKey(cid, infoHash), this.options.peerTtlMs);
      batch.zadd(roomKey(cid), expiry, binaryToHex(infoHash));
      batch.pexpire(roomKey(cid), this.options.peerTtlMs);
    }
    for (const [session, room, address, peers] of this.handlers.openSessions()) this.writeSession(batch, session, room, address, peers, true);
    this.addresses.write(batch, this.handlers.addressCounts(), now);
    batch.set(`spk:node:${this.options.nodeId}`, JSON.stringify({ at: now, ...this.handlers.stats(), [BUSIEST_FIELD]: this.handlers.busiestRooms() }), 'PX', this.options.refreshMs * 3);
    // The node list is a sorted set by expiry (no KEYS scan); dead nodes fall out by score.
    batch.zadd('spk:nodes', now + this.options.refreshMs * 3, this.options.nodeId);
    batch.zremrangebyscore('spk:nodes', '-inf', now);
    batch.exec().catch(() => undefined);
  }

  /** `closedTtlMs`: how long a closed session is still kept (the whole retention time when it just closed). */
  private writeSession(batch: ReturnType<Redis['pipeline']>, session: string, room: string, address: string, peers: Iterable<string>, connected: boolean, closedTtlMs = this.options.sessionRetentionMs): void {
    const key = sessionKey(session);
    const hex = [...peers].map(binaryToHex);
    // An open session lives as long as its node refreshes it; a closed one for the retention time.
    const ttl = connected ? this.options.peerTtlMs : Math.max(1, Math.round(closedTtlMs));
    batch.set(`spk:sess:${key}`, JSON.stringify({ room, address, peers: hex, connected }), 'PX', ttl);
    for (const peer of hex) batch.pexpire(`spk:peer:${peer}`, Math.max(ttl, this.options.sessionRetentionMs));
  }

  save(session: string, room: string, address: string, peers: Iterable<string>, connected: boolean): void {
    if (!this.up) return;
    const batch = this.pub.pipeline();
    this.writeSession(batch, session, room, address, peers, connected);
    batch.exec().catch(() => undefined);
  }

  /** The first session to announce a peer id anywhere in the cluster owns it (SET NX). */
  claimPeer(session: string, peerId: string): void {
    if (!this.up) return;
    this.pub.set(`spk:peer:${binaryToHex(peerId)}`, sessionKey(session), 'PX', Math.max(this.options.peerTtlMs, this.options.sessionRetentionMs), 'NX').catch(() => undefined);
  }

  async fetch(session: string): Promise<SharedSession | undefined> {
    if (!this.up) return undefined;
    try {
      const key = sessionKey(session);
      const text = await this.pub.get(`spk:sess:${key}`);
      if (text === null) return undefined;
      const stored = JSON.parse(text) as { room: string; address: string; peers: string[]; connected: boolean };
      const owners = stored.peers.length > 0 ? await this.pub.mget(...stored.peers.map((hex) => `spk:peer:${hex}`)) : [];
      const peers: string[] = [];
      const firstOf: string[] = [];
      stored.peers.forEach((hex, i) => {
        const raw = parsePeerId(hex);
        if (raw === undefined) return;
        peers.push(raw);
        if (owners[i] === key) firstOf.push(raw);
      });
      return { room: stored.room, address: stored.address, peers, connected: stored.connected, firstOf };
    } catch {
      return undefined;
    }
  }

  join(cid: string, infoHash: string, peerId: string): void {
    if (!this.up) return;
    const expiry = Date.now() + this.options.peerTtlMs;
    this.pub
      .multi()
      .zadd(swarmKey(cid, infoHash), expiry, `${this.options.nodeId}|${binaryToHex(peerId)}`)
      .pexpire(swarmKey(cid, infoHash), this.options.peerTtlMs)
      .zadd(roomKey(cid), expiry, binaryToHex(infoHash))
      .pexpire(roomKey(cid), this.options.peerTtlMs)
      .exec()
      .catch(() => undefined);
  }

  leave(cid: string, infoHash: string, peerId: string): void {
    if (!this.up) return;
    this.pub.zrem(swarmKey(cid, infoHash), `${this.options.nodeId}|${binaryToHex(peerId)}`).catch(() => undefined);
  }

  /** Up to `count` random live peers of this swarm on other nodes. */
  async remotePeers(cid: string, infoHash: string, count: number, exclude: string): Promise<RemotePeer[]> {
    if (!this.up || count <= 0) return [];
    let entries: string[];
    try {
      entries = await this.pub.zrangebyscore(swarmKey(cid, infoHash), Date.now(), '+inf', 'LIMIT', 0, 500);
    } catch {
      return [];
    }
    const peers: RemotePeer[] = [];
    for (const entry of entries) {
      const bar = entry.indexOf('|');
      const node = entry.slice(0, bar);
      if (node === this.options.nodeId) continue;
      const peerId = parsePeerId(entry.slice(bar + 1));
      if (peerId !== undefined && peerId !== exclude) peers.push({ node, peerId });
    }
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [peers[i], peers[j]] = [peers[j] as RemotePeer, peers[i] as RemotePeer];
    }
    return peers.slice(0, count);
  }

  send(node: string, message: ClusterMessage): void {
    if (!this.up) return;
    this.published++;
    this.pub.publish(`spk:n:${node}`, JSON.stringify(message)).catch(() => undefined);
  }

  /**
   * Counts a report in the shared book (a set of reporter keys per room and peer). At the
   * threshold the first node to see it sets the ban (SET NX) and tells every node.
   */
  async report(cid: string, reporterKey: string, peerId: string, threshold: number, banMs: number): Promise<{ count: number; blocked: boolean; added: boolean } | undefined> {
    if (!this.up) return undefined;
    const hex = binaryToHex(peerId);
    try {
      const result = await this.pub.multi().sadd(`spk:rep:${cid}:${hex}`, reporterKey).pexpire(`spk:rep:${cid}:${hex}`, banMs).scard(`spk:rep:${cid}:${hex}`).pttl(`spk:ban:${cid}:${hex}`).exec();
      const added = Number(result?.[0]?.[1] ?? 0) === 1;
      const count = Number(result?.[2]?.[1] ?? 0);
      if (Number(result?.[3]?.[1] ?? -2) > 0) return { count, blocked: true, added };
      if (count < threshold) return { count, blocked: false, added };
      const until = Date.now() + banMs;
      if ((await this.pub.set(`spk:ban:${cid}:${hex}`, String(until), 'PX', banMs, 'NX')) === 'OK') {
        this.published++;
        await this.pub.publish('spk:all', JSON.stringify({ t: 'ban', cid, peer: peerId, until }));
      }
      return { count, blocked: true, added };
    } catch {
      return undefined;
    }
  }

  /** Live peers per swarm of a room, over every node: info_hash hex → count. */
  async roomPeers(cid: string): Promise<Map<string, number> | undefined> {
    if (!this.up) return undefined;
    try {
      const now = Date.now();
      const hashes = await this.pub.zrangebyscore(roomKey(cid), now, '+inf');
      const counts = new Map<string, number>();
      for (const hex of hashes) counts.set(hex, await this.pub.zcount(`spk:s:${cid}:${hex}`, now, '+inf'));
      return counts;
    } catch {
      return undefined;
    }
  }

  /** What every live node published at its last refresh, by node id. */
  private async nodeRecords(): Promise<Map<string, Record<string, unknown>> | undefined> {
    if (!this.up) return undefined;
    try {
      const nodes = new Map<string, Record<string, unknown>>();
      const ids = await this.pub.zrangebyscore('spk:nodes', Date.now(), '+inf');
      const values = ids.length > 0 ? await this.pub.mget(...ids.map((id) => `spk:node:${id}`)) : [];
      ids.forEach((id, i) => {
        const value = values[i];
        if (value) nodes.set(id, JSON.parse(value) as Record<string, unknown>);
      });
      return nodes;
    } catch {
      return undefined;
    }
  }

  /** The stats every live node published, by node id (numbers only: what is summed). */
  async nodeStats(): Promise<Map<string, Record<string, number>> | undefined> {
    const records = await this.nodeRecords();
    if (records === undefined) return undefined;
    const nodes = new Map<string, Record<string, number>>();
    for (const [id, record] of records) {
      const figures: Record<string, number> = {};
      for (const [key, value] of Object.entries(record)) if (typeof value === 'number') figures[key] = value;
      nodes.set(id, figures);
    }
    return nodes;
  }

  /** The busiest rooms each live node published, by node id (at most one refresh old). */
  async busiestRooms(): Promise<Map<string, Array<[string, number]>> | undefined> {
    const records = await this.nodeRecords();
    if (records === undefined) return undefined;
    const nodes = new Map<string, Array<[string, number]>>();
    for (const [id, record] of records) {
      const list = record[BUSIEST_FIELD];
      nodes.set(id, Array.isArray(list) ? list.filter((entry): entry is [string, number] => Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number') : []);
    }
    return nodes;
  }

  async ping(): Promise<boolean> {
    if (!this.up) return false;
    try {
      return (await this.pub.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    if (this.up) {
      const batch = this.pub.pipeline();
      this.addresses.forget(batch, [...this.handlers.addressCounts()].map(([address]) => address));
      await Promise.race([batch.exec().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    }
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
