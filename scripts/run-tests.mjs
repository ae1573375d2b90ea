#!/usr/bin/env node
// Runs every test file of the workspace with node's test runner and ends with one
// plain summary line ("N passed, N failed") that CI and people can read at a glance.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { hasWtrFiles, runWtr } from './run-wtr.mjs';

const root = new URL('..', import.meta.url).pathname;
const testRoots = ['packages/signal-server/test', 'packages/videojs-spk-p2p/test', 'packages/spk-player-element/test', 'demo/test'];

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

const tapFile = join(mkdtempSync(join(tmpdir(), 'spk-tests-')), 'results.tap');
const child = files.length === 0 ? spawn(process.execPath, ['-e', '']) : spawn(process.execPath, [
  '--import', 'tsx', '--test',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
], { cwd: root, stdio: 'inherit' });

child.on('exit', async (code, signal) => {
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
