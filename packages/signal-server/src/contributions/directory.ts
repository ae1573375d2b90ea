/**
 * What the contributions module needs to know from the signal server: which peer ids a session
 * secret announced, and from where. Reports are accepted only for sessions that announced at
 * least one peer id, and are bound to exactly those ids.
 */
export interface SessionDirectory {
  /** Peer ids (raw 20-character or 40-hex) announced on signal connections that carried this secret. */
  peersOfSession(session: string): Iterable<string>;
  /** Remote address of that session's signal connection, when the server still knows it. */
  addressOfSession?(session: string): string | undefined;
  /** The room (video CID) the session joined, when known. */
  roomOfSession?(session: string): string | undefined;
  /**
   * The session that announced this peer id first. Peer ids are public within a swarm; when the
   * directory can tell, a session copying someone else's id is not bound to it.
   */
  firstSessionOfPeer?(peerId: string): string | undefined;
  /**
   * Cluster mode: fetch what other nodes know of this session before the lookups above, so a
   * report works on whichever node receives it. Resolves once the lookups can answer.
   */
  load?(session: string): Promise<void>;
}

/** A directory that knows nothing: only sessions already stored in the database can report. */
export const EMPTY_DIRECTORY: SessionDirectory = { peersOfSession: () => [] };
