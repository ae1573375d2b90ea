/**
 * The real `spk-seeder` command as a child process, as an operator runs it: its JSON log lines
 * are collected so tests wait on what it says (no sleeps), and its /metrics are read over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface SeederProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** Resolves with the first line (already logged or to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  metrics(): Promise<Record<string, number>>;
  exit: Promise<number | null>;
  /** SIGTERM: the graceful stop. */
  stop(): Promise<number | null>;
}

/** Runs the CLI with `args`; `--metrics-port 0` is added so its metrics can be read. */
export function startSeeder(args: readonly string[], env: NodeJS.ProcessEnv = {}): SeederProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--metrics-port', '0', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    // For a look at the engine's own `DEBUG=p2pml-core:*` output.
    if (process.env.SPK_SEEDER_TEST_STDERR) appendFileSync(process.env.SPK_SEEDER_TEST_STDERR, chunk);
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 'raw', msg: text };
    }
    lines.push(line);
    for (const waiter of waiters) if (waiter.match(line)) waiter.resolve(line);
  });
  const exit = once(child, 'exit').then(() => child.exitCode);
  const seeder: SeederProcess = {
    child,
    lines,
    waitForLog(match, what, timeoutMs = 30_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`spk-seeder did not log ${what} within ${timeoutMs} ms; stderr: ${stderr}; log: ${lines.map((l) => l.msg).join(' | ')}`));
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(line);
          },
        };
        waiters.add(waiter);
        void exit.then(() => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(`spk-seeder exited (${child.exitCode}) before logging ${what}; stderr: ${stderr}`));
        });
      });
    },
    async metrics() {
      const ready = await seeder.waitForLog((line) => line.msg === 'metrics listening', 'its metrics URL');
      const text = await (await fetch(String(ready.url))).text();
      const values: Record<string, number> = {};
      for (const row of text.split('\n')) {
        const match = /^(spk_seeder_[a-z_]+) (\d+(?:\.\d+)?)$/.exec(row);
        if (match?.[1] && match[2]) values[match[1]] = Number(match[2]);
      }
      return values;
    },
    exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
  return seeder;
}

/** Runs the CLI to its end (for flag errors and --help): exit code and output. */
export async function runSeederToEnd(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await once(child, 'exit');
  clearTimeout(timer);
  return { code: child.exitCode, stdout, stderr };
}
