/**
 * One server under test, alone in its own process so that it gets its own event loop and its
 * memory and CPU can be read without the load generator in the figures. Driven over IPC by
 * signal-bench.ts; exits by itself if the parent goes away or the run overstays its deadline.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export type ServerKind = 'spk' | 'bittorrent-tracker';

export interface Sample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Event-loop utilisation since the previous sample: 1 = never idle. */
  elu: number;
  at: number;
}

/** `collectGarbage`: for memory samples only; inside the measured window it would pause the server. */
export type ToChild = { type: 'sample'; id: number; collectGarbage: boolean } | { type: 'close' };
export type FromChild =
  | { type: 'ready'; url: string; version: string }
  | { type: 'sample'; id: number; sample: Sample; counters: Record<string, number> }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const kind = process.argv[2] as ServerKind;
const deadlineMs = Number(process.argv[3] ?? 300_000);
const cork = process.argv[4] === 'cork';
/** Cluster mode (`--nodes N`): the Redis every node shares, and this node's id. */
const redisUrl = process.argv[5] || undefined;
const nodeId = process.argv[6] || undefined;

function send(message: FromChild): void {
  process.send?.(message);
}

const gc = (globalThis as { gc?: () => void }).gc;
let lastElu = performance.eventLoopUtilization();

function sample(collectGarbage: boolean): Sample {
  if (collectGarbage) {
    // Two passes: the first can leave weak/finalised objects for the second.
    gc?.();
    gc?.();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization(lastElu);
  lastElu = performance.eventLoopUtilization();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    elu: elu.utilization,
    at: performance.now(),
  };
}

interface Running {
  url: string;
  version: string;
  counters: () => Record<string, number>;
  close: () => Promise<void>;
}

async function startBittorrentTracker(): Promise<Running> {
  const { Server } = await import('bittorrent-tracker');
  const { readFileSync } = await import('node:fs');
  // Its exports map hides package.json; the entry point's folder holds it.
  const entry = new URL(import.meta.resolve('bittorrent-tracker'));
  const version = (JSON.parse(readFileSync(new URL('package.json', entry), 'utf8')) as { version: string }).version;
  const server = new Server({ udp: false, http: false, ws: true, stats: false });
  let warnings = 0;
  // Its warnings are per-message client errors (e.g. an answer to a peer that left); counted, not fatal.
  server.on('warning', () => warnings++);
  server.on('error', (error: Error) => send({ type: 'error', message: error.message }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = (server as unknown as { ws: { address(): { port: number } } }).ws.address();
  return {
    url: `ws://127.0.0.1:${address.port}/`,
    version: `bittorrent-tracker ${version}`,
    counters: () => ({ warnings }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startSpk(): Promise<Running> {
  // SPK_BENCH_MODULE runs another build of the server: packages/signal-server/dist/index.js (npm
  // run build first) gives profiles with line numbers, which tsx's one-line output has not; an
  // older checkout's src/index.ts (inside the repository, so its packages resolve) gives an A/B.
  const module = process.env.SPK_BENCH_MODULE;
  const { createSignalServer } = (module ? await import(pathToFileURL(resolve(module)).href) : await import('../src/index.js')) as typeof import('../src/index.js');
  // Protections that assume one client per address or a browser's message rate are off: every
  // simulated viewer comes from 127.0.0.1 and the closed loop sends far faster than a browser.
  const server = createSignalServer({ maxConnectionsPerIp: 0, maxConnections: 0, messageRate: 0, logLevel: 'warn', redisUrl, nodeId });
  const address = await server.listen(0, '127.0.0.1');
  return {
    url: address.signalUrl,
    version: 'spk-signal-server (workspace)',
    counters: () => {
      const stats = (server as unknown as { stats?: () => unknown }).stats?.();
      const out: Record<string, number> = {};
      collectNumbers(stats, '', out);
      // Offers and answers this node sent to and took from other nodes (exposed as metrics only).
      for (const [, name, value] of server.metrics().matchAll(/^spk_signal_cluster_(published|received)_total\{[^}]*\} (\d+)$/gm)) out[`cluster.${name}`] = Number(value);
      return out;
    },
    close: () => server.close(),
  };
}

/** Flattens whatever numeric counters the server exposes, so the report can show relays it counted. */
function collectNumbers(value: unknown, prefix: string, out: Record<string, number>, depth = 0): void {
  if (depth > 3 || value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (typeof inner === 'number') out[prefix + key] = inner;
    else collectNumbers(inner, `${prefix}${key}.`, out, depth + 1);
  }
}

/**
 * Experiment (--cork), not how either server ships: hold each TCP socket's writes until the end
 * of the event-loop iteration, so frames bound for one peer leave in one writev instead of one
 * syscall each. ws corks around every frame itself; corks nest, so ours holds. spk now batches
 * this way itself (src/write-batch.ts), so the flag only changes bittorrent-tracker.
 */
async function corkUntilIdle(): Promise<void> {
  const { WebSocket } = await import('ws');
  const pending = new Set<{ uncork(): void }>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    for (const socket of pending) socket.uncork();
    pending.clear();
  };
  // send() is overloaded; the wrapper only passes its arguments through, so it is typed loosely.
  const proto = WebSocket.prototype as unknown as { send: (this: unknown, ...args: unknown[]) => void };
  const send = proto.send;
  proto.send = function (this: unknown, ...args: unknown[]): void {
    const socket = (this as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (socket && !pending.has(socket)) {
      socket.cork();
      pending.add(socket);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }
    send.apply(this, args);
  };
}

async function main(): Promise<void> {
  if (cork) await corkUntilIdle();
  const hardStop = setTimeout(() => process.exit(3), deadlineMs);
  hardStop.unref();
  process.on('disconnect', () => process.exit(0));
  const running = kind === 'spk' ? await startSpk() : await startBittorrentTracker();
  process.on('message', (message: ToChild) => {
    if (message.type === 'sample') {
      send({ type: 'sample', id: message.id, sample: sample(message.collectGarbage), counters: running.counters() });
    } else if (message.type === 'close') {
      const forced = setTimeout(() => process.exit(0), 5000);
      running.close().finally(() => {
        clearTimeout(forced);
        send({ type: 'closed' });
        setTimeout(() => process.exit(0), 50);
      });
    }
  });
  send({ type: 'ready', url: running.url, version: running.version });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  setTimeout(() => process.exit(1), 50);
});
