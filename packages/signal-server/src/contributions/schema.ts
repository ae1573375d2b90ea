/**
 * Table shapes for Kysely. Byte counts and times are 64-bit integers (epoch milliseconds for
 * times): SQLite hands them back as numbers, node-postgres as strings, so every read goes
 * through `toNumber` in store.ts.
 */
import type { ColumnType } from 'kysely';

type Int64 = ColumnType<number | string, number, number>;
type NullableText = string | null;

/** Blueprint `P2PSession`: one page's signal session (keyed by the hash of its secret, never the secret). */
export interface P2PSessionTable {
  id: string;
  peer_id: string;
  viewer_id: string;
  video_cid: string;
  room_id: string;
  joined_at: Int64;
  last_report_at: Int64;
  bytes_uploaded: Int64;
  bytes_downloaded: Int64;
  peers_connected: Int64;
  status: 'active' | 'disconnected';
  address: string;
}

/** Which session announced a peer id. The first binding wins, so a peer id cannot be taken over later. */
export interface P2PPeerTable {
  peer_id: string;
  session_id: string;
  bound_at: Int64;
}

/** Every accepted report exactly as received, for audit. */
export interface P2PReportTable {
  id: string;
  session_id: string;
  received_at: Int64;
  address: string;
  body: string;
}

/** Blueprint `P2PContribution`: one row per accepted report. */
export interface P2PContributionTable {
  id: string;
  peer_id: string;
  session_id: string;
  viewer_id: string;
  hive_username: NullableText;
  video_cid: string;
  bytes_shared: Int64;
  bytes_received: Int64;
  bytes_from_cdn: Int64;
  segments_shared: Int64;
  segments_received: Int64;
  session_duration: Int64;
  timestamp: Int64;
  day: string;
}

/** One report's claim about one remote peer: bytes sent to it and bytes received from it. */
export interface P2PClaimTable {
  report_id: string;
  session_id: string;
  remote_peer_id: string;
  day: string;
  uploaded: Int64;
  downloaded: Int64;
}

/**
 * A downloader's receipt: one whole segment it received from a remote peer. One row per
 * (downloader session, remote peer, segment), so a segment confirms a pair once.
 */
export interface P2PReceiptTable {
  session_id: string;
  remote_peer_id: string;
  segment: string;
  video_cid: string;
  report_id: string;
  day: string;
  bytes: Int64;
}

/**
 * What the server knows of a video, registered by its operator or a seeder that fetched and
 * verified it: the top rendition's bitrate bounds what a session could have played, and once a
 * video has a profile only its listed segments (at their listed sizes) confirm anything.
 */
export interface P2PVideoProfileTable {
  video_cid: string;
  top_bitrate_bps: Int64;
  registered_at: Int64;
}

export interface P2PVideoSegmentTable {
  video_cid: string;
  segment: string;
  bytes: Int64;
}

export interface HiveChallengeTable {
  id: string;
  viewer_id: string;
  username: string;
  message: string;
  expires_at: Int64;
  used_at: Int64 | null;
}

export interface HiveLinkTable {
  viewer_id: string;
  hive_username: string;
  public_key: string;
  linked_at: Int64;
}

export interface ContributionsDatabase {
  p2p_sessions: P2PSessionTable;
  p2p_peers: P2PPeerTable;
  p2p_reports: P2PReportTable;
  p2p_contributions: P2PContributionTable;
  p2p_claims: P2PClaimTable;
  p2p_receipts: P2PReceiptTable;
  p2p_video_profiles: P2PVideoProfileTable;
  p2p_video_segments: P2PVideoSegmentTable;
  hive_challenges: HiveChallengeTable;
  hive_links: HiveLinkTable;
}
