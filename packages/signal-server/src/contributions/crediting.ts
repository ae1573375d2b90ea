/**
 * Credited bytes, computed in SQL from the stored claims and receipts (never by loading them
 * into memory). An uploader is paid only for segments its downloader confirms:
 *
 * 1. Confirmed bytes of a pair (uploader session → downloader session) are the sum, over the
 *    distinct segments the downloader receipted from any of the uploader's peer ids, of each
 *    segment's size: a segment confirms a pair once, however often it is receipted. When the
 *    video is registered (`ContributionStore.registerVideo`), only its listed segments count, at
 *    their listed sizes.
 * 2. A pair earns the smaller of the uploader's "I sent X" and the confirmed bytes: lying
 *    upwards on one side gains nothing. Pairs on one address are capped (one person can be
 *    both sides there).
 * 3. A downloader's credited pairs together cannot exceed what its session could have played:
 *    its server-observed lifetime (first to last accepted report, plus a slack for the report
 *    interval) × the video's top bitrate × a margin. Beyond that, its pairs are scaled down
 *    in proportion.
 *
 * What colluders can still gain is written down in the signal server's README ("Reward bounds").
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ContributionsDatabase } from './schema.js';
import { toNumber } from './store.js';

export interface CreditPolicy {
  /** Most bytes one same-address pair can earn per period. 0 = none, Infinity = no cap. */
  sameAddressPairCapBytes: number;
  /** Top bitrate assumed for a video that is not registered, bits/s. Default 8 Mbit/s (above 3Speak's 1080p). */
  defaultTopBitrateBps?: number;
  /** Factor over duration × top bitrate a downloader may confirm (seeks, rewatches, playback rate). Default 1.5. */
  playbackMargin?: number;
  /** Added to a session's observed lifetime: bytes received before its first accepted report (sent 5 s after the first peer bytes). Default 30 s. */
  sessionSlackMs?: number;
}

export const DEFAULT_CREDIT_POLICY: Readonly<Required<CreditPolicy>> = Object.freeze({
  sameAddressPairCapBytes: 0,
  defaultTopBitrateBps: 8_000_000,
  playbackMargin: 1.5,
  sessionSlackMs: 30_000,
});

export interface DayRange {
  /** Inclusive UTC days, `YYYY-MM-DD`. */
  from: string;
  to: string;
}

export interface PairCredit {
  uploader: string;
  downloader: string;
  claimedUpload: number;
  confirmedDownload: number;
  sameAddress: boolean;
  credited: number;
}

export interface ViewerCredit {
  viewerId: string;
  hiveUsername: string | null;
  credited: number;
  claimed: number;
  sessions: number;
}

/** Literal integers: better-sqlite3 binds JS numbers as REAL, which would make SQLite divide in floating point. */
function int(value: number): RawBuilder<number> {
  return sql.lit(Math.max(0, Math.floor(Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER)));
}

/** The common table expressions ending in `pair_credits(uploader, downloader, claimed, confirmed, same_address, credited)`. */
function pairCreditsCte(range: DayRange, policy: CreditPolicy): RawBuilder<unknown> {
  const settings = { ...DEFAULT_CREDIT_POLICY, ...policy };
  const sameCap = int(settings.sameAddressPairCapBytes);
  const slackMs = int(settings.sessionSlackMs);
  const bitrate = int(settings.defaultTopBitrateBps);
  const marginPermille = int(settings.playbackMargin * 1000);
  return sql`
    pair_segments AS (
      SELECT r.session_id AS downloader, p.session_id AS uploader, r.segment AS segment,
             MAX(COALESCE(vs.bytes, r.bytes)) AS bytes
      FROM p2p_receipts r
      JOIN p2p_peers p ON p.peer_id = r.remote_peer_id
      LEFT JOIN p2p_video_profiles vp ON vp.video_cid = r.video_cid
      LEFT JOIN p2p_video_segments vs ON vs.video_cid = r.video_cid AND vs.segment = r.segment
      WHERE r.day >= ${range.from} AND r.day <= ${range.to}
        AND p.session_id <> r.session_id
        AND (vp.video_cid IS NULL OR vs.segment IS NOT NULL)
      GROUP BY r.session_id, p.session_id, r.segment
    ),
    confirmed AS (
      SELECT uploader, downloader, SUM(bytes) AS confirmed
      FROM pair_segments GROUP BY uploader, downloader
    ),
    claimed AS (
      SELECT c.session_id AS uploader, p.session_id AS downloader, SUM(c.uploaded) AS claimed
      FROM p2p_claims c
      JOIN p2p_peers p ON p.peer_id = c.remote_peer_id
      WHERE c.day >= ${range.from} AND c.day <= ${range.to}
        AND c.uploaded > 0 AND p.session_id <> c.session_id
      GROUP BY c.session_id, p.session_id
    ),
    matched AS (
      SELECT cl.uploader, cl.downloader, cl.claimed, COALESCE(cf.confirmed, 0) AS confirmed,
             CASE WHEN su.address = sd.address THEN 1 ELSE 0 END AS same_address,
             CASE WHEN cl.claimed < COALESCE(cf.confirmed, 0) THEN cl.claimed ELSE COALESCE(cf.confirmed, 0) END AS matched
      FROM claimed cl
      LEFT JOIN confirmed cf ON cf.uploader = cl.uploader AND cf.downloader = cl.downloader
      LEFT JOIN p2p_sessions su ON su.id = cl.uploader
      LEFT JOIN p2p_sessions sd ON sd.id = cl.downloader
    ),
    capped AS (
      SELECT uploader, downloader, claimed, confirmed, same_address,
             CASE WHEN same_address = 1 AND matched > ${sameCap} THEN ${sameCap} ELSE matched END AS pair_credit
      FROM matched
    ),
    downloader_load AS (
      SELECT c.downloader AS downloader, SUM(c.pair_credit) AS total,
             (MAX(sd.last_report_at) - MAX(sd.joined_at) + ${slackMs})
               * COALESCE(MAX(vp.top_bitrate_bps), ${bitrate}) / 8000 * ${marginPermille} / 1000 AS allowance
      FROM capped c
      JOIN p2p_sessions sd ON sd.id = c.downloader
      LEFT JOIN p2p_video_profiles vp ON vp.video_cid = sd.video_cid
      GROUP BY c.downloader
    ),
    pair_credits AS (
      SELECT c.uploader, c.downloader, c.claimed, c.confirmed, c.same_address,
             CASE
               WHEN d.downloader IS NULL THEN 0
               WHEN d.total <= d.allowance THEN c.pair_credit
               ELSE floor(c.pair_credit * 1.0 * d.allowance / d.total)
             END AS credited
      FROM capped c
      LEFT JOIN downloader_load d ON d.downloader = c.downloader
    )`;
}

