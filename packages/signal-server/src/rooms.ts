/**
 * Who is where: rooms (one per video CID) hold swarms (one per rendition info_hash), swarms hold
 * members (a peer id announced on one connection). Each swarm also keeps its members in an array
 * so picking random offer targets never copies the whole swarm.
 */
import type { WebSocket } from 'ws';
import { flatLatin1, toWire } from './ids.js';
import { unsent } from './write-batch.js';

export interface Connection {
  readonly id: number;
  readonly socket: WebSocket;
  readonly ip: string;
  readonly room: Room;
  readonly session: string | undefined;
  /** '' when unknown. */
  readonly region: string;
  readonly members: Map<string, Member>;
  lastSeen: number;
  tokens: number;
  tokensAt: number;
  /** Messages dropped in a row by the rate limit. */
  dropped: number;
  closing: boolean;
  /** Answered the last ping. */
  alive: boolean;
  /** Frames (wire text) sent this event-loop turn, written at its end (see write-batch.ts). */
  queued: string[] | undefined;
  /** Since when (ms) its unsent bytes have been over `maxBufferedBytes`; 0 = not over. */
  congestedSince: number;
}

export interface Member {
  readonly peerId: string;
  readonly conn: Connection;
  readonly swarm: Swarm;
  /** The peer id as JSON wire text: every offer/answer this member sends starts `${swarm.relayHead}${peerIdJson}`. */
  readonly peerIdJson: string;
  completed: boolean;
  lastAnnounce: number;
  index: number;
  /** Offers relayed to this member that it may still answer: offer_id (wire text) → sender peer id and time; created on the first offer. */
  pending: Map<string, { from: string; at: number; node?: string }> | undefined;
}

export interface Swarm {
  readonly infoHash: string;
  readonly room: Room;
  readonly since: number;
  /** `{"action":"announce","interval":N,"info_hash":…` — the start of every announce reply. */
  readonly replyPrefix: string;
  /** `{"action":"announce","info_hash":…,"peer_id":` — the start of every offer/answer relayed in it. */
  readonly relayHead: string;
  readonly peers: Map<string, Member>;
  readonly list: Member[];
  complete: number;
  downloaded: number;
}

export interface Room {
  readonly cid: string;
  readonly since: number;
  readonly swarms: Map<string, Swarm>;
  readonly connections: Set<Connection>;
  /** Reports and bans; made on the first report or ban, so the many rooms that never see one cost three maps less. */
  safety: RoomSafety | undefined;
}

export interface RoomSafety {
  /** Blocked peer ids / addresses → blocked until (ms). */
  readonly bannedPeers: Map<string, number>;
  readonly bannedAddresses: Map<string, number>;
  /** Reported peer id → reporter keys. */
  readonly reports: Map<string, Set<string>>;
}

export function safetyOf(room: Room): RoomSafety {
  return (room.safety ??= { bannedPeers: new Map(), bannedAddresses: new Map(), reports: new Map() });
}

const MAX_PENDING_OFFERS = 128;

export class Rooms {
  readonly rooms = new Map<string, Room>();
  swarmCount = 0;
  memberCount = 0;
  /** Cluster mode only: told when a member leaves, to withdraw it from the shared view. */
  onLeave: ((member: Member) => void) | undefined;

  constructor(private readonly intervalS: number) {}

  room(cid: string, now: number): Room {
    let room = this.rooms.get(cid);
    if (!room) {
      // The cid is a slice of the first viewer's request URL: copied so the room does not keep that URL alive.
      room = { cid: flatLatin1(cid), since: now, swarms: new Map(), connections: new Set(), safety: undefined };
      this.rooms.set(cid, room);
    }
    return room;
  }

  /** Drops a room once nobody is in it and nothing about it needs remembering. */
  releaseRoom(room: Room): void {
    const safety = room.safety;
    if (room.connections.size === 0 && (safety === undefined || (safety.bannedPeers.size === 0 && safety.bannedAddresses.size === 0))) {
      this.rooms.delete(room.cid);
    }
  }

  swarm(room: Room, infoHash: string, now: number): Swarm {
    let swarm = room.swarms.get(infoHash);
    if (!swarm) {
      swarm = {
        infoHash,
        room,
        since: now,
        // Wire text (see ids.ts), as every frame is; also flat, where a template literal is a rope.
        replyPrefix: toWire(`{"action":"announce","interval":${this.intervalS},"info_hash":${JSON.stringify(infoHash)}`),
        relayHead: toWire(`{"action":"announce","info_hash":${JSON.stringify(infoHash)},"peer_id":`),
        peers: new Map(),
        list: [],
        complete: 0,
        downloaded: 0,
      };
      room.swarms.set(infoHash, swarm);
      this.swarmCount++;
    }
    return swarm;
  }

