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

  constructor(private readonly retentionMs: number) {}

  open(session: string, room: string, address: string): void {
    const record = this.records.get(session);
    if (record && record.room === room) {
      record.open++;
      record.address = address;
      return;
    }
    // The same secret in another room starts over: a session belongs to one video.
    if (record) this.forgetPeers(session, record);
    this.records.set(session, { room, address, peers: new Set(), open: (record?.open ?? 0) + 1, closedAt: 0 });
  }

  addPeer(session: string, peerId: string): void {
    const record = this.records.get(session);
    if (record && record.peers.size < MAX_PEERS_PER_SESSION) {
      record.peers.add(peerId);
      let owners = this.peerSessions.get(peerId);
      if (!owners) this.peerSessions.set(peerId, (owners = new Set()));
      owners.add(session);
    }
  }

  /** The session that announced this peer id first, among those still known. */
  firstSessionOfPeer(peerId: string): string | undefined {
    return this.peerSessions.get(peerId)?.values().next().value;
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
    if (record.open === 0) record.closedAt = now;
  }

  sweep(now: number): void {
    for (const [session, record] of this.records) {
      if (record.open === 0 && now - record.closedAt >= this.retentionMs) {
        this.forgetPeers(session, record);
        this.records.delete(session);
      }
    }
  }

  peersOfSession(session: string): Iterable<string> {
    return this.records.get(session)?.peers ?? [];
  }

  addressOfSession(session: string): string | undefined {
    return this.records.get(session)?.address;
  }

  roomOfSession(session: string): string | undefined {
    return this.records.get(session)?.room;
  }

  isConnected(session: string, cid: string): boolean {
    const record = this.records.get(session);
    return record !== undefined && record.open > 0 && record.room === cid;
  }
}
