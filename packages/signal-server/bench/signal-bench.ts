/**
 * `npm run bench:signal` — the same closed-loop WebTorrent-tracker workload against our signal
 * server and against bittorrent-tracker's own server, each alone in a child process, with the
 * load generator in a third process. Prints responses/s for both, the ratio, relay checks, offer
 * relay latency (same-node and, with --nodes, cross-node apart), CPU
 * of each side (to tell a server-bound run from a generator-bound one) and memory per peer, and
 * writes bench-results/signal.json. Loopback only; every step has a time limit.
 *
 * Flags: --connections N --swarms N --renditions N --offers N --sdp-bytes N --warmup S
 *        --duration S --rounds N --servers spk,bittorrent-tracker --seed N --cpu-prof --out FILE
 *        --nodes N (spk as N cluster nodes over one redis-server, viewers split across them)
 *        --cork (experiment: bittorrent-tracker also batches each socket's writes per event-loop iteration, as spk does)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromGen, GenWindow, Percentiles, ToGen } from './load-gen.js';
import type { FromChild, Sample, ServerKind, ToChild } from './server-child.js';
import { buildWorld, DEFAULT_CONFIG, type BenchConfig } from './workload.js';
import { startRedis } from '../test/cluster-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

interface Cli {
  config: BenchConfig;
  servers: ServerKind[];
  rounds: number;
  cpuProf: boolean;
  cork: boolean;
  /** spk as this many nodes over Redis (1: one plain node, as shipped by default). */
  nodes: number;
  out: string;
}

function parseCli(argv: string[]): Cli {
  const config: BenchConfig = { ...DEFAULT_CONFIG };
  const cli: Cli = { config, servers: ['bittorrent-tracker', 'spk'], rounds: 1, cpuProf: false, cork: false, nodes: 1, out: join(repoRoot, 'bench-results', 'signal.json') };
  const numeric: Record<string, keyof BenchConfig> = {
    '--connections': 'connections',
    '--swarms': 'swarms',
    '--renditions': 'renditions',
    '--offers': 'offers',
    '--sdp-bytes': 'sdpBytes',
    '--warmup': 'warmupS',
    '--duration': 'durationS',
    '--seed': 'seed',
    '--seeders': 'seederShare',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const [name, inline] = flag.includes('=') ? (flag.split('=', 2) as [string, string]) : [flag, undefined];
    const value = (): string => {
      const given = inline ?? argv[++i];
      if (given === undefined) throw new Error(`${name} needs a value`);
      return given;
    };
    const key = numeric[name];
    if (key) {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
      config[key] = n;
    } else if (name === '--servers') {
      cli.servers = value().split(',').map((s) => {
        if (s !== 'spk' && s !== 'bittorrent-tracker') throw new Error(`unknown server ${s}`);
        return s;
      });
    } else if (name === '--rounds') cli.rounds = Math.max(1, Math.floor(Number(value())));
    else if (name === '--cpu-prof') cli.cpuProf = true;
    else if (name === '--cork') cli.cork = true;
    else if (name === '--nodes') {
      cli.nodes = Math.floor(Number(value()));
      if (!(cli.nodes >= 1 && cli.nodes <= 8)) throw new Error('--nodes must be 1 to 8');
    }
    else if (name === '--out') cli.out = resolve(value());
    else if (name === '--help' || name === '-h') {
      console.log(readHelp());
      process.exit(0);
    } else throw new Error(`unknown flag ${name} (try --help)`);
  }
  if (config.connections < 2 || config.renditions < 1 || config.swarms < config.renditions || config.offers < 1 || config.durationS <= 0) {
    throw new Error('need --connections >= 2, --swarms >= --renditions >= 1, --offers >= 1, --duration > 0');
  }
  return cli;
}

