/**
 * Shared set-up of the contributions tests: a fresh SQLite file or a fresh PostgreSQL database
 * per suite. PostgreSQL is found through $TEST_DATABASE_URL, which scripts/run-tests.mjs sets to
 * a throwaway server it starts (scripts/test-postgres.mjs) unless it is already set; a file run
 * on its own falls back to postgres://spk_test:spk_test@127.0.0.1:5432/spk_test. When it cannot
 * be reached the suite fails within CONNECT_TIMEOUT_MS, it never skips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { after, before } from 'node:test';
import { openContributionsDb, type SessionDirectory } from '../src/contributions/index.js';
import type { ContributionsDb } from '../src/contributions/database.js';
import { ContributionStore } from '../src/contributions/store.js';
import type { ContributionReport, PeerClaim } from '../src/contributions/report.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export const DEFAULT_TEST_DATABASE_URL = 'postgres://spk_test:spk_test@127.0.0.1:5432/spk_test';

/** A server that does not answer (a firewalled port, a stopped VM) fails the suite, not hangs it. */
const CONNECT_TIMEOUT_MS = 15_000;

export interface TestDatabase {
  dialect: Dialect;
  /** Options for `createContributions` / `openContributionsDb`. */
  options: { databaseUrl?: string; sqlitePath?: string };
  /** Environment for a child process using this database (`spk-signal --db` / DATABASE_URL). */
  sqlitePath?: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'spk-contrib-'));
    const sqlitePath = join(dir, 'contributions.sqlite');
    return { dialect, options: { sqlitePath }, sqlitePath, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const name = `spk_contrib_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is required for these tests and is not reachable at ${adminUrl.replace(/:[^:@/]*@/, ':***@')} ` +
        `(${error instanceof Error ? error.message : String(error)}). Run the tests with node scripts/run-tests.mjs, which starts one, or set TEST_DATABASE_URL.`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    dialect,
    options: { databaseUrl },
    databaseUrl,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * The session → peer ids table the signal server keeps, as plain data, for tests of the storage
 * and crediting layers that do not need WebSockets. The HTTP and browser suites use the real
 * signal server instead.
 */
export class DirectoryTable implements SessionDirectory {
  private readonly peers = new Map<string, string[]>();
  private readonly addresses = new Map<string, string>();

  announce(session: string, peerId: string, address = '127.0.0.1'): void {
    this.peers.set(session, [...(this.peers.get(session) ?? []), peerId]);
    this.addresses.set(session, address);
  }

  forget(session: string): void {
    this.peers.delete(session);
    this.addresses.delete(session);
  }

  peersOfSession(session: string): string[] {
    return this.peers.get(session) ?? [];
  }

  addressOfSession(session: string): string | undefined {
    return this.addresses.get(session);
  }
}

export function randomSecret(): string {
  return randomBytes(16).toString('hex');
}

export function randomPeerId(): string {
  return randomBytes(20).toString('hex');
}

/** Receipts a downloader sends for `bytes` received from one peer: fresh segments of at most 4 MB each. */
export function receiptsFor(bytes: number, prefix = `seg-${randomBytes(4).toString('hex')}`): NonNullable<PeerClaim['receipts']> {
  const receipts: NonNullable<PeerClaim['receipts']> = [];
  for (let offset = 0, index = 0; offset < bytes; offset += 4_000_000, index++) {
    receipts.push({ segment: `${prefix}/${index}.ts`, bytes: Math.min(4_000_000, bytes - offset) });
  }
  return receipts;
}

let reportCounter = 0;
/**
 * A report as the browser sends it: a peer it received bytes from and that has no receipts
 * given gets receipts for those bytes (distinct segments), as the plugin's reporter writes them.
 */
export function makeReport(session: string, peers: ContributionReport['peers'], extra: Partial<ContributionReport> = {}): ContributionReport {
  reportCounter += 1;
  const now = Date.now();
  const reportId = `r${reportCounter}-${randomBytes(6).toString('hex')}`;
  return {
    reportId,
    session,
    videoCid: 'QmTestVideoCid0000000000000000000000000000000',
    startedAt: now - 30_000,
    endedAt: now,
    sessionDurationMs: 30_000,
    segmentsShared: 3,
    segmentsReceived: 2,
    cdnBytes: 1000,
    peers: peers.map((peer) => (peer.downloaded > 0 && peer.receipts === undefined ? { ...peer, receipts: receiptsFor(peer.downloaded, `${reportId}/${peer.peerId.slice(0, 8)}`) } : peer)),
    ...extra,
  };
}

export interface ContributionsHttp {
  url: string;
  close(): Promise<void>;
}

/** Mounts a contributions handler on a loopback node:http server (404 for anything else). */
export async function serveContributions(handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>): Promise<ContributionsHttp> {
  const server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function postJson(url: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A suite's own database of `dialect`, opened with a store before its tests and dropped after them. */
export function useContributionStore(dialect: Dialect): { readonly database: TestDatabase; readonly db: ContributionsDb['db']; readonly store: ContributionStore } {
  let testDb: TestDatabase | undefined;
  let handle: ContributionsDb | undefined;
  let store: ContributionStore | undefined;
  before(async () => {
    testDb = await createTestDatabase(dialect);
    handle = await openContributionsDb(testDb.options);
    store = new ContributionStore(handle.db);
  });
  after(async () => {
    await handle?.close();
    await testDb?.drop();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the contributions database is not open (used outside the suite\'s tests)');
    return value;
  };
  return {
    get database() {
      return opened(testDb);
    },
    get db() {
      return opened(handle).db;
    },
    get store() {
      return opened(store);
    },
  };
}
