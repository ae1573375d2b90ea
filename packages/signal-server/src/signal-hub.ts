/**
 * The tracker protocol over one room's connections: announces with offers, answer relay by
 * `to_peer_id`/`offer_id`, scrape. Every refused message gets a `failure reason` that carries
 * `action` (and `info_hash` when known): the bittorrent-tracker client tears the socket down
 * on a message without `action`, and ignores announce replies for another info_hash.
 *
 * Messages are parsed and frames built as wire text (UTF-8 bytes, one per character; see ids.ts):
 * ids become real strings where they are keys or compared with stored ones, offer ids and SDPs
 * stay wire text from the received frame to the relayed one.
 */
import type { Logger } from 'pino';
import { fromWire, hasHighEscape, idFromWire, isWireId, stringsToWire, toWire, wireCharCount } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { isBlocked, pickTargets, safetyOf, type Connection, type Member, type Rooms, type Swarm } from './rooms.js';
import { unsent, WriteBatch } from './write-batch.js';
import type { Cluster, ClusterMessage } from './cluster.js';

export interface HubCounters {
  messages: number;
  offersRelayed: number;
  answersRelayed: number;
  announces: number;
  scrapes: number;
  failures: number;
  rateLimited: number;
  slowPeersClosed: number;
}

type Json = Record<string, unknown>;

/** Close codes the server uses (4000–4999 are application codes). */
export const CloseCode = {
  goingAway: 1001,
  badRequest: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  idle: 4408,
  conflict: 4409,
  rateLimited: 4429,
  full: 4503,
  /** The peer stopped reading: more than `maxBufferedBytes` unsent for `slowPeerTimeoutMs`. */
  notReading: 4507,
} as const;

export class SignalHub {
  readonly counters: HubCounters = { messages: 0, offersRelayed: 0, answersRelayed: 0, announces: 0, scrapes: 0, failures: 0, rateLimited: 0, slowPeersClosed: 0 };
  /** Failure replies by reason key, for metrics. */
  readonly failuresByKind = new Map<string, number>();
  /** Called when a connection announces a peer id in a swarm for the first time. */
  onJoin: ((conn: Connection, peerId: string, member: Member) => void) | undefined;
  /** Every frame goes through here: one syscall per peer per event-loop turn. */
  readonly batch = new WriteBatch();
  /** Set in cluster mode: offers that local peers cannot take go to peers on other nodes. */
  cluster: Cluster | undefined;

  constructor(
    private readonly rooms: Rooms,
    private readonly options: ResolvedOptions,
    private readonly log: Logger,
  ) {}

  message(conn: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (conn.closing) return;
    const now = this.options.now();
    conn.lastSeen = now;
    this.counters.messages++;
    if (this.options.messageRate > 0 && !this.takeToken(conn, now)) return;
    if (isBinary) return this.fail(conn, 'binary', 'send JSON text frames', 'announce');
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    const wire = buffer.toString('latin1');
    let message: unknown;
    try {
      // A \u escape of a character ≥ 0x80 would not parse to UTF-8 bytes: such a message takes
      // the slow way, real text whose strings are then turned into wire text.
      message = hasHighEscape(wire) ? stringsToWire(JSON.parse(buffer.toString('utf8')), 4) : JSON.parse(wire);
    } catch {
      return this.fail(conn, 'malformed', 'message is not valid JSON', 'announce');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return this.fail(conn, 'malformed', 'message must be a JSON object', 'announce');
    }
    const msg = message as Json;
    if (msg.action === 'announce') {
      if (msg.answer !== undefined) this.answer(conn, msg, now);
      else this.announce(conn, msg, now);
    } else if (msg.action === 'scrape') {
      this.scrape(conn, msg);
    } else {
      const action = typeof msg.action === 'string' ? fromWire(msg.action) : String(msg.action);
      this.fail(conn, 'action', `unknown action ${JSON.stringify(action).slice(0, 40)}; use "announce" or "scrape"`, 'announce');
    }
  }

