import type { SessionDirectory as ContributionsDirectory } from './contributions/directory.js';

/**
 * Session secrets (the `session` query parameter) tied to what was announced with them: which
 * peer ids, in which room, from which address. Reports need the session to be connected now;
 * contributions may arrive just after the page left, so closed sessions are kept for a while.
 */
export interface SessionDirectory extends Required<ContributionsDirectory> {
  /** Whether a connection with this secret is open in this room right now. */
  isConnected(session: string, cid: string): boolean;
}

/** What another node wrote about a session (cluster mode); see cluster.ts. */
export interface SharedSession {
  room: string;
  address: string;
  /** Raw peer ids. */
  peers: string[];
  connected: boolean;
  /** Of `peers`, those this session announced first in the cluster. */
  firstOf: string[];
}

/** Cluster mode: where sessions are mirrored so other nodes can answer for them. */
export interface SessionStore {
  save(session: string, room: string, address: string, peers: Iterable<string>, connected: boolean): void;
  claimPeer(session: string, peerId: string): void;
  fetch(session: string): Promise<SharedSession | undefined>;
}

interface SessionRecord {
  room: string;
  address: string;
  peers: Set<string>;
  open: number;
  closedAt: number;
}

const MAX_PEERS_PER_SESSION = 64;

export class Sessions implements SessionDirectory {
  private readonly records = new Map<string, SessionRecord>();
  /**
   * Contributions: peer id → sessions that announced it, in announce order. Peer ids are visible
   * to every swarm member, so a copier can announce one elsewhere; only the first announcer (the
   * page that made the id up) may be credited for it.
   */
  private readonly peerSessions = new Map<string, Set<string>>();

  /** Sessions other nodes hold, fetched on demand; kept briefly so one report costs one fetch. */
  private readonly shared = new Map<string, SharedSession & { at: number }>();
  store: SessionStore | undefined;

  constructor(private readonly retentionMs: number) {}

  async load(session: string): Promise<void> {
    if (this.store === undefined) return;
    const local = this.records.get(session);
    if (local !== undefined && local.open > 0) return;
    const found = await this.store.fetch(session);
    if (found === undefined) this.shared.delete(session);
    else this.shared.set(session, { ...found, at: Date.now() });
  }

  private mirror(session: string): void {
    const record = this.records.get(session);
    if (record && this.store) this.store.save(session, record.room, record.address, record.peers, record.open > 0);
  }

  /** Every session open on this node, for the cluster's periodic refresh. */
  *openSessions(): Iterable<[string, string, string, Iterable<string>]> {
    for (const [session, record] of this.records) if (record.open > 0) yield [session, record.room, record.address, record.peers];
  }

  /** Sessions closed but still kept, with the ms they have left at `now`, for the cluster's resync. */
  *closedSessions(now: number): Iterable<[string, string, string, Iterable<string>, number]> {
    for (const [session, record] of this.records) if (record.open === 0) yield [session, record.room, record.address, record.peers, this.retentionMs - (now - record.closedAt)];
  }

  /** Each peer id known here with the session that announced it first here, for the cluster's resync. */
  *peerClaims(): Iterable<[string, string]> {
    for (const [peerId, owners] of this.peerSessions) {
      const first = owners.values().next().value;
      if (first !== undefined) yield [first, peerId];
    }
  }

  open(session: string, room: string, address: string): void {
    const record = this.records.get(session);
    if (record && record.room === room) {
      record.open++;
      record.address = address;
    } else {
      // The same secret in another room starts over: a session belongs to one video.
      if (record) this.forgetPeers(session, record);
      this.records.set(session, { room, address, peers: new Set(), open: (record?.open ?? 0) + 1, closedAt: 0 });
    }
    this.mirror(session);
  }

  addPeer(session: string, peerId: string): void {
    const record = this.records.get(session);
    if (record && record.peers.size < MAX_PEERS_PER_SESSION) {
      record.peers.add(peerId);
      let owners = this.peerSessions.get(peerId);
      if (!owners) this.peerSessions.set(peerId, (owners = new Set()));
      owners.add(session);
      if (this.store) {
        this.store.claimPeer(session, peerId);
        this.mirror(session);
      }
    }
  }

  /** The session that announced this peer id first, among those still known. */
  firstSessionOfPeer(peerId: string): string | undefined {
    const local = this.peerSessions.get(peerId)?.values().next().value;
    if (local !== undefined || this.shared.size === 0) return local;
    for (const [session, shared] of this.shared) if (shared.firstOf.includes(peerId)) return session;
    return undefined;
  }

  private forgetPeers(session: string, record: SessionRecord): void {
    for (const peerId of record.peers) {
      const owners = this.peerSessions.get(peerId);
      owners?.delete(session);
      if (owners?.size === 0) this.peerSessions.delete(peerId);
    }
  }

  close(session: string, now: number): void {
    const record = this.records.get(session);
    if (!record) return;
    record.open = Math.max(0, record.open - 1);
    if (record.open === 0) {
      record.closedAt = now;
      this.mirror(session);
    }
  }

  sweep(now: number): void {
    for (const [session, shared] of this.shared) if (Date.now() - shared.at > 10_000) this.shared.delete(session);
    for (const [session, record] of this.records) {
      if (record.open === 0 && now - record.closedAt >= this.retentionMs) {
        this.forgetPeers(session, record);
        this.records.delete(session);
      }
    }
  }

  peersOfSession(session: string): Iterable<string> {
    return this.records.get(session)?.peers ?? this.shared.get(session)?.peers ?? [];
  }

  addressOfSession(session: string): string | undefined {
    return this.records.get(session)?.address ?? this.shared.get(session)?.address;
  }

  roomOfSession(session: string): string | undefined {
    return this.records.get(session)?.room ?? this.shared.get(session)?.room;
  }

  isConnected(session: string, cid: string): boolean {
    const record = this.records.get(session);
    if (record !== undefined && record.open > 0 && record.room === cid) return true;
    const shared = this.shared.get(session);
    return shared !== undefined && shared.connected && shared.room === cid;
  }
}