function readHelp(): string {
  return `npm run bench:signal -- [--connections ${DEFAULT_CONFIG.connections}] [--swarms ${DEFAULT_CONFIG.swarms}] [--renditions ${DEFAULT_CONFIG.renditions}]
  [--offers ${DEFAULT_CONFIG.offers}] [--sdp-bytes ${DEFAULT_CONFIG.sdpBytes}] [--seeders ${DEFAULT_CONFIG.seederShare}] [--warmup ${DEFAULT_CONFIG.warmupS}] [--duration ${DEFAULT_CONFIG.durationS}]
  [--rounds 1] [--servers bittorrent-tracker,spk] [--nodes 1] [--seed N] [--cpu-prof] [--cork] [--out bench-results/signal.json]`;
}

/** Typed IPC with a deadline: resolves with the first message of the wanted type. */
function waitFor<M extends { type: string }, T extends M['type']>(child: ChildProcess, type: T, ms: number, what: string, match?: (m: Extract<M, { type: T }>) => boolean): Promise<Extract<M, { type: T }>> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const onMessage = (message: M): void => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(`${what}: child error: ${(message as unknown as { message: string }).message}`));
      } else if (message.type === type && (!match || match(message as Extract<M, { type: T }>))) {
        cleanup();
        resolvePromise(message as Extract<M, { type: T }>);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`${what}: child exited (${code})`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolvePromise();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
  });
}

let sampleId = 0;
async function sampleServer(server: ChildProcess, what: string, collectGarbage = true): Promise<{ sample: Sample; counters: Record<string, number> }> {
  const id = ++sampleId;
  server.send({ type: 'sample', id, collectGarbage } satisfies ToChild);
  const reply = await waitFor<FromChild, 'sample'>(server, 'sample', 15_000, `server sample (${what})`, (m) => m.id === id);
  return { sample: reply.sample, counters: reply.counters };
}

interface PerPeer {
  heapBytesPerPeer: number;
  rssBytesPerPeer: number;
  externalBytesPerPeer: number;
  perNode: { heapBytesPerPeer: number; rssBytesPerPeer: number; externalBytesPerPeer: number }[];
}

interface ServerResult {
  server: ServerKind;
  version: string;
  /** 1, or the number of cluster nodes (--nodes) the figures are summed over. */
  nodes: number;
  round: number;
  connected: number;
  connectFailures: number;
  connectMs: number;
  joinReplies: number;
  joinExpected: number;
  window: GenWindow;
  responsesPerS: number;
  rates: { replies: number; offers: number; answers: number; failures: number; announcesSent: number; answersSent: number };
  relay: { offersReceived: number; offersExpected: number; offerRatio: number; answersReceived: number; answersSent: number; answerRatio: number };
  serverCpuPct: number;
  serverElu: number;
  generatorCpuPct: number;
  generatorElu: number;
  /** Over the nodes' summed CPU. */
  responsesPerServerCpuS: number;
  cluster?: {
    nodeCpuS: number[];
    redisCpuS: number;
    redisCpuPct: number;
    responsesPerCpuSWithRedis: number;
    redisCpuUsPerResponse: number;
    /** Offers and answers sent to another node through Redis, and received there (whole run). */
    crossNodePublished: number;
    crossNodeReceived: number;
    crossNodeDelivery: number;
  };
  memory: {
    /** Mean over nodes of each node's heap growth per peer it holds. */
    idle: PerPeer;
    loaded: PerPeer;
    baseline: Sample[];
    joined: Sample[];
    afterLoad: Sample[];
  };
  serverCounters: Record<string, number>;
  boundBy: string;
}

