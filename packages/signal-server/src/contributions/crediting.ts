/**
 * Credited bytes: an uploader is paid only for what its downloader confirms. For every
 * (uploader session, downloader session) pair and period, the credit is the smaller of the
 * uploader's "I sent X" and the downloader's "I received Y"; lying upwards on one side gains
 * nothing. Pairs on one address (one machine or one household) are capped, because there both
 * sides can be the same person.
 */
import type { Kysely } from 'kysely';
import type { ContributionsDatabase } from './schema.js';
import { toNumber } from './store.js';

export interface CreditPolicy {
  /** Most bytes one same-address pair can earn per period. 0 = none, Infinity = no cap. */
  sameAddressPairCapBytes: number;
}

export const DEFAULT_CREDIT_POLICY: Readonly<CreditPolicy> = Object.freeze({ sameAddressPairCapBytes: 0 });

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

export async function pairCredits(db: Kysely<ContributionsDatabase>, range: DayRange, policy: CreditPolicy): Promise<PairCredit[]> {
  // Claims name the remote by peer id; p2p_peers says which session announced it.
  const uploads = await db
    .selectFrom('p2p_claims as c')
    .innerJoin('p2p_peers as p', 'p.peer_id', 'c.remote_peer_id')
    .select((eb) => ['c.session_id as uploader', 'p.session_id as downloader', eb.fn.sum<string | number>('c.uploaded').as('bytes')])
    .where('c.day', '>=', range.from)
    .where('c.day', '<=', range.to)
    .where('c.uploaded', '>', 0)
    .groupBy(['c.session_id', 'p.session_id'])
    .execute();
  const downloads = await db
    .selectFrom('p2p_claims as c')
    .innerJoin('p2p_peers as p', 'p.peer_id', 'c.remote_peer_id')
    .select((eb) => ['p.session_id as uploader', 'c.session_id as downloader', eb.fn.sum<string | number>('c.downloaded').as('bytes')])
    .where('c.day', '>=', range.from)
    .where('c.day', '<=', range.to)
    .where('c.downloaded', '>', 0)
    .groupBy(['p.session_id', 'c.session_id'])
    .execute();

  const confirmed = new Map<string, number>();
  for (const row of downloads) confirmed.set(`${row.uploader} ${row.downloader}`, toNumber(row.bytes));
  const sessionIds = new Set<string>();
  for (const row of uploads) {
    sessionIds.add(row.uploader);
    sessionIds.add(row.downloader);
  }
  const addresses = await addressesOf(db, [...sessionIds]);

  const pairs: PairCredit[] = [];
  for (const row of uploads) {
    if (row.uploader === row.downloader) continue;
    const claimedUpload = toNumber(row.bytes);
    const confirmedDownload = confirmed.get(`${row.uploader} ${row.downloader}`) ?? 0;
    const uploaderAddress = addresses.get(row.uploader);
    const sameAddress = uploaderAddress !== undefined && uploaderAddress === addresses.get(row.downloader);
    let credited = Math.min(claimedUpload, confirmedDownload);
    if (sameAddress) credited = Math.min(credited, policy.sameAddressPairCapBytes);
    pairs.push({ uploader: row.uploader, downloader: row.downloader, claimedUpload, confirmedDownload, sameAddress, credited });
  }
  pairs.sort((a, b) => (a.uploader < b.uploader ? -1 : a.uploader > b.uploader ? 1 : a.downloader < b.downloader ? -1 : a.downloader > b.downloader ? 1 : 0));
  return pairs;
}

async function addressesOf(db: Kysely<ContributionsDatabase>, sessionIds: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (let i = 0; i < sessionIds.length; i += 500) {
    const chunk = sessionIds.slice(i, i + 500);
    const rows = await db.selectFrom('p2p_sessions').select(['id', 'address']).where('id', 'in', chunk).execute();
    for (const row of rows) result.set(row.id, row.address);
  }
  return result;
}

/** Credited bytes per viewer (all sessions of one browser together), with its linked Hive name. */
export async function viewerCredits(db: Kysely<ContributionsDatabase>, range: DayRange, policy: CreditPolicy): Promise<ViewerCredit[]> {
  const pairs = await pairCredits(db, range, policy);
  const bySession = new Map<string, { credited: number; claimed: number }>();
  for (const pair of pairs) {
    const entry = bySession.get(pair.uploader) ?? { credited: 0, claimed: 0 };
    entry.credited += pair.credited;
    entry.claimed += pair.claimedUpload;
    bySession.set(pair.uploader, entry);
  }
  if (bySession.size === 0) return [];
  const sessionIds = [...bySession.keys()];
  const byViewer = new Map<string, ViewerCredit>();
  for (let i = 0; i < sessionIds.length; i += 500) {
    const rows = await db
      .selectFrom('p2p_sessions as s')
      .leftJoin('hive_links as l', 'l.viewer_id', 's.viewer_id')
      .select(['s.id', 's.viewer_id', 'l.hive_username'])
      .where('s.id', 'in', sessionIds.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      const totals = bySession.get(row.id);
      if (!totals) continue;
      const entry = byViewer.get(row.viewer_id) ?? { viewerId: row.viewer_id, hiveUsername: row.hive_username ?? null, credited: 0, claimed: 0, sessions: 0 };
      entry.credited += totals.credited;
      entry.claimed += totals.claimed;
      entry.sessions += 1;
      byViewer.set(row.viewer_id, entry);
    }
  }
  return [...byViewer.values()].sort((a, b) => b.credited - a.credited || (a.viewerId < b.viewerId ? -1 : 1));
}
