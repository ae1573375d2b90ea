/**
 * One Kysely handle over either SQLite (default, a file) or PostgreSQL (when a URL is given):
 * everything above this file is the same code for both.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { ContributionsDatabase } from './schema.js';

export interface DatabaseOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite at `sqlitePath`. */
  databaseUrl?: string | undefined;
  /** SQLite file; created with its directory when missing. Default `./data/contributions.sqlite`. */
  sqlitePath?: string | undefined;
}

export interface ContributionsDb {
  db: Kysely<ContributionsDatabase>;
  dialect: 'sqlite' | 'postgres';
  /** Human-readable target for logs, never including a password. */
  describe: string;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_PATH = './data/contributions.sqlite';

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

export async function openContributionsDb(options: DatabaseOptions = {}): Promise<ContributionsDb> {
  const url = options.databaseUrl?.trim();
  let handle: ContributionsDb;
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const db = new Kysely<ContributionsDatabase>({ dialect: new PostgresDialect({ pool }) });
    handle = { db, dialect: 'postgres', describe: redactUrl(url), close: () => db.destroy() };
  } else {
    const path = options.sqlitePath ?? DEFAULT_SQLITE_PATH;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new Database(path);
    // WAL: readers never block the writer. FULL: a report acknowledged to a client is on disk
    // even if the machine (not just the process) dies right after.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<ContributionsDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
    handle = { db, dialect: 'sqlite', describe: `sqlite:${path}`, close: () => db.destroy() };
  }
  try {
    await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}