  /** Token bucket per connection; a flood longer than a burst closes the socket. */
  private takeToken(conn: Connection, now: number): boolean {
    const { messageRate, messageBurst } = this.options;
    conn.tokens = Math.min(messageBurst, conn.tokens + ((now - conn.tokensAt) * messageRate) / 1000);
    conn.tokensAt = now;
    if (conn.tokens >= 1) {
      conn.tokens -= 1;
      conn.dropped = 0;
      return true;
    }
    this.counters.rateLimited++;
    conn.dropped++;
    if (conn.dropped === 1) {
      this.fail(conn, 'rate', `too many messages: at most ${messageRate} per second (bursts of ${messageBurst}); message dropped`, 'announce');
    } else if (conn.dropped > messageBurst) {
      this.closeConnection(conn, 4429, 'message rate limit exceeded');
    }
    return false;
  }

  private announce(conn: Connection, msg: Json, now: number): void {
    const infoHash = idFromWire(msg.info_hash);
    if (infoHash === undefined) return this.fail(conn, 'info_hash', 'info_hash must be a 20-character string', 'announce', typeof msg.info_hash === 'string' ? fromWire(msg.info_hash) : undefined);
    const peerId = idFromWire(msg.peer_id);
    if (peerId === undefined) return this.fail(conn, 'peer_id', 'peer_id must be a 20-character string', 'announce', infoHash);
    const event = msg.event;
    if (event !== undefined && event !== 'started' && event !== 'stopped' && event !== 'completed' && event !== 'update' && event !== '') {
      return this.fail(conn, 'event', 'event must be started, stopped, completed or absent', 'announce', infoHash);
    }
    let numwant = this.options.maxNumwant;
    if (msg.numwant !== undefined) {
      if (typeof msg.numwant !== 'number' || !Number.isInteger(msg.numwant) || msg.numwant < 0) {
        return this.fail(conn, 'numwant', 'numwant must be a non-negative integer', 'announce', infoHash);
      }
      numwant = Math.min(msg.numwant, numwant);
    }
    const offers = msg.offers;
    if (offers !== undefined) {
      if (!Array.isArray(offers)) return this.fail(conn, 'offers', 'offers must be an array', 'announce', infoHash);
      if (offers.length > this.options.maxOffersPerAnnounce) {
        return this.fail(conn, 'offers', `too many offers: at most ${this.options.maxOffersPerAnnounce} per announce`, 'announce', infoHash);
      }
      for (const item of offers as unknown[]) {
        const problem = this.checkOffer(item);
        if (problem) return this.fail(conn, 'offers', problem, 'announce', infoHash);
      }
    }

    const room = conn.room;
    let member = conn.members.get(infoHash);
    if (member && member.peerId !== peerId) {
      return this.fail(conn, 'peer_id', 'this connection already announced another peer_id in this swarm', 'announce', infoHash);
    }
    if (event === 'stopped') {
      if (member) this.rooms.leave(member);
      this.counters.announces++;
      const swarm = room.swarms.get(infoHash);
      this.batch.send(conn, toWire(`{"action":"announce","interval":${this.options.announceIntervalS},"info_hash":${JSON.stringify(infoHash)},"complete":${swarm?.complete ?? 0},"incomplete":${swarm ? swarm.peers.size - swarm.complete : 0}}`));
      return;
    }
    if (!member) {
      if (conn.members.size >= this.options.maxSwarmsPerConnection) {
        return this.fail(conn, 'swarms', `too many swarms on one connection: at most ${this.options.maxSwarmsPerConnection}`, 'announce', infoHash);
      }
      const swarm = this.rooms.swarm(room, infoHash, now);
      const holder = swarm.peers.get(peerId);
      if (holder) {
        // A reconnecting page keeps its peer id: hand it over only to the same session secret.
        if (conn.session === undefined || holder.conn.session !== conn.session) {
          return this.fail(conn, 'peer_id', 'peer_id is in use on another connection', 'announce', infoHash);
        }
        this.rooms.leave(holder);
      }
      member = this.rooms.join(conn, swarm, peerId, now);
      this.onJoin?.(conn, peerId, member);
    }
    member.lastAnnounce = now;
    const swarm = member.swarm;
    if (event === 'completed' && !member.completed) {
      member.completed = true;
      swarm.complete++;
      swarm.downloaded++;
    }
    this.counters.announces++;
    const blocked = isBlocked(room, member, now);
    this.batch.send(conn, 
      `${swarm.replyPrefix},"complete":${swarm.complete},"incomplete":${swarm.peers.size - swarm.complete}${
        blocked ? ',"warning message":"this peer is blocked in this room after integrity reports; no offers are relayed"' : ''
      }}`,
    );
    if (blocked || !Array.isArray(offers) || offers.length === 0) return;
    const wanted = Math.min(numwant, offers.length);
    const relayed = this.relayOffers(member, swarm, offers as Json[], wanted, now);
    if (this.cluster !== undefined && relayed < wanted) void this.relayRemote(this.cluster, member, offers as Json[], relayed, wanted - relayed);
  }

