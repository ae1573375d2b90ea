/**
 * Session secrets (the `session` query parameter) tied to what was announced with them: which
 * peer ids, in which room, from which address. Reports need the session to be connected now;
 * contributions may arrive just after the page left, so closed sessions are kept for a while.
 */
export interface SessionDirectory {
  /** Peer ids (raw 20-character strings) announced on connections that carried this secret. */
  peersOfSession(session: string): Iterable<string>;
  addressOfSession(session: string): string | undefined;
  roomOfSession(session: string): string | undefined;
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

  constructor(private readonly retentionMs: number) {}

  open(session: string, room: string, address: string): void {
    const record = this.records.get(session);
    if (record && record.room === room) {
      record.open++;
      record.address = address;
      return;
    }
    // The same secret in another room starts over: a session belongs to one video.
    this.records.set(session, { room, address, peers: new Set(), open: (record?.open ?? 0) + 1, closedAt: 0 });
  }

  addPeer(session: string, peerId: string): void {
    const record = this.records.get(session);
    if (record && record.peers.size < MAX_PEERS_PER_SESSION) record.peers.add(peerId);
  }

  close(session: string, now: number): void {
    const record = this.records.get(session);
    if (!record) return;
    record.open = Math.max(0, record.open - 1);
    if (record.open === 0) record.closedAt = now;
  }

  sweep(now: number): void {
    for (const [session, record] of this.records) {
      if (record.open === 0 && now - record.closedAt >= this.retentionMs) this.records.delete(session);
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
