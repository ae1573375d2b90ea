/** Read side for the HTTP API and the dashboard: viewer summaries, leaderboard, network timeline. */
import { sql, type Kysely } from 'kysely';
import { viewerCredits, type CreditPolicy, type DayRange } from './crediting.js';
import { publicViewerId, utcDay } from './identity.js';
import type { ContributionsDatabase } from './schema.js';
import { toNumber } from './store.js';

export type LeaderboardPeriod = 'day' | 'week' | 'month' | 'all';

/** `day`, `week` (7 days), `month` (30 days) end today (UTC); a `YYYY-MM-DD` is that one day. */
export function rangeOfPeriod(period: LeaderboardPeriod | string, now: number): DayRange {
  const today = utcDay(now);
  const daysBack = (days: number) => utcDay(now - (days - 1) * 86_400_000);
  switch (period) {
    case 'day':
      return { from: today, to: today };
    case 'week':
      return { from: daysBack(7), to: today };
    case 'month':
      return { from: daysBack(30), to: today };
    case 'all':
      return { from: '0000-01-01', to: '9999-12-31' };
    default:
      return { from: period, to: period };
  }
}

export interface LeaderboardEntry {
  rank: number;
  viewer: string;
  hiveUsername: string | null;
  creditedBytes: number;
  claimedBytes: number;
  sessions: number;
}

export async function leaderboard(db: Kysely<ContributionsDatabase>, policy: CreditPolicy, range: DayRange, limit: number): Promise<LeaderboardEntry[]> {
  const credits = await viewerCredits(db, range, policy, { creditedOnly: true, limit });
  return credits.map((credit, index) => ({
      rank: index + 1,
      viewer: publicViewerId(credit.viewerId),
      hiveUsername: credit.hiveUsername,
      creditedBytes: credit.credited,
      claimedBytes: credit.claimed,
      sessions: credit.sessions,
    }));
}

export interface SessionView {
  id: string;
  peerId: string;
  peerIds: string[];
  videoCid: string;
  roomId: string;
  joinedAt: string;
  lastReportAt: string;
  bytesUploaded: number;
  bytesDownloaded: number;
  peersConnected: number;
  status: string;
}

export interface ContributionView {
  id: string;
  peerId: string;
  hiveUsername: string | null;
  videoCid: string;
  bytesShared: number;
  bytesReceived: number;
  bytesFromCdn: number;
  segmentsShared: number;
  sessionDuration: number;
  timestamp: string;
}

const ACTIVE_WITHIN_MS = 90_000;

export interface ViewerSummary {
  viewer: string;
  hiveUsername: string | null;
  credited: { day: number; week: number; month: number; all: number };
  sessions: SessionView[];
  contributions: ContributionView[];
}