interface PairRow {
  uploader: string;
  downloader: string;
  claimed: unknown;
  confirmed: unknown;
  same_address: unknown;
  credited: unknown;
}

export async function pairCredits(db: Kysely<ContributionsDatabase>, range: DayRange, policy: CreditPolicy): Promise<PairCredit[]> {
  const { rows } = await sql<PairRow>`
    WITH ${pairCreditsCte(range, policy)}
    SELECT uploader, downloader, claimed, confirmed, same_address, credited
    FROM pair_credits
    ORDER BY uploader, downloader`.execute(db);
  return rows.map((row) => ({
    uploader: row.uploader,
    downloader: row.downloader,
    claimedUpload: toNumber(row.claimed),
    confirmedDownload: toNumber(row.confirmed),
    sameAddress: toNumber(row.same_address) === 1,
    credited: toNumber(row.credited),
  }));
}

export interface ViewerCreditQuery {
  /** Only this viewer (its stored hash). */
  viewerId?: string;
  /** Only viewers credited more than 0. */
  creditedOnly?: boolean;
  limit?: number;
}

interface ViewerRow {
  viewer_id: string;
  hive_username: string | null;
  credited: unknown;
  claimed: unknown;
  sessions: unknown;
}

/** Credited bytes per viewer (all sessions of one browser together), with its linked Hive name, best first. */
export async function viewerCredits(
  db: Kysely<ContributionsDatabase>,
  range: DayRange,
  policy: CreditPolicy,
  query: ViewerCreditQuery = {},
): Promise<ViewerCredit[]> {
  const { rows } = await sql<ViewerRow>`
    WITH ${pairCreditsCte(range, policy)}
    SELECT s.viewer_id AS viewer_id, MAX(l.hive_username) AS hive_username,
           SUM(pc.credited) AS credited, SUM(pc.claimed) AS claimed, COUNT(DISTINCT pc.uploader) AS sessions
    FROM pair_credits pc
    JOIN p2p_sessions s ON s.id = pc.uploader
    LEFT JOIN hive_links l ON l.viewer_id = s.viewer_id
    ${query.viewerId === undefined ? sql`` : sql`WHERE s.viewer_id = ${query.viewerId}`}
    GROUP BY s.viewer_id
    ${query.creditedOnly ? sql`HAVING SUM(pc.credited) > 0` : sql``}
    ORDER BY credited DESC, viewer_id ASC
    ${query.limit === undefined ? sql`` : sql`LIMIT ${int(query.limit)}`}`.execute(db);
  return rows.map((row) => ({
    viewerId: row.viewer_id,
    hiveUsername: row.hive_username ?? null,
    credited: toNumber(row.credited),
    claimed: toNumber(row.claimed),
    sessions: toNumber(row.sessions),
  }));
}

interface AccountRow {
  account: string;
  credited: unknown;
}

/** Credited bytes per linked Hive account (several viewers may link one), for payouts. */
export async function accountCredits(
  db: Kysely<ContributionsDatabase>,
  range: DayRange,
  policy: CreditPolicy,
  excludeAccount: string,
): Promise<Array<{ account: string; credited: number }>> {
  const { rows } = await sql<AccountRow>`
    WITH ${pairCreditsCte(range, policy)}
    SELECT l.hive_username AS account, SUM(pc.credited) AS credited
    FROM pair_credits pc
    JOIN p2p_sessions s ON s.id = pc.uploader
    JOIN hive_links l ON l.viewer_id = s.viewer_id
    WHERE l.hive_username <> ${excludeAccount}
    GROUP BY l.hive_username
    HAVING SUM(pc.credited) > 0
    ORDER BY account`.execute(db);
  return rows.map((row) => ({ account: row.account, credited: toNumber(row.credited) }));
}
