#!/usr/bin/env node
// Runs every test file of the workspace with node's test runner and ends with one
// plain summary line ("N passed, N failed") that CI and people can read at a glance.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestPostgres } from './test-postgres.mjs';
import { hasWtrFiles, runWtr } from './run-wtr.mjs';

const root = new URL('..', import.meta.url).pathname;
const testRoots = ['packages/signal-server/test', 'packages/videojs-spk-p2p/test', 'packages/spk-player-element/test', 'packages/spk-seeder/test', 'demo/test'];

function findTests(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return /\.test\.ts$/.test(name) ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = testRoots.flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .map((file) => relative(root, file));
if (files.length === 0 && !hasWtrFiles(root, filter)) {
  console.error('No test files found.');
  process.exit(1);
}

// One limit for every test and, in Node 20 where --test-timeout also bounds each file's
// subtest, for every file: 5 minutes. The longest files take about a minute on an idle
// 2-core machine; a loaded CI machine can be 2-3x slower, and a hang still ends the file
// (its process is killed) while the other files run on. SPK_TEST_TIMEOUT_MS overrides it.
const TEST_TIMEOUT_MS = Number(process.env.SPK_TEST_TIMEOUT_MS) || 300_000;

// Files run two at a time. Node's default is one fewer than the cores, which on a 2-core CI
// machine is one file at a time; most files spend their time waiting on Chromium, the network
// shaping of the local CDN or media playing at its own pace, not on the CPU, so two at once
// roughly halve the run. SPK_TEST_CONCURRENCY=1 gives the old serial run, to tell a test that
// depends on a quiet machine from one that is broken.
const TEST_CONCURRENCY = Number(process.env.SPK_TEST_CONCURRENCY) || 2;

// The contributions suites need PostgreSQL: without TEST_DATABASE_URL one throwaway server
// serves the whole run (each suite creates its own database on it) and is removed at the end.
const env = { ...process.env };
let postgres;
if (!env.TEST_DATABASE_URL && files.some((file) => /contributions/.test(file))) {
  try {
    postgres = await startTestPostgres({ log: (line) => console.log(`# ${line}`) });
  } catch (error) {
    console.error(`Cannot start PostgreSQL for the contributions tests: ${error instanceof Error ? error.message : error}`);
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  }
  env.TEST_DATABASE_URL = postgres.url;
}
const tapFile = join(mkdtempSync(join(tmpdir(), 'spk-tests-')), 'results.tap');
const child = files.length === 0 ? spawn(process.execPath, ['-e', '']) : spawn(process.execPath, [
  '--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, `--test-concurrency=${TEST_CONCURRENCY}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
], { cwd: root, stdio: 'inherit', env });

// Ctrl-C reaches the test process too; the server is stopped and its cluster removed here.
const stopPostgres = () => postgres?.stop();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    child.kill(signal);
    void Promise.resolve(stopPostgres()).finally(() => process.exit(130));
  });
}

child.on('exit', async (code, signal) => {
  await stopPostgres();
  let passed = 0;
  let failed = 0;
  if (files.length > 0) try {
    const tap = readFileSync(tapFile, 'utf8');
    passed = Number(/^# pass (\d+)$/m.exec(tap)?.[1] ?? 0);
    failed = Number(/^# fail (\d+)$/m.exec(tap)?.[1] ?? 0) + Number(/^# cancelled (\d+)$/m.exec(tap)?.[1] ?? 0);
  } catch {
    failed = Math.max(failed, 1);
  }
  if (code !== 0 && failed === 0) failed = 1;
  const browser = await runWtr(root, filter);
  console.log(`\n${passed + browser.passed} passed, ${failed + browser.failed} failed`);
  process.exit(code || browser.code || (signal ? 1 : 0));
});