/** Looks a viewer up by one of its peer ids (40 hex) or by its public viewer id (24 hex). */
export async function viewerSummary(
  db: Kysely<ContributionsDatabase>,
  policy: CreditPolicy,
  id: string,
  now: number,
): Promise<ViewerSummary | null> {
  let viewerId: string | undefined;
  if (id.length === 40) {
    const row = await db
      .selectFrom('p2p_peers as p')
      .innerJoin('p2p_sessions as s', 's.id', 'p.session_id')
      .select('s.viewer_id')
      .where('p.peer_id', '=', id)
      .executeTakeFirst();
    viewerId = row?.viewer_id;
  } else {
    const row = await db.selectFrom('p2p_sessions').select('viewer_id').where('viewer_id', 'like', `${id}%`).executeTakeFirst();
    viewerId = row?.viewer_id;
  }
  if (viewerId === undefined) return null;

  const link = await db.selectFrom('hive_links').select('hive_username').where('viewer_id', '=', viewerId).executeTakeFirst();
  const sessions = await db.selectFrom('p2p_sessions').selectAll().where('viewer_id', '=', viewerId).orderBy('joined_at', 'desc').limit(50).execute();
  const peers = sessions.length === 0
    ? []
    : await db.selectFrom('p2p_peers').select(['peer_id', 'session_id']).where('session_id', 'in', sessions.map((s) => s.id)).orderBy('bound_at').execute();
  const contributions = await db
    .selectFrom('p2p_contributions')
    .selectAll()
    .where('viewer_id', '=', viewerId)
    .orderBy('timestamp', 'desc')
    .limit(100)
    .execute();

  const creditedIn = async (period: LeaderboardPeriod) => {
    const credits = await viewerCredits(db, rangeOfPeriod(period, now), policy, { viewerId });
    return credits[0]?.credited ?? 0;
  };
  const iso = (value: unknown) => new Date(toNumber(value)).toISOString();
  return {
    viewer: publicViewerId(viewerId),
    hiveUsername: link?.hive_username ?? null,
    credited: { day: await creditedIn('day'), week: await creditedIn('week'), month: await creditedIn('month'), all: await creditedIn('all') },
    sessions: sessions.map((s) => ({
      id: s.id,
      peerId: s.peer_id,
      peerIds: peers.filter((p) => p.session_id === s.id).map((p) => p.peer_id),
      videoCid: s.video_cid,
      roomId: s.room_id,
      joinedAt: iso(s.joined_at),
      lastReportAt: iso(s.last_report_at),
      bytesUploaded: toNumber(s.bytes_uploaded),
      bytesDownloaded: toNumber(s.bytes_downloaded),
      peersConnected: toNumber(s.peers_connected),
      // Reporters send every 30 s while bytes move; 90 s of silence reads as a page that left or idles.
      status: now - toNumber(s.last_report_at) <= ACTIVE_WITHIN_MS ? 'active' : 'disconnected',
    })),
    contributions: contributions.map((c) => ({
      id: c.id,
      peerId: c.peer_id,
      hiveUsername: c.hive_username,
      videoCid: c.video_cid,
      bytesShared: toNumber(c.bytes_shared),
      bytesReceived: toNumber(c.bytes_received),
      bytesFromCdn: toNumber(c.bytes_from_cdn),
      segmentsShared: toNumber(c.segments_shared),
      sessionDuration: toNumber(c.session_duration),
      timestamp: iso(c.timestamp),
    })),
  };
}

export interface TimelinePoint {
  /** Start of the hour, ISO time. */
  hour: string;
  p2pBytes: number;
  cdnBytes: number;
  sharedBytes: number;
  p2pRatio: number;
  reports: number;
}

const HOUR_MS = 3_600_000;

/** Bytes viewers received from peers and from the CDN, per hour (by report arrival), for the last `hours` hours. */
export async function timeline(db: Kysely<ContributionsDatabase>, hours: number, now: number): Promise<TimelinePoint[]> {
  const lastHour = Math.floor(now / HOUR_MS);
  const firstHour = lastHour - hours + 1;
  // A literal divisor: bound as a parameter, better-sqlite3 would pass a REAL and SQLite would
  // divide in floating point; with two integers both databases divide in integers.
  const hourOf = sql<number>`${sql.ref('timestamp')} / ${sql.lit(HOUR_MS)}`;
  const rows = await db
    .selectFrom('p2p_contributions')
    .select((eb) => [
      hourOf.as('hour'),
      eb.fn.sum<string | number>('bytes_received').as('p2p'),
      eb.fn.sum<string | number>('bytes_from_cdn').as('cdn'),
      eb.fn.sum<string | number>('bytes_shared').as('shared'),
      eb.fn.countAll<string | number>().as('reports'),
    ])
    .where('timestamp', '>=', firstHour * HOUR_MS)
    .groupBy(hourOf)
    .execute();
  const byHour = new Map(rows.map((row) => [toNumber(row.hour), row]));
  const result: TimelinePoint[] = [];
  for (let hour = firstHour; hour <= lastHour; hour++) {
    const row = byHour.get(hour);
    const p2pBytes = toNumber(row?.p2p);
    const cdnBytes = toNumber(row?.cdn);
    const total = p2pBytes + cdnBytes;
    result.push({
      hour: new Date(hour * HOUR_MS).toISOString(),
      p2pBytes,
      cdnBytes,
      sharedBytes: toNumber(row?.shared),
      p2pRatio: total === 0 ? 0 : p2pBytes / total,
      reports: toNumber(row?.reports),
    });
  }
  return result;
}