  private async relayRemote(cluster: Cluster, member: Member, offers: Json[], first: number, count: number): Promise<void> {
    const cid = member.conn.room.cid;
    const infoHash = member.swarm.infoHash;
    const peers = await cluster.remotePeers(cid, infoHash, count, member.peerId);
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[i] as { node: string; peerId: string };
      const item = offers[first + i] as Json;
      // Other nodes get real text: the cluster's messages are JSON of their own.
      cluster.send(peer.node, { t: 'offer', cid, ih: infoHash, from: member.peerId, fromNode: cluster.options.nodeId, to: peer.peerId, oid: fromWire(item.offer_id as string), sdp: fromWire((item.offer as Json).sdp as string) });
      this.counters.offersRelayed++;
    }
  }

  /** An offer or answer another node relayed to a peer of this one. */
  remote(message: ClusterMessage): void {
    if (typeof message !== 'object' || message === null) return;
    if (message.t === 'ban') {
      const banned = this.rooms.rooms.get(message.cid);
      if (banned !== undefined && typeof message.until === 'number') safetyOf(banned).bannedPeers.set(message.peer, message.until);
      return;
    }
    const room = this.rooms.rooms.get(message.cid);
    const target = room?.swarms.get(message.ih)?.peers.get(message.to);
    if (room === undefined || target === undefined || target.conn.closing) return;
    const now = this.options.now();
    if (isBlocked(room, target, now) || unsent(target.conn) > this.options.maxBufferedBytes) return;
    if (typeof message.sdp !== 'string' || message.sdp.length > this.options.maxSdpLength) return;
    const prefix = `{"action":"announce","info_hash":${JSON.stringify(message.ih)},"peer_id":${JSON.stringify(message.from)},"offer_id":${JSON.stringify(message.oid)}`;
    if (message.t === 'offer') {
      this.rooms.rememberOffer(target, toWire(message.oid), message.from, now, message.fromNode);
      this.batch.send(target.conn, toWire(`${prefix},"offer":{"type":"offer","sdp":${JSON.stringify(message.sdp)}}}`));
    } else if (message.t === 'answer') {
      this.batch.send(target.conn, toWire(`${prefix},"answer":{"type":"answer","sdp":${JSON.stringify(message.sdp)}}}`));
    }
  }

  private checkOffer(item: unknown): string | undefined {
    if (typeof item !== 'object' || item === null) return 'each offer must be an object';
    const { offer, offer_id } = item as Json;
    if (!isWireId(offer_id)) return 'offer_id must be a 20-character string';
    if (typeof offer !== 'object' || offer === null) return 'offer must be an object';
    const { type, sdp } = offer as Json;
    if (type !== 'offer') return 'offer.type must be "offer"';
    if (typeof sdp !== 'string' || !this.sdpLengthOk(sdp)) {
      return `offer.sdp must be a string of 1 to ${this.options.maxSdpLength} characters`;
    }
    return undefined;
  }

  /** The limit counts characters; wire text has one per byte, so only a long one needs counting. */
  private sdpLengthOk(sdp: string): boolean {
    return sdp.length !== 0 && (sdp.length <= this.options.maxSdpLength || wireCharCount(sdp) <= this.options.maxSdpLength);
  }

  private relayOffers(member: Member, swarm: Swarm, offers: Json[], count: number, now: number): number {
    const targets = pickTargets(swarm, member, count, member.conn.region, now, this.options.maxBufferedBytes);
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as Member;
      const item = offers[i] as Json;
      const offerId = item.offer_id as string;
      const sdp = (item.offer as Json).sdp as string;
      this.rooms.rememberOffer(target, offerId, member.peerId, now);
      this.batch.send(target.conn, `${member.swarm.relayHead}${member.peerIdJson},"offer_id":${JSON.stringify(offerId)},"offer":{"type":"offer","sdp":${JSON.stringify(sdp)}}}`);
      this.counters.offersRelayed++;
    }
    return targets.length;
  }

  private answer(conn: Connection, msg: Json, now: number): void {
    const infoHash = idFromWire(msg.info_hash);
    if (infoHash === undefined) return this.fail(conn, 'info_hash', 'info_hash must be a 20-character string', 'announce', typeof msg.info_hash === 'string' ? fromWire(msg.info_hash) : undefined);
    const { offer_id: offerId, answer } = msg;
    const peerId = idFromWire(msg.peer_id);
    if (peerId === undefined) return this.fail(conn, 'peer_id', 'peer_id must be a 20-character string', 'announce', infoHash);
    const toPeerId = idFromWire(msg.to_peer_id);
    if (toPeerId === undefined) return this.fail(conn, 'answer', 'to_peer_id must be a 20-character string', 'announce', infoHash);
    // Pending offers are keyed by the offer id's wire text: it goes back out as it came.
    if (!isWireId(offerId)) return this.fail(conn, 'answer', 'offer_id must be a 20-character string', 'announce', infoHash);
    if (typeof answer !== 'object' || answer === null || (answer as Json).type !== 'answer') {
      return this.fail(conn, 'answer', 'answer must be an object with type "answer"', 'announce', infoHash);
    }
    const sdp = (answer as Json).sdp;
    if (typeof sdp !== 'string' || !this.sdpLengthOk(sdp)) {
      return this.fail(conn, 'answer', `answer.sdp must be a string of 1 to ${this.options.maxSdpLength} characters`, 'announce', infoHash);
    }
    const member = conn.members.get(infoHash);
    if (!member || member.peerId !== peerId) {
      return this.fail(conn, 'answer', 'announce this peer_id in this swarm before answering', 'announce', infoHash);
    }
    const pending = member.pending?.get(offerId);
    if (!pending || pending.from !== toPeerId || now - pending.at > this.options.offerTimeoutMs) {
      if (pending) member.pending?.delete(offerId);
      return this.fail(conn, 'answer', 'no pending offer with this offer_id from to_peer_id (expired or never relayed)', 'announce', infoHash);
    }
    member.pending?.delete(offerId);
    if (pending.node !== undefined && this.cluster !== undefined) {
      member.lastAnnounce = now;
      this.cluster.send(pending.node, { t: 'answer', cid: conn.room.cid, ih: infoHash, from: peerId, to: toPeerId, oid: fromWire(offerId), sdp: fromWire(sdp) });
      this.counters.answersRelayed++;
      return;
    }
    const target = member.swarm.peers.get(toPeerId);
    if (!target) return this.fail(conn, 'answer', 'the offering peer has left the swarm', 'announce', infoHash);
    if (isBlocked(conn.room, target, now) || isBlocked(conn.room, member, now)) {
      return this.fail(conn, 'answer', 'a peer of this answer is blocked in this room', 'announce', infoHash);
    }
    if (unsent(target.conn) > this.options.maxBufferedBytes) {
      return this.fail(conn, 'answer', 'the offering peer is not reading its messages', 'announce', infoHash);
    }
    member.lastAnnounce = now;
    this.batch.send(target.conn, `${member.swarm.relayHead}${member.peerIdJson},"offer_id":${JSON.stringify(offerId)},"answer":{"type":"answer","sdp":${JSON.stringify(sdp)}}}`);
    this.counters.answersRelayed++;
  }

  private scrape(conn: Connection, msg: Json): void {
    const given = msg.info_hash;
    let hashes: string[];
    if (given === undefined || (Array.isArray(given) && given.length === 0)) {
      hashes = [...conn.room.swarms.keys()].slice(0, this.options.maxScrapeHashes);
    } else if (idFromWire(given) !== undefined) {
      hashes = [idFromWire(given) as string];
    } else if (Array.isArray(given) && given.every(isWireId)) {
      if (given.length > this.options.maxScrapeHashes) {
        return this.fail(conn, 'scrape', `too many info_hashes: at most ${this.options.maxScrapeHashes} per scrape`, 'scrape');
      }
      hashes = given.map((hash) => idFromWire(hash) as string);
    } else {
      return this.fail(conn, 'scrape', 'info_hash must be a 20-character string or a list of them', 'scrape');
    }
    const files: Record<string, { complete: number; incomplete: number; downloaded: number }> = {};
    for (const hash of hashes) {
      const swarm = conn.room.swarms.get(hash);
      files[hash] = swarm ? { complete: swarm.complete, incomplete: swarm.peers.size - swarm.complete, downloaded: swarm.downloaded } : { complete: 0, incomplete: 0, downloaded: 0 };
    }
    this.counters.scrapes++;
    this.batch.send(conn, toWire(JSON.stringify({ action: 'scrape', files })));
  }

  fail(conn: Connection, kind: string, reason: string, action: 'announce' | 'scrape', infoHash?: string): void {
    this.counters.failures++;
    this.failuresByKind.set(kind, (this.failuresByKind.get(kind) ?? 0) + 1);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ conn: conn.id, ip: conn.ip, kind, reason }, 'message refused');
    const body: Json = { 'failure reason': reason, action };
    if (infoHash !== undefined) body.info_hash = infoHash.slice(0, 64);
    if (conn.socket.readyState === conn.socket.OPEN) this.batch.send(conn, toWire(JSON.stringify(body)));
  }

  /** Notes when a peer went over `maxBufferedBytes`; closes it once it stayed over `slowPeerTimeoutMs`. */
  checkCongestion(conn: Connection, now: number): void {
    if (conn.closing) return;
    const buffered = unsent(conn);
    if (buffered <= this.options.maxBufferedBytes) {
      conn.congestedSince = 0;
    } else if (conn.congestedSince === 0) {
      conn.congestedSince = now;
    } else if (now - conn.congestedSince >= this.options.slowPeerTimeoutMs) {
      this.counters.slowPeersClosed++;
      this.closeConnection(conn, CloseCode.notReading, `not reading: over ${this.options.maxBufferedBytes} bytes unsent for ${now - conn.congestedSince} ms`);
    }
  }

  closeConnection(conn: Connection, code: number, reason: string): void {
    if (conn.closing) return;
    conn.closing = true;
    this.log.info({ conn: conn.id, ip: conn.ip, room: conn.room.cid, code, reason }, 'closing connection');
    this.batch.flushTarget(conn);
    conn.socket.close(code, reason);
  }
}
