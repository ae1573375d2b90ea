/**
 * Real outside processes for the cluster tests: redis-server, nginx in front of the nodes, and
 * `spk-signal` nodes as child processes (so one can be killed with SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './signal-support.js';
import { startSignalProcess } from '../../../demo/test-support/signal-process.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface Running {
  process: ChildProcess;
  port: number;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function run(command: string, args: string[], port: number, ready: RegExp | (() => Promise<boolean>), cwd?: string): Promise<Running> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: Running = {
    process: child,
    port,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return waitFor(async () => child.exitCode !== null || (ready instanceof RegExp ? ready.test(output) : await ready()), 10_000, `${command} to start`).then(() => {
    if (child.exitCode !== null) throw new Error(`${command} exited: ${output}`);
    return running;
  });
}

export async function startRedis(port?: number): Promise<Running> {
  const p = port ?? (await freePort());
  return run('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], p, /Ready to accept connections/);
}

export interface NodeOptions {
  /** More flags (they come last, so they win). */
  args?: string[];
  port?: number;
  /** PostgreSQL shared by the nodes for contributions; none: the node runs without them. */
  databaseUrl?: string;
}

/** One `spk-signal` node of a cluster, through the one starter the tests share. */
export async function startNode(nodeId: string, redisUrl: string, options: NodeOptions = {}): Promise<Running> {
  const contributions = options.databaseUrl === undefined ? ['--no-contributions'] : [];
  const node = await startSignalProcess({
    port: options.port,
    args: ['--redis-url', redisUrl, '--node-id', nodeId, '--client-ip-header', 'x-forwarded-for', ...contributions, ...(options.args ?? [])],
    env: options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl },
  });
  return {
    process: node.child,
    port: node.port,
    output: node.output,
    stop: (signal = 'SIGTERM') => (signal === 'SIGKILL' ? node.kill() : node.stop()),
  };
}

/** Response header naming the node (`127.0.0.1:<port>`) that answered through the test's nginx. */
export const UPSTREAM_HEADER = 'x-spk-upstream';

/** The example nginx config of the package, pointed at these upstream ports. */
export async function startNginx(upstreams: number[]): Promise<Running & { dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spk-nginx-'));
  const example = readFileSync(fileURLToPath(new URL('../examples/nginx.conf', import.meta.url)), 'utf8');
  const conf = example
    .replace(/^\s*server 127\.0\.0\.1:\d+[^;]*;\n/gm, '')
    .replace(/upstream (spk_signal\w*) \{/g, (_line, name: string) => `upstream ${name} {\n${upstreams.map((u) => `    server 127.0.0.1:${u} max_fails=1 fail_timeout=2s;`).join('\n')}`)
    .replace(/listen \d+;/, `listen 127.0.0.1:${port};`)
    // Tests read which node answered a request (e.g. acknowledged a contribution report).
    .replace(/proxy_pass (http:\/\/spk_signal\w*);/g, (_line, target: string) => `proxy_pass ${target};\n        add_header ${UPSTREAM_HEADER} $upstream_addr always;`);
  const full = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log notice;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir};\n  proxy_temp_path ${dir};\n  fastcgi_temp_path ${dir};\n  uwsgi_temp_path ${dir};\n  scgi_temp_path ${dir};\n${conf}\n}\n`;
  writeFileSync(join(dir, 'nginx.conf'), full);
  // nginx prints nothing on a good start: it is ready when its port answers.
  const listening = () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  const running = await run('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], port, listening, dir);
  return { ...running, dir };
}
