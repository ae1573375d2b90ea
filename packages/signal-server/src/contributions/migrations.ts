/**
 * Schema migrations, kept in code (not files) so the compiled package carries them. Only
 * column types both SQLite and PostgreSQL understand the same way are used.
 */
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Kysely } from 'kysely';

// Migrations must work on any later schema, so they see an untyped database on purpose.
type AnyDb = Kysely<any>;

const migrations: Record<string, Migration> = {
  '001_contributions': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('p2p_sessions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('peer_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('viewer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('video_cid', 'varchar(128)', (c) => c.notNull())
        .addColumn('room_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('last_report_at', 'bigint', (c) => c.notNull())
        .addColumn('bytes_uploaded', 'bigint', (c) => c.notNull())
        .addColumn('bytes_downloaded', 'bigint', (c) => c.notNull())
        .addColumn('peers_connected', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('address', 'varchar(64)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('p2p_sessions_viewer').on('p2p_sessions').column('viewer_id').execute();

      await db.schema
        .createTable('p2p_peers')
        .addColumn('peer_id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('bound_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('p2p_peers_session').on('p2p_peers').column('session_id').execute();

      await db.schema
        .createTable('p2p_reports')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('address', 'varchar(64)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('p2p_contributions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('peer_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('viewer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('hive_username', 'varchar(16)')
        .addColumn('video_cid', 'varchar(128)', (c) => c.notNull())
        .addColumn('bytes_shared', 'bigint', (c) => c.notNull())
        .addColumn('bytes_received', 'bigint', (c) => c.notNull())
        .addColumn('bytes_from_cdn', 'bigint', (c) => c.notNull())
        .addColumn('segments_shared', 'bigint', (c) => c.notNull())
        .addColumn('segments_received', 'bigint', (c) => c.notNull())
        .addColumn('session_duration', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('day', 'varchar(10)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('p2p_contributions_session').on('p2p_contributions').column('session_id').execute();
      await db.schema.createIndex('p2p_contributions_day').on('p2p_contributions').column('day').execute();

      await db.schema
        .createTable('p2p_claims')
        .addColumn('report_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('remote_peer_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('day', 'varchar(10)', (c) => c.notNull())
        .addColumn('uploaded', 'bigint', (c) => c.notNull())
        .addColumn('downloaded', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('p2p_claims_pk', ['report_id', 'remote_peer_id'])
        .execute();
      await db.schema.createIndex('p2p_claims_day').on('p2p_claims').columns(['day', 'remote_peer_id']).execute();

      await db.schema
        .createTable('hive_challenges')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('viewer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('username', 'varchar(16)', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();

      await db.schema
        .createTable('hive_links')
        .addColumn('viewer_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('hive_username', 'varchar(16)', (c) => c.notNull())
        .addColumn('public_key', 'varchar(64)', (c) => c.notNull())
        .addColumn('linked_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('hive_links_username').on('hive_links').column('hive_username').execute();
    },
  },
  '002_verified_receipts': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('p2p_receipts')
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('remote_peer_id', 'varchar(40)', (c) => c.notNull())
        .addColumn('segment', 'varchar(512)', (c) => c.notNull())
        .addColumn('video_cid', 'varchar(128)', (c) => c.notNull())
        .addColumn('report_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('day', 'varchar(10)', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('p2p_receipts_pk', ['session_id', 'remote_peer_id', 'segment'])
        .execute();
      // The crediting query filters by day and joins the remote peer to its session.
      await db.schema.createIndex('p2p_receipts_day').on('p2p_receipts').columns(['day', 'remote_peer_id']).execute();
      await db.schema.createIndex('p2p_claims_session').on('p2p_claims').columns(['session_id', 'day']).execute();
      await db.schema.createIndex('p2p_sessions_video').on('p2p_sessions').column('video_cid').execute();

      await db.schema
        .createTable('p2p_video_profiles')
        .addColumn('video_cid', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('top_bitrate_bps', 'bigint', (c) => c.notNull())
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('p2p_video_segments')
        .addColumn('video_cid', 'varchar(128)', (c) => c.notNull())
        .addColumn('segment', 'varchar(512)', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('p2p_video_segments_pk', ['video_cid', 'segment'])
        .execute();
    },
  },
};

const provider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** Brings the schema to the latest version; throws (with the failing step) instead of starting on a half-built schema. */
export async function migrateToLatest(db: AnyDb): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'spk_contributions_migration', migrationLockTableName: 'spk_contributions_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown step';
    throw new Error(`contributions: database migration failed at ${failed}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
