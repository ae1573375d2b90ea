import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { startTestPostgres } from '../../../scripts/test-postgres.mjs';

describe('the throwaway PostgreSQL of the test runner', () => {
  it('starts a real server on loopback that takes SQL, then stops it and removes its cluster', { timeout: 120_000 }, async () => {
    const server = await startTestPostgres();
    try {
      assert.match(server.url, /^postgres:\/\/spk_test@127\.0\.0\.1:\d+\/postgres$/);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        await client.query('CREATE DATABASE spk_probe');
        const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
        assert.ok(Number(rows[0]?.server_version_num) >= 120000, 'a PostgreSQL 12+ server answers');
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(server.dataDir), false, 'the cluster directory is gone');
    const late = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    await assert.rejects(late.connect(), /ECONNREFUSED|connect/, 'nothing listens on the port any more');
  });
});
