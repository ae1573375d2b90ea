/**
 * The real `spk-signal` command as a child process on a given (or free) loopback port, for tests
 * that kill it, restart it or start it late, as an operator's process manager would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../packages/signal-server/src/cli.ts', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

export interface SignalProcess {
  child: ChildProcess;
  /** HTTP base URL (`http://127.0.0.1:<port>`). */
  url: string;
  signalUrl: string;
  port: number;
  /** Everything the process logged on stdout so far (pino's JSON lines). */
  output(): string;
  /** Settles when the process is gone (made at spawn, so an early exit is never missed). */
  exit: Promise<void>;
  /** SIGKILL: no goodbye to any client. */
  kill(): Promise<void>;
  /** SIGTERM: the server's graceful shutdown. */
  stop(): Promise<void>;
}

export interface SignalProcessOptions {
  port?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export async function startSignalProcess(options: SignalProcessOptions = {}): Promise<SignalProcess> {
  const args = ['--import', 'tsx', cli, '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--log-level', 'info', ...(options.args ?? [])];
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const logged: string[] = [];
  lines.on('line', (line) => logged.push(line));
  const exit = once(child, 'exit').then(() => undefined);
  const exited = exit.then(() => {
    throw new Error(`spk-signal exited early with ${String(child.exitCode ?? child.signalCode)}`);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`spk-signal did not log "ready" within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  // A line listener, not `for await`: leaving that loop would close the reader, and the output
  // must stay collected for the test's whole life.
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      // pino's JSON log line that carries the signal URL once the server listens.
      let entry: { msg?: string; signalUrl?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'ready' && entry.signalUrl) resolve(entry.signalUrl);
    });
    lines.once('close', () => reject(new Error('spk-signal closed its output before it was ready')));
  });
  let signalUrl: string;
  try {
    signalUrl = await Promise.race([ready, exited, timedOut]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  exited.catch(() => {});
  ready.catch(() => {});
  const url = new URL(signalUrl);
  const end = (signal: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exit;
  };
  return { child, url: `http://${url.host}`, signalUrl, port: Number(url.port), output: () => logged.join('\n'), exit, kill: end('SIGKILL'), stop: end('SIGTERM') };
}
