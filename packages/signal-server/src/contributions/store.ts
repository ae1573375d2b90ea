/**
 * Persistence of reports, sessions and peer bindings. One transaction per report: either all of
 * it (raw body, contribution row, claims, session totals) is stored before the client hears
 * "accepted", or none of it.
 */
import type { Kysely, Transaction } from 'kysely';
import { hashSecret, utcDay } from './identity.js';
import type { ContributionReport } from './report.js';
import type { ContributionsDatabase } from './schema.js';

export type RecordOutcome =
  | { status: 'accepted'; sessionId: string; viewerId: string }
  | { status: 'duplicate'; sessionId: string }
  /** The report id is taken by another session. */
  | { status: 'conflict' }
  /** The session never announced a peer id on the signal server, so there is nobody to credit. */
  | { status: 'unbound' };

export interface RecordContext {
  receivedAt: number;
  /** Normalised address of the viewer (signal connection if known, else the HTTP request). */
  address: string;
  /** Hex peer ids the signal server saw announced with this session secret. */
  announcedPeers: readonly string[];
  rawBody: string;
  roomId: string;
}

/** SQLite returns 64-bit columns as numbers, node-postgres as strings (and sums as numerics). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value !== '') return Number(value);
  return 0;
}

/** 7 parameters a row: SQLite allows 32 766 bound parameters, PostgreSQL 65 535. */
const RECEIPT_BATCH = 500;

export interface VideoProfile {
  /** Highest BANDWIDTH of the video's renditions (bits per second). */
  topBitrateBps: number;
  /** Every segment of every rendition, named as receipts name them, with its size. */
  segments: ReadonlyArray<{ segment: string; bytes: number }>;
}

export class ContributionStore {
  constructor(readonly db: Kysely<ContributionsDatabase>) {}