/** CPU seconds a process (not a child of ours through fork: redis-server) has used, from /proc. */
function processCpuS(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sum = (values: number[]): number => values.reduce((total, v) => total + v, 0);

async function runOne(kind: ServerKind, nodeCount: number, cli: Cli, round: number): Promise<ServerResult> {
  const { config } = cli;
  const budgetMs = (config.warmupS + config.durationS) * 1000 + 180_000;
  const profDir = join(repoRoot, 'bench-results', 'prof');
  const redis = nodeCount > 1 ? await startRedis() : undefined;
  const servers: ChildProcess[] = [];
  let gen: ChildProcess | undefined;
  try {
    for (let i = 0; i < nodeCount; i++) {
      const execArgv = ['--import', 'tsx', '--expose-gc'];
      if (cli.cpuProf) {
        // One folder per run: tsx's loader thread writes a profile too, and a fixed name would let it overwrite the main thread's.
        const dir = join(profDir, `${kind}${nodeCount > 1 ? `-node${i + 1}` : ''}-r${round}`);
        mkdirSync(dir, { recursive: true });
        execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
      }
      const clusterArgs = redis ? [`redis://127.0.0.1:${redis.port}`, `node-${i + 1}`] : [];
      servers.push(fork(join(here, 'server-child.ts'), [kind, String(budgetMs), cli.cork ? 'cork' : '', ...clusterArgs], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    }
    const all = <T>(each: (server: ChildProcess) => Promise<T>): Promise<T[]> => Promise.all(servers.map(each));
    const ready = await all((server) => waitFor<FromChild, 'ready'>(server, 'ready', 30_000, `${kind} start`));
    const baseline = await all((server) => sampleServer(server, 'baseline'));
    gen = fork(join(here, 'load-gen.ts'), [String(budgetMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const connectedP = waitFor<FromGen, 'connected'>(gen, 'connected', 90_000, `${kind} connect`);
    const joinedP = waitFor<FromGen, 'joined'>(gen, 'joined', 120_000, `${kind} join`);
    gen.send({ type: 'start', urls: ready.map((r) => r.url), config } satisfies ToGen);
    const connected = await connectedP;
    const joined = await joinedP;
    const joinedSample = await all((server) => sampleServer(server, 'joined'));
    const windowStartP = waitFor<FromGen, 'window-start'>(gen, 'window-start', (config.warmupS + 30) * 1000, `${kind} window start`);
    const windowEndP = waitFor<FromGen, 'window-end'>(gen, 'window-end', (config.warmupS + config.durationS + 60) * 1000, `${kind} window end`);
    gen.send({ type: 'run' } satisfies ToGen);
    await windowStartP;
    const redis0 = redis ? processCpuS(redis.process.pid as number) : 0;
    const w0 = await all(sampleServerCpu);
    const windowEnd = await windowEndP;
    const w1 = await all(sampleServerCpu);
    const redisCpuS = redis ? processCpuS(redis.process.pid as number) - redis0 : 0;
    const stoppedP = waitFor<FromGen, 'stopped'>(gen, 'stopped', 30_000, `${kind} stop`);
    gen.send({ type: 'stop' } satisfies ToGen);
    await stoppedP;
    const afterLoad = await all((server) => sampleServer(server, 'after load'));
    const closedP = waitFor<FromGen, 'closed'>(gen, 'closed', 30_000, `${kind} generator close`);
    gen.send({ type: 'close' } satisfies ToGen);
    await closedP;
    await exited(gen, 10_000);

    const window = windowEnd.window;
    const c = window.counters;
    const s = window.seconds;
    const received = c.replies + c.offers + c.answers + c.failures + c.other;
    const nodeCpuS = w1.map((end, i) => (end.cpuUs - (w0[i] as typeof end).cpuUs) / 1e6);
    const serverCpuS = sum(nodeCpuS);
    const serverWallS = ((w1[0] as Sample).at - (w0[0] as Sample).at) / 1000;
    const n = connected.connections;
    // Viewers are dealt to the nodes in turn, so each holds n / nodes of them.
    const perPeer = (from: { sample: Sample }[], to: { sample: Sample }[]) => {
      const share = n / nodeCount;
      const each = to.map((t, i) => ({
        heapBytesPerPeer: Math.round((t.sample.heapUsed - (from[i] as { sample: Sample }).sample.heapUsed) / share),
        rssBytesPerPeer: Math.round((t.sample.rss - (from[i] as { sample: Sample }).sample.rss) / share),
        externalBytesPerPeer: Math.round((t.sample.external - (from[i] as { sample: Sample }).sample.external) / share),
      }));
      const mean = (key: keyof (typeof each)[number]) => Math.round(sum(each.map((e) => e[key])) / each.length);
      return { heapBytesPerPeer: mean('heapBytesPerPeer'), rssBytesPerPeer: mean('rssBytesPerPeer'), externalBytesPerPeer: mean('externalBytesPerPeer'), perNode: each };
    };
    const serverCpuPct = (100 * serverCpuS) / serverWallS;
    const generatorCpuPct = (100 * window.cpuUs) / 1e6 / s;
    // The busiest node sets the pace.
    const serverElu = Math.max(...w1.map((w) => w.elu));
    const serverCounters: Record<string, number> = {};
    for (const { counters } of afterLoad) for (const [key, value] of Object.entries(counters)) serverCounters[key] = (serverCounters[key] ?? 0) + value;
    const published = serverCounters['cluster.published'] ?? 0;
    const crossReceived = serverCounters['cluster.received'] ?? 0;
    return {
      server: kind,
      version: ready[0]?.version ?? kind,
      nodes: nodeCount,
      round,
      connected: n,
      connectFailures: connected.failed,
      connectMs: connected.ms,
      joinReplies: joined.replies,
      joinExpected: joined.expected,
      window,
      responsesPerS: Math.round(received / s),
      rates: {
        replies: Math.round(c.replies / s),
        offers: Math.round(c.offers / s),
        answers: Math.round(c.answers / s),
        failures: Math.round(c.failures / s),
        announcesSent: Math.round(c.announcesSent / s),
        answersSent: Math.round(c.answersSent / s),
      },
      relay: {
        offersReceived: c.offers,
        offersExpected: c.expectedOffers,
        offerRatio: round3(c.offers / Math.max(1, c.expectedOffers)),
        answersReceived: c.answers,
        answersSent: c.answersSent,
        answerRatio: round3(c.answers / Math.max(1, c.answersSent)),
      },
      serverCpuPct: Math.round(serverCpuPct),
      serverElu: round3(serverElu),
      generatorCpuPct: Math.round(generatorCpuPct),
      generatorElu: round3(window.elu),
      responsesPerServerCpuS: Math.round(received / Math.max(1e-9, serverCpuS)),
      cluster:
        nodeCount > 1
          ? {
              nodeCpuS: nodeCpuS.map(round3),
              redisCpuS: round3(redisCpuS),
              redisCpuPct: Math.round((100 * redisCpuS) / serverWallS),
              responsesPerCpuSWithRedis: Math.round(received / Math.max(1e-9, serverCpuS + redisCpuS)),
              redisCpuUsPerResponse: round3((redisCpuS * 1e6) / Math.max(1, received)),
              crossNodePublished: published,
              crossNodeReceived: crossReceived,
              crossNodeDelivery: round3(crossReceived / Math.max(1, published)),
            }
          : undefined,
      memory: {
        idle: perPeer(baseline, joinedSample),
        loaded: perPeer(baseline, afterLoad),
        baseline: baseline.map((b) => b.sample),
        joined: joinedSample.map((b) => b.sample),
        afterLoad: afterLoad.map((b) => b.sample),
      },
      serverCounters,
      // A side whose event loop is busy nearly all the time is the one setting the pace.
      boundBy: serverElu >= 0.9 && window.elu < 0.9 ? 'server' : window.elu >= 0.9 && serverElu < 0.9 ? 'generator' : serverElu >= 0.9 ? 'both saturated' : 'neither (CPU contention?)',
    };
  } finally {
    if (gen && gen.exitCode === null) gen.kill('SIGKILL');
    for (const server of servers) if (server.connected) server.send({ type: 'close' } satisfies ToChild);
    await Promise.all(servers.map((server) => exited(server, 15_000)));
    await redis?.stop();
  }
}

/** CPU and event-loop sample without GC, so the measured window is not disturbed. */
async function sampleServerCpu(server: ChildProcess): Promise<Sample & { cpuUs: number }> {
  const { sample } = await sampleServer(server, 'cpu', false);
  return { ...sample, cpuUs: sample.cpuUserUs + sample.cpuSystemUs };
}

/** `p50/p95`, or a dash when no offer of that kind was relayed (one node has no cross-node offers). */
const latencyCell = (p: Percentiles): string => (p.samples > 0 ? `${p.p50}/${p.p95}` : '–');
const label = (kind: ServerKind, nodes: number): string => (nodes > 1 ? `${kind} ×${nodes} nodes` : kind);
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows.map((row) => row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const hardStop = setTimeout(() => {
    console.error('benchmark overran its time budget; stopping');
    process.exit(2);
  }, cli.rounds * cli.servers.length * ((cli.config.warmupS + cli.config.durationS) * 1000 + 240_000));
  hardStop.unref();
  const world = buildWorld(cli.config);
  const occupied = world.roomSize.filter((size) => size > 0).length;
  const biggest = Math.max(...world.roomSize);
  const alone = world.roomSize.filter((size) => size === 1).length;
  const loadBefore = os.loadavg();
  console.log(
    `signal benchmark: ${cli.config.connections} connections, ${cli.config.swarms} swarms in ${world.rooms.length} rooms of ${cli.config.renditions} renditions ` +
      `(${occupied} rooms occupied, largest ${biggest} peers, ${alone} peers alone), ${cli.config.offers} offers/announce, SDP ${cli.config.sdpBytes} B, ` +
      `warm-up ${cli.config.warmupS} s, window ${cli.config.durationS} s, ${cli.rounds} round(s)${cli.cork ? ', EXPERIMENT --cork (writes batched per loop iteration in both servers)' : ''}`,
  );
  console.log(`machine: ${os.cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);

  const results: ServerResult[] = [];
  // With --nodes N, spk runs as one node and as N nodes on the same load: the cluster's cost.
  const runs: { kind: ServerKind; nodes: number }[] = cli.servers.flatMap((kind) =>
    kind === 'spk' && cli.nodes > 1 ? [{ kind, nodes: 1 }, { kind, nodes: cli.nodes }] : [{ kind, nodes: 1 }],
  );
  for (let round = 1; round <= cli.rounds; round++) {
    // Alternate the order so drift in the machine's background load does not favour one side.
    const order = round % 2 === 1 ? runs : [...runs].reverse();
    for (const { kind, nodes } of order) {
      process.stdout.write(`round ${round}: ${label(kind, nodes)} … `);
      const result = await runOne(kind, nodes, cli, round);
      results.push(result);
      console.log(`${result.responsesPerS.toLocaleString('en-US')} responses/s (server CPU ${result.serverCpuPct} %, generator CPU ${result.generatorCpuPct} %)`);
    }
  }
  const loadAfter = os.loadavg();

  const rows: string[][] = [
    ['server', 'round', 'responses/s', 'replies/s', 'offers/s', 'answers/s', 'fail/s', 'offer relay', 'answer relay', 'RTT p50/p99 ms', 'offer same-node p50/p95 ms', 'offer cross-node p50/p95 ms', 'server CPU', 'server ELU', 'gen CPU', 'resp/server-CPU-s', 'heap B/peer', 'RSS B/peer', 'heap B/peer loaded', 'bound by'],
  ];
  for (const r of results) {
    rows.push([
      label(r.server, r.nodes),
      String(r.round),
      r.responsesPerS.toLocaleString('en-US'),
      r.rates.replies.toLocaleString('en-US'),
      r.rates.offers.toLocaleString('en-US'),
      r.rates.answers.toLocaleString('en-US'),
      r.rates.failures.toLocaleString('en-US'),
      `${(r.relay.offerRatio * 100).toFixed(1)} %`,
      `${(r.relay.answerRatio * 100).toFixed(1)} %`,
      `${r.window.rttMs.p50}/${r.window.rttMs.p99}`,
      latencyCell(r.window.offerLatencyMs.sameNode),
      latencyCell(r.window.offerLatencyMs.crossNode),
      `${r.serverCpuPct} %`,
      r.serverElu.toFixed(2),
      `${r.generatorCpuPct} %`,
      r.responsesPerServerCpuS.toLocaleString('en-US'),
      r.memory.idle.heapBytesPerPeer.toLocaleString('en-US'),
      r.memory.idle.rssBytesPerPeer.toLocaleString('en-US'),
      r.memory.loaded.heapBytesPerPeer.toLocaleString('en-US'),
      r.boundBy,
    ]);
  }
  console.log(`\n${table(rows)}`);
  for (const r of results) {
    const { sameNode, crossNode, unmatched } = r.window.offerLatencyMs;
    const cross = r.nodes > 1 ? `; cross-node p50 ${crossNode.p50} ms, p95 ${crossNode.p95} ms (${crossNode.samples.toLocaleString('en-US')} offers)` : '';
    console.log(
      `offer relay latency (announce sent → offer received), ${label(r.server, r.nodes)} round ${r.round}: ${r.nodes > 1 ? 'same-node ' : ''}p50 ${sameNode.p50} ms, p95 ${sameNode.p95} ms ` +
        `(${sameNode.samples.toLocaleString('en-US')} offers)${cross}${unmatched > 0 ? `; ${unmatched} not matched to their announce` : ''}`,
    );
  }

  const summary: Record<string, number> = {};
  for (const kind of cli.servers) {
    const mine = results.filter((r) => r.server === kind && r.nodes === 1);
    summary[`${kind} responses/s (median)`] = median(mine.map((r) => r.responsesPerS));
    summary[`${kind} responses per server CPU-second (median)`] = median(mine.map((r) => r.responsesPerServerCpuS));
    summary[`${kind} offer relay p50 ms (median)`] = median(mine.map((r) => r.window.offerLatencyMs.sameNode.p50));
    summary[`${kind} offer relay p95 ms (median)`] = median(mine.map((r) => r.window.offerLatencyMs.sameNode.p95));
  }
  const clustered = results.filter((r) => r.cluster !== undefined);
  if (clustered.length > 0) {
    const name = label('spk', cli.nodes);
    const pick = (f: (r: ServerResult) => number) => median(clustered.map(f));
    summary[`${name} responses/s (median)`] = pick((r) => r.responsesPerS);
    summary[`${name} responses per server CPU-second, nodes summed (median)`] = pick((r) => r.responsesPerServerCpuS);
    summary[`${name} responses per CPU-second, nodes + Redis (median)`] = pick((r) => r.cluster?.responsesPerCpuSWithRedis ?? 0);
    summary[`${name} Redis CPU µs per response (median)`] = pick((r) => r.cluster?.redisCpuUsPerResponse ?? 0);
    summary[`${name} heap B per peer per node, idle (median)`] = pick((r) => r.memory.idle.heapBytesPerPeer);
    summary[`${name} cross-node delivery (median)`] = pick((r) => r.cluster?.crossNodeDelivery ?? 0);
    summary[`${name} same-node offer relay p50 ms (median)`] = pick((r) => r.window.offerLatencyMs.sameNode.p50);
    summary[`${name} same-node offer relay p95 ms (median)`] = pick((r) => r.window.offerLatencyMs.sameNode.p95);
    summary[`${name} cross-node offer relay p50 ms (median)`] = pick((r) => r.window.offerLatencyMs.crossNode.p50);
    summary[`${name} cross-node offer relay p95 ms (median)`] = pick((r) => r.window.offerLatencyMs.crossNode.p95);
    const single = summary['spk responses per server CPU-second (median)'];
    if (single) summary[`ratio ${name} / spk (per server CPU-second)`] = round3((summary[`${name} responses per server CPU-second, nodes summed (median)`] ?? 0) / single);
    for (const r of clustered) {
      const k = r.cluster!;
      console.log(
        `\n${name} round ${r.round}: node CPU ${k.nodeCpuS.join(' + ')} s, Redis ${k.redisCpuS} s (${k.redisCpuPct} % of a core, ${k.redisCpuUsPerResponse} µs per response); ` +
          `${r.responsesPerServerCpuS.toLocaleString('en-US')} responses per node CPU-second, ${k.responsesPerCpuSWithRedis.toLocaleString('en-US')} counting Redis; ` +
          `heap per peer per node ${r.memory.idle.perNode.map((p) => p.heapBytesPerPeer.toLocaleString('en-US')).join(' / ')} B; ` +
          `cross-node offers+answers ${k.crossNodeReceived.toLocaleString('en-US')} received of ${k.crossNodePublished.toLocaleString('en-US')} published (${(k.crossNodeDelivery * 100).toFixed(1)} %)`,
      );
    }
    const ratio = summary[`ratio ${name} / spk (per server CPU-second)`];
    if (ratio !== undefined) console.log(`${name} / one spk node: ${ratio.toFixed(2)}× responses per server CPU-second (same load; Redis's CPU not counted in the nodes' figure)`);
  }
  const spk = summary['spk responses/s (median)'];
  const bt = summary['bittorrent-tracker responses/s (median)'];
  let verdict = '';
  if (spk !== undefined && bt !== undefined) {
    const ratio = spk / bt;
    const cpuRatio = (summary['spk responses per server CPU-second (median)'] ?? 0) / (summary['bittorrent-tracker responses per server CPU-second (median)'] ?? 1);
    summary['ratio spk / bittorrent-tracker (responses/s)'] = round3(ratio);
    summary['ratio spk / bittorrent-tracker (per server CPU-second)'] = round3(cpuRatio);
    verdict = `spk / bittorrent-tracker: ${ratio.toFixed(2)}× responses/s, ${cpuRatio.toFixed(2)}× responses per server CPU-second (target ≥ 3× at 1,000 connections)`;
    console.log(`\n${verdict}`);
  }
  const relayProblems = results.filter((r) => r.relay.offerRatio < 0.95 || r.relay.answerRatio < 0.95 || r.window.counters.lostReplies > 0);
  for (const r of relayProblems) {
    console.log(`warning: ${label(r.server, r.nodes)} round ${r.round} relayed ${(r.relay.offerRatio * 100).toFixed(1)} % of expected offers, ${(r.relay.answerRatio * 100).toFixed(1)} % of answers, ${r.window.counters.lostReplies} announce replies lost`);
  }
  for (const r of results.filter((x) => x.boundBy === 'generator')) {
    console.log(`note: ${label(r.server, r.nodes)} round ${r.round} was limited by the load generator (its event loop ${Math.round(r.generatorElu * 100)} % busy, the server's ${Math.round(r.serverElu * 100)} %): the server can do more than shown`);
  }
  const starved = results.filter((x) => x.serverElu >= 0.95 && x.serverCpuPct < 85);
  if (starved.length > 0) {
    console.log(
      `note: busy servers got only ${starved.map((r) => `${r.serverCpuPct} % (${label(r.server, r.nodes)} r${r.round})`).join(', ')} of a core: ` +
        'other processes took the rest, so responses/s understates them; responses per server CPU-second is the fairer comparison',
    );
  }
  console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);

  mkdirSync(dirname(cli.out), { recursive: true });
  writeFileSync(
    cli.out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
        config: cli.config,
        corkExperiment: cli.cork,
        nodes: cli.nodes,
        world: { rooms: world.rooms.length, occupiedRooms: occupied, largestRoom: biggest, peersAlone: alone },
        summary,
        verdict,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${cli.out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
