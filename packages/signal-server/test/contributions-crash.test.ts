import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openContributionsDb } from '../src/contributions/index.js';
import { hashSecret } from '../src/contributions/identity.js';
import type { ContributionReport } from '../src/contributions/report.js';
import { createTestDatabase, DIALECTS, makeReport, randomPeerId, randomSecret, type TestDatabase } from './contributions-support.js';

const serverScript = fileURLToPath(new URL('./contributions-server-process.ts', import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  /** Settles when the process is gone (made at spawn, so an early exit is never missed). */
  exit: Promise<void>;
}

async function startServer(testDb: TestDatabase, sessions: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript], {
    env: {
      ...process.env,
      SPK_TEST_SESSIONS: JSON.stringify(sessions),
      ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : { SQLITE_PATH: testDb.sqlitePath }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exit = once(child, 'exit').then(() => undefined);
  const exited = exit.then(() => {
    throw new Error(`server process exited early with ${String(child.exitCode ?? child.signalCode)}`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      const match = /^listening (\S+)$/.exec(line);
      if (match?.[1]) return match[1];
    }
    throw new Error('server process closed its output');
  })();
  const url = await Promise.race([ready, exited]);
  exited.catch(() => {});
  return { child, url, exit };
}

for (const dialect of DIALECTS) {
  describe(`kill -9 during reporting (${dialect})`, () => {
    let testDb: TestDatabase;
    let running: Running | undefined;

    before(async () => {
      testDb = await createTestDatabase(dialect);
    });
    after(async () => {
      if (running && running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGKILL');
        await running.exit;
      }
      await testDb?.drop();
    });

    it('loses no acknowledged report, and a resend after restart counts each report exactly once', async () => {
      const viewers = Array.from({ length: 4 }, () => ({ session: randomSecret(), peerId: randomPeerId() }));
      const sessions = Object.fromEntries(viewers.map((v) => [v.session, v.peerId]));
      running = await startServer(testDb, sessions);
      const endpoint = () => `${running!.url}/api/p2p/contribution`;

      const acknowledged = new Map<string, ContributionReport>();
      const unacknowledged = new Map<string, ContributionReport>();
      let killed = false;
      const target = 60;
      // Four viewers report back to back; the server dies under them once enough were acknowledged.
      const senders = viewers.map(async (viewer, index) => {
        for (let i = 0; !killed; i++) {
          const other = viewers[(index + 1) % viewers.length]!;
          const report = makeReport(viewer.session, [{ peerId: other.peerId, uploaded: 1000 + i, downloaded: 10 + i }]);
          try {
            const response = await fetch(endpoint(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
            await response.arrayBuffer();
            if (response.status === 201 || response.status === 200) acknowledged.set(report.reportId, report);
            else unacknowledged.set(report.reportId, report);
          } catch {
            unacknowledged.set(report.reportId, report);
          }
          if (!killed && acknowledged.size >= target) {
            killed = true;
            running!.child.kill('SIGKILL');
          }
        }
      });
      await Promise.all(senders);
      await running.exit;
      assert.equal(running.child.signalCode, 'SIGKILL');
      assert.ok(acknowledged.size >= target);
      assert.ok(unacknowledged.size >= 1, 'some reports were in flight when the server died');

      // Everything acknowledged before the kill is in the database, complete.
      const check = await openContributionsDb(testDb.options);
      try {
        const ids = [...acknowledged.keys()];
        const reports = await check.db.selectFrom('p2p_reports').select('id').where('id', 'in', ids).execute();
        assert.equal(reports.length, ids.length, 'every acknowledged raw report survived');
        const rows = await check.db.selectFrom('p2p_contributions').select('id').where('id', 'in', ids).execute();
        assert.equal(rows.length, ids.length, 'every acknowledged contribution row survived');
        const claims = await check.db.selectFrom('p2p_claims').select('report_id').where('report_id', 'in', ids).execute();
        assert.equal(claims.length, ids.length, 'every acknowledged claim survived');
      } finally {
        await check.close();
      }

      // The viewers' queues send the rest again after a restart: nothing is counted twice.
      running = await startServer(testDb, {});
      for (const report of unacknowledged.values()) {
        const response = await fetch(endpoint(), { method: 'POST', body: JSON.stringify(report) });
        assert.ok([200, 201].includes(response.status), `resend answered ${response.status}`);
        await response.arrayBuffer();
      }
      for (const report of [...acknowledged.values()].slice(0, 5)) {
        const response = await fetch(endpoint(), { method: 'POST', body: JSON.stringify(report) });
        assert.equal(response.status, 200, 'an acknowledged report is a duplicate after the restart');
        assert.equal(((await response.json()) as { status: string }).status, 'duplicate');
      }
      running.child.kill('SIGTERM');
      await running.exit;

      const final = await openContributionsDb(testDb.options);
      try {
        for (const viewer of viewers) {
          const expected = [...acknowledged.values(), ...unacknowledged.values()]
            .filter((report) => report.session === viewer.session)
            .reduce((sum, report) => sum + report.peers[0]!.uploaded, 0);
          const session = await final.db.selectFrom('p2p_sessions').select('bytes_uploaded').where('id', '=', hashSecret('session', viewer.session)).executeTakeFirstOrThrow();
          assert.equal(Number(session.bytes_uploaded), expected, 'session totals equal the sum of its reports, each once');
        }
      } finally {
        await final.close();
      }
    });
  });
}
