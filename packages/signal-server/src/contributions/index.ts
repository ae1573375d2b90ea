/**
 * Contributions: viewers' bandwidth reports, crediting, Hive account links and payouts.
 * `createContributions` opens the database (SQLite file by default, PostgreSQL when a URL is
 * given), runs migrations and returns the HTTP handler to mount on the signal server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_CREDIT_POLICY, type CreditPolicy } from './crediting.js';
import { openContributionsDb, type ContributionsDb } from './database.js';
import { EMPTY_DIRECTORY, type SessionDirectory } from './directory.js';
import { DEFAULT_HIVE_API, HiveLinker } from './hive-link.js';
import { createContributionsHandler } from './http.js';
import { RateLimiter, type RateLimit } from './rate-limit.js';
import { ContributionStore } from './store.js';

export interface ContributionsOptions {
  /** PostgreSQL URL; when unset, SQLite at `sqlitePath`. */
  databaseUrl?: string | undefined;
  sqlitePath?: string | undefined;
  /** Where session secrets meet announced peer ids (the signal server). */
  directory?: SessionDirectory;
  credit?: Partial<CreditPolicy>;
  /** POST requests per client address. Default 120 per minute, bursts of 60. */
  rateLimit?: Partial<RateLimit>;
  /** Hive API node(s) for account lookups. Default https://api.hive.blog. */
  hiveApi?: string | string[];
  /**
   * The client's address behind a request, for rate limits and same-address pairs. Default the
   * socket's; the signal server passes its own, which believes its trusted proxy header.
   */
  clientAddress?: (req: IncomingMessage) => string | undefined;
  now?: () => number;
  onError?: (error: unknown, where: string) => void;
}

export interface Contributions {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  store: ContributionStore;
  database: ContributionsDb;
  policy: CreditPolicy;
  close(): Promise<void>;
}

export async function createContributions(options: ContributionsOptions = {}): Promise<Contributions> {
  const database = await openContributionsDb({ databaseUrl: options.databaseUrl, sqlitePath: options.sqlitePath });
  const policy: CreditPolicy = { ...DEFAULT_CREDIT_POLICY, ...options.credit };
  const store = new ContributionStore(database.db);
  const now = options.now ?? Date.now;
  const handle = createContributionsHandler({
    store,
    directory: options.directory ?? EMPTY_DIRECTORY,
    limiter: new RateLimiter({ perMinute: 120, burst: 60, ...options.rateLimit }, now),
    linker: new HiveLinker(database.db, options.hiveApi ?? DEFAULT_HIVE_API, now),
    policy,
    clientAddress: options.clientAddress ?? ((req) => req.socket.remoteAddress),
    now,
    onError: options.onError ?? ((error, where) => console.error(`contributions: ${where} failed:`, error)),
  });
  return { handle, store, database, policy, close: () => database.close() };
}

export { openContributionsDb, DEFAULT_SQLITE_PATH } from './database.js';
export type { SessionDirectory } from './directory.js';
export type { CreditPolicy, DayRange, PairCredit, ViewerCredit } from './crediting.js';
export { pairCredits, viewerCredits, accountCredits, DEFAULT_CREDIT_POLICY } from './crediting.js';
export type { VideoProfile } from './store.js';
export { largestRemainder, allocateWithMinimum } from './allocation.js';
export { parseHbd, formatHbd } from './hbd.js';
export { buildPayoutBatch, signPayoutBatch, type PayoutBatch } from './payouts.js';
export { parseReport, type ContributionReport, type PeerClaim, type SegmentReceipt } from './report.js';
export { hashSecret, publicViewerId, peerIdToHex } from './identity.js';
