/**
 * A contributions server in its own process, for the crash test: `kill -9` needs a process to
 * kill. Sessions come from $SPK_TEST_SESSIONS (JSON {secret: peerIdHex}) in place of the signal
 * connections a real deployment would have; the database from DATABASE_URL or SQLITE_PATH.
 * Prints `listening <url>` once ready.
 */
import { createContributions } from '../src/contributions/index.js';
import { DirectoryTable, serveContributions } from './contributions-support.js';

const directory = new DirectoryTable();
const sessions = JSON.parse(process.env.SPK_TEST_SESSIONS ?? '{}') as Record<string, string>;
for (const [secret, peerId] of Object.entries(sessions)) directory.announce(secret, peerId);

const contributions = await createContributions({
  databaseUrl: process.env.DATABASE_URL,
  sqlitePath: process.env.SQLITE_PATH,
  directory,
  rateLimit: { perMinute: 1_000_000, burst: 1_000_000 },
});
const http = await serveContributions(contributions.handle);
process.stdout.write(`listening ${http.url}\n`);
process.on('SIGTERM', () => {
  void http.close().then(() => contributions.close()).then(() => process.exit(0));
});
