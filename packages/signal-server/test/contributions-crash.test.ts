import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openContributionsDb } from '../src/contributions/index.js';
import { hashSecret } from '../src/contributions/identity.js';
import type { ContributionReport } from '../src/contributions/report.js';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { peerIdToHex } from '../src/contributions/identity.js';
import { createTestDatabase, DIALECTS, makeReport, randomSecret, type TestDatabase } from './contributions-support.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const CID = 'QmbZdiAs8BctWiWmcPdemMs8vD1Sjc3HBzpB5PdBBdrCve';

interface Running {
  child: ChildProcess;
  url: string;
  signalUrl: string;
  /** Settles when the process is gone (made at spawn, so an early exit is never missed). */
  exit: Promise<void>;
}

/** The real `spk-signal` command on a free port, with this suite's database. */
async function startServer(testDb: TestDatabase, port = 0): Promise<Running> {
  const args = ['--import', 'tsx', cli, '--port', String(port), '--log-level', 'info', ...(testDb.sqlitePath ? ['--db', testDb.sqlitePath] : [])];
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  if (testDb.databaseUrl) env.DATABASE_URL = testDb.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const exit = once(child, 'exit').then(() => undefined);
  const exited = exit.then(() => {
    throw new Error(`server process exited early with ${String(child.exitCode ?? child.signalCode)}`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      // pino's JSON log line that carries the signal URL once the server listens.
      const entry = JSON.parse(line) as { msg?: string; signalUrl?: string };
      if (entry.msg === 'ready' && entry.signalUrl) return entry.signalUrl;
    }
    throw new Error('server process closed its output');
  })();
  const signalUrl = await Promise.race([ready, exited]);
  exited.catch(() => {});
  lines.on('line', () => {});
  const url = new URL(signalUrl);
  return { child, url: `http://${url.host}`, signalUrl, exit };
}

/** A viewer's signal connection: announces a fresh peer id with its session secret. */
async function announce(signalUrl: string, session: string, infoHash: string): Promise<{ socket: WebSocket; hex: string }> {
  const url = new URL(signalUrl);
  url.searchParams.set('cid', CID);
  url.searchParams.set('session', session);
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('error', () => {});
  await once(socket, 'open');
  const peerId = String.fromCharCode(...randomBytes(20));
  const replied = once(socket, 'message');
  socket.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 5, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: [] }));
  await replied;
  return { socket, hex: peerIdToHex(peerId) };
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
      running = await startServer(testDb);
      const swarm = String.fromCharCode(...randomBytes(20));
      const viewers = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const session = randomSecret();
          const { socket, hex } = await announce(running!.signalUrl, session, swarm);
          return { session, peerId: hex, socket };
        }),
      );
      const endpoint = () => `${running!.url}/api/p2p/contribution`;

      const acknowledged = new Map<string, ContributionReport>();
      const unacknowledged = new Map<string, ContributionReport>();
      let killed = false;
      // Below the server's default burst (60 per address), so no report is refused for rate.
      const target = 40;
      // Four viewers report back to back; the server dies under them once enough were acknowledged.
      const senders = viewers.map(async (viewer, index) => {
        for (let i = 0; !killed; i++) {
          const other = viewers[(index + 1) % viewers.length]!;
          if (i >= 200) {
            // Stop every sender, or the others would loop on forever.
            killed = true;
            throw new Error(`viewer ${index}: ${i} reports without reaching the kill (reports refused?)`);
          }
          const report = makeReport(viewer.session, [{ peerId: other.peerId, uploaded: 1000 + i, downloaded: 10 + i }], { videoCid: CID });
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

      // The viewers' queues send the rest again after a restart (same port): nothing is counted twice.
      for (const viewer of viewers) viewer.socket.terminate();
      running = await startServer(testDb, Number(new URL(running.url).port));
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