  join(conn: Connection, swarm: Swarm, announcedPeerId: string, now: number): Member {
    // A viewer announces one peer id in each rendition's swarm: its members share one copy of
    // the id and of its JSON, instead of one per parsed message.
    let peerId = announcedPeerId;
    let peerIdJson: string | undefined;
    for (const sibling of conn.members.values()) {
      if (sibling.peerId === announcedPeerId) {
        peerId = sibling.peerId;
        peerIdJson = sibling.peerIdJson;
        break;
      }
    }
    const member: Member = {
      peerId,
      conn,
      swarm,
      peerIdJson: peerIdJson ?? toWire(JSON.stringify(peerId)),
      completed: false,
      lastAnnounce: now,
      index: swarm.list.length,
      pending: undefined,
    };
    swarm.peers.set(peerId, member);
    swarm.list.push(member);
    conn.members.set(swarm.infoHash, member);
    this.memberCount++;
    return member;
  }

  leave(member: Member): void {
    const { swarm, conn } = member;
    if (swarm.peers.get(member.peerId) !== member) return;
    swarm.peers.delete(member.peerId);
    const last = swarm.list.pop() as Member;
    if (last !== member) {
      swarm.list[member.index] = last;
      last.index = member.index;
    }
    if (member.completed) swarm.complete--;
    if (conn.members.get(swarm.infoHash) === member) conn.members.delete(swarm.infoHash);
    this.memberCount--;
    this.onLeave?.(member);
    if (swarm.peers.size === 0) {
      swarm.room.swarms.delete(swarm.infoHash);
      this.swarmCount--;
    }
  }

  /** `node`: the cluster node holding the offering peer, when it is not this one. */
  rememberOffer(target: Member, offerId: string, from: string, now: number, node?: string): void {
    let pending = target.pending;
    if (pending === undefined) {
      pending = new Map();
      target.pending = pending;
    } else if (pending.size >= MAX_PENDING_OFFERS) {
      const oldest = pending.keys().next();
      if (!oldest.done) pending.delete(oldest.value);
    }
    pending.set(offerId, node === undefined ? { from, at: now } : { from, at: now, node });
  }
}

export function isBlocked(room: Room, member: Member, now: number): boolean {
  const safety = room.safety;
  if (safety === undefined) return false;
  if (safety.bannedPeers.size > 0) {
    const until = safety.bannedPeers.get(member.peerId);
    if (until !== undefined && until > now) return true;
  }
  if (safety.bannedAddresses.size > 0) {
    const until = safety.bannedAddresses.get(member.conn.ip);
    if (until !== undefined && until > now) return true;
  }
  return false;
}

/**
 * Up to `count` random members of the swarm other than `self`, blocked ones and those with more
 * than `maxBuffered` bytes not yet sent to them (not reading), those of `region` first. Sampling
 * probes random indices, so a swarm of thousands costs O(count).
 */
export function pickTargets(swarm: Swarm, self: Member, count: number, region: string, now: number, maxBuffered: number): Member[] {
  const list = swarm.list;
  const picked: Member[] = [];
  if (count <= 0 || list.length <= 1) return picked;
  const room = swarm.room;
  const eligible = (member: Member) =>
    member !== self && !picked.includes(member) && !isBlocked(room, member, now) && unsent(member.conn) <= maxBuffered;
  if (list.length <= count * 3 || (region !== '' && list.length <= 64)) {
    // Small swarm: shuffle a copy once, then take same-region members before the others. With a
    // region, random probing could miss the few same-region members, so swarms up to 64 are scanned.
    const copy = list.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const swap = copy[i] as Member;
      copy[i] = copy[j] as Member;
      copy[j] = swap;
    }
    if (region !== '') for (const member of copy) if (picked.length < count && member.conn.region === region && eligible(member)) picked.push(member);
    for (const member of copy) if (picked.length < count && eligible(member)) picked.push(member);
    return picked;
  }
  if (region !== '') {
    for (let tries = count * 8; tries > 0 && picked.length < count; tries--) {
      const member = list[Math.floor(Math.random() * list.length)] as Member;
      if (member.conn.region === region && eligible(member)) picked.push(member);
    }
  }
  for (let tries = count * 8; tries > 0 && picked.length < count; tries--) {
    const member = list[Math.floor(Math.random() * list.length)] as Member;
    if (eligible(member)) picked.push(member);
  }
  return picked;
}

/** The `limit` rooms with the most connections here, busiest first: `[cid, connections]`. */
export function busiestRooms(rooms: Rooms, limit: number): Array<[string, number]> {
  const all: Array<[string, number]> = [];
  for (const room of rooms.rooms.values()) if (room.connections.size > 0) all.push([room.cid, room.connections.size]);
  // Called per API request or cluster refresh, never per message: a full sort of the rooms is fine.
  return all.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
}