  async recordReport(report: ContributionReport, context: RecordContext): Promise<RecordOutcome> {
    const sessionId = hashSecret('session', report.session);
    const viewerId = hashSecret('viewer', report.viewer ?? report.session);
    return this.db.transaction().execute(async (trx): Promise<RecordOutcome> => {
      const inserted = await trx
        .insertInto('p2p_reports')
        .values({ id: report.reportId, session_id: sessionId, received_at: context.receivedAt, address: context.address, body: context.rawBody })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (toNumber(inserted.numInsertedOrUpdatedRows) === 0) {
        const existing = await trx.selectFrom('p2p_reports').select('session_id').where('id', '=', report.reportId).executeTakeFirst();
        return existing?.session_id === sessionId ? { status: 'duplicate', sessionId } : { status: 'conflict' };
      }

      const ownPeers = await this.bindPeers(trx, sessionId, context);
      const firstPeer = ownPeers[0];
      if (firstPeer === undefined) {
        // Throwing rolls the raw report back too: an unbound report is not kept as accepted.
        throw new UnboundSessionError();
      }
      const own = new Set(ownPeers);
      const claims = report.peers.filter((claim) => !own.has(claim.peerId));
      const uploaded = claims.reduce((sum, claim) => sum + claim.uploaded, 0);
      const downloaded = claims.reduce((sum, claim) => sum + claim.downloaded, 0);
      const day = utcDay(context.receivedAt);

      await trx
        .insertInto('p2p_sessions')
        .values({
          id: sessionId, peer_id: firstPeer, viewer_id: viewerId, video_cid: report.videoCid, room_id: context.roomId,
          joined_at: context.receivedAt, last_report_at: context.receivedAt, bytes_uploaded: uploaded, bytes_downloaded: downloaded,
          peers_connected: claims.length, status: 'active', address: context.address,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            last_report_at: eb.ref('excluded.last_report_at'),
            bytes_uploaded: eb('p2p_sessions.bytes_uploaded', '+', eb.ref('excluded.bytes_uploaded')),
            bytes_downloaded: eb('p2p_sessions.bytes_downloaded', '+', eb.ref('excluded.bytes_downloaded')),
            peers_connected: eb
              .case()
              .when('p2p_sessions.peers_connected', '<', eb.ref('excluded.peers_connected'))
              .then(eb.ref('excluded.peers_connected'))
              .else(eb.ref('p2p_sessions.peers_connected'))
              .end(),
            status: 'active',
          })),
        )
        .execute();
      // The session's first report fixes its viewer; later ones cannot move it to another viewer.
      const session = await trx.selectFrom('p2p_sessions').select(['viewer_id']).where('id', '=', sessionId).executeTakeFirstOrThrow();
      const link = await trx.selectFrom('hive_links').select('hive_username').where('viewer_id', '=', session.viewer_id).executeTakeFirst();

      await trx
        .insertInto('p2p_contributions')
        .values({
          id: report.reportId, peer_id: firstPeer, session_id: sessionId, viewer_id: session.viewer_id,
          hive_username: link?.hive_username ?? null, video_cid: report.videoCid, bytes_shared: uploaded, bytes_received: downloaded,
          bytes_from_cdn: report.cdnBytes, segments_shared: report.segmentsShared, segments_received: report.segmentsReceived,
          session_duration: report.sessionDurationMs, timestamp: context.receivedAt, day,
        })
        .execute();
      const rows = claims
        .filter((claim) => claim.uploaded > 0 || claim.downloaded > 0)
        .map((claim) => ({
          report_id: report.reportId, session_id: sessionId, remote_peer_id: claim.peerId, day,
          uploaded: claim.uploaded, downloaded: claim.downloaded,
        }));
      if (rows.length > 0) await trx.insertInto('p2p_claims').values(rows).execute();
      const receipts = claims.flatMap((claim) =>
        (claim.receipts ?? []).map((receipt) => ({
          session_id: sessionId, remote_peer_id: claim.peerId, segment: receipt.segment, video_cid: report.videoCid,
          report_id: report.reportId, day, bytes: receipt.bytes,
        })),
      );
      // A segment already receipted for this peer (a resent or replayed receipt) confirms nothing more.
      for (let i = 0; i < receipts.length; i += RECEIPT_BATCH) {
        await trx
          .insertInto('p2p_receipts')
          .values(receipts.slice(i, i + RECEIPT_BATCH))
          .onConflict((oc) => oc.columns(['session_id', 'remote_peer_id', 'segment']).doNothing())
          .execute();
      }
      return { status: 'accepted', sessionId, viewerId: session.viewer_id };
    }).catch((error: unknown) => {
      if (error instanceof UnboundSessionError) return { status: 'unbound' } as const;
      throw error;
    });
  }

  /**
   * Registers (or replaces) what a video is made of. From then on only its listed segments
   * confirm uploads of it, at their listed sizes, and its sessions are bounded by its real top
   * bitrate instead of the policy's default.
   */
  async registerVideo(videoCid: string, profile: VideoProfile, now = Date.now()): Promise<void> {
    if (!Number.isSafeInteger(profile.topBitrateBps) || profile.topBitrateBps <= 0) throw new RangeError('topBitrateBps must be a positive integer');
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('p2p_video_segments').where('video_cid', '=', videoCid).execute();
      await trx
        .insertInto('p2p_video_profiles')
        .values({ video_cid: videoCid, top_bitrate_bps: profile.topBitrateBps, registered_at: now })
        .onConflict((oc) => oc.column('video_cid').doUpdateSet({ top_bitrate_bps: profile.topBitrateBps, registered_at: now }))
        .execute();
      const rows = profile.segments.map((entry) => ({ video_cid: videoCid, segment: entry.segment, bytes: entry.bytes }));
      for (let i = 0; i < rows.length; i += RECEIPT_BATCH) {
        await trx.insertInto('p2p_video_segments').values(rows.slice(i, i + RECEIPT_BATCH)).execute();
      }
    });
  }

  /** Binds newly announced peer ids to the session (first binding wins) and returns all of its peer ids. */
  private async bindPeers(trx: Transaction<ContributionsDatabase>, sessionId: string, context: RecordContext): Promise<string[]> {
    if (context.announcedPeers.length > 0) {
      await trx
        .insertInto('p2p_peers')
        .values(context.announcedPeers.map((peerId) => ({ peer_id: peerId, session_id: sessionId, bound_at: context.receivedAt })))
        .onConflict((oc) => oc.column('peer_id').doNothing())
        .execute();
    }
    const rows = await trx.selectFrom('p2p_peers').select('peer_id').where('session_id', '=', sessionId).orderBy('bound_at').orderBy('peer_id').execute();
    return rows.map((row) => row.peer_id);
  }
}

class UnboundSessionError extends Error {}
