/**
 * Redis stopped and restarted under load (issue 13, "Redis down"): a real redis-server, two real
 * `spk-signal` processes sharing one PostgreSQL contributions database, and raw WebSocket peers
 * of one swarm on both nodes that announce with offers and answer every offer they get, all along.
 * The test kills redis-server. Each node must say so (healthz, metrics, one log line), keep relaying
 * between its own peers, admit new ones and acknowledge its viewers' contribution reports. Then
 * redis-server comes back, empty, on the same port. The same node processes must write their state
 * back: cross-node offers flow again (also to peers that joined during the outage), the
 * cluster-wide stats and room count every peer, and every report posted during the outage is
 * stored, retried as the plugin's reporter retries.
 * ("contributions" in the file name: scripts/run-tests.mjs then provides TEST_DATABASE_URL.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { announce, binaryId, CID, offer, session, TestClient, waitFor, type Json } from './signal-support.js';
import { startNode, startRedis, type Running } from './cluster-support.js';
import { createTestDatabase, getJson, makeReport, type TestDatabase } from './contributions-support.js';
import { openContributionsDb } from '../src/contributions/index.js';
import type { ContributionsDb } from '../src/contributions/database.js';
import { peerIdToHex } from '../src/contributions/identity.js';
import { waitFor as waitForValue } from '../../../demo/test-support/wait-for.js';

// peer timeout 3 s → membership, sessions and node stats are rewritten every 1 s.
const NODE_FLAGS = ['--peer-timeout-ms', '3000'];
/** Load peers per node from the start; one more joins each node while Redis is down. */
const PEERS_PER_NODE = 4;
/**
 * Every peer announces with this many offers every TICK_MS. With 3–4 local peers, the leftover
 * offers go to the other node while Redis is up. Each peer sends about 1 announce + 6 answers per
 * tick, ~12 messages/s, under the default rate limit of 20/s.
 */
const OFFERS = 6;
const TICK_MS = 600;

type Phase = 'before' | 'stopping' | 'down' | 'restarting' | 'after';
type Origin = 'same' | 'cross';
interface Tally {
  offers: Record<Origin, number>;
  answers: Record<Origin, number>;
}

const signal = (node: Running) => `ws://127.0.0.1:${node.port}/api/p2p/signal`;
const http = (node: Running) => `http://127.0.0.1:${node.port}`;

/**
 * A viewer's tracker connection as a WebRTC client uses it: a session secret, one peer id in the
 * swarm, an announce with offers every tick, an answer to every offer relayed to it. What it gets
 * is counted by phase and by whether the other peer is on the same node.
 */
class LoadPeer {
  readonly id = binaryId();
  readonly hex = peerIdToHex(this.id);
  readonly tallies = new Map<Phase, Tally>();
  /** `failure reason`s and anything else unexpected the server sent. */
  readonly problems: string[] = [];
  /** Announces and answers sent. */
  sent = 0;
  private constructor(
    readonly client: TestClient,
    readonly secret: string,
    readonly node: Running,
    /** The client address the node records (X-Forwarded-For, which the nodes trust). */
    readonly address: string,
    private readonly swarm: Swarm,
  ) {
    client.ws.on('message', (data) => this.onMessage(JSON.parse(String(data)) as Json));
  }

  static async join(swarm: Swarm, node: Running, address: string): Promise<LoadPeer> {
    const secret = session();
    const client = await TestClient.connect(signal(node), { cid: CID, session: secret }, { 'x-forwarded-for': address });
    const peer = new LoadPeer(client, secret, node, address, swarm);
    swarm.peers.push(peer);
    client.send(announce(swarm.infoHash, peer.id, { numwant: 0, event: 'started' }));
    const reply = await client.next((m) => m.interval !== undefined || 'failure reason' in m);
    assert.equal(reply['failure reason'], undefined, `announce on ${node.port}`);
    return peer;
  }

  tally(phase: Phase): Tally {
    let tally = this.tallies.get(phase);
    if (!tally) this.tallies.set(phase, (tally = { offers: { same: 0, cross: 0 }, answers: { same: 0, cross: 0 } }));
    return tally;
  }

  private origin(peerId: unknown): Origin | undefined {
    const from = this.swarm.peers.find((peer) => peer.id === peerId);
    if (from === undefined) return undefined;
    return from.node === this.node ? 'same' : 'cross';
  }

  private onMessage(message: Json): void {
    if ('failure reason' in message) {
      this.problems.push(`failure: ${String(message['failure reason'])}`);
      return;
    }
    if (message.offer === undefined && message.answer === undefined) return;
    const origin = this.origin(message.peer_id);
    if (origin === undefined) {
      this.problems.push(`${message.offer ? 'offer' : 'answer'} from a peer id nobody announced`);
      return;
    }
    const tally = this.tally(this.swarm.phase);
    if (message.offer !== undefined) {
      tally.offers[origin]++;
      this.sent++;
      this.client.send({ action: 'announce', info_hash: this.swarm.infoHash, peer_id: this.id, to_peer_id: message.peer_id, offer_id: message.offer_id, answer: { type: 'answer', sdp: 'v=0\r\nanswer\r\n' } });
    } else {
      tally.answers[origin]++;
    }
  }

  tick(): void {
    // The queue of TestClient is only used for the first reply; this listener handles the rest.
    this.client.messages.length = 0;
    if (this.client.closeCode !== undefined) return;
    this.sent++;
    this.client.send(announce(this.swarm.infoHash, this.id, { numwant: OFFERS, offers: Array.from({ length: OFFERS }, () => offer()) }));
  }
}

interface Swarm {
  infoHash: string;
  peers: LoadPeer[];
  phase: Phase;
}

/** `(phase, origin)` offers and answers every given peer got, summed. */
function sum(peers: LoadPeer[], phase: Phase, origin: Origin): { offers: number; answers: number } {
  let offers = 0;
  let answers = 0;
  for (const peer of peers) {
    const tally = peer.tallies.get(phase);
    offers += tally?.offers[origin] ?? 0;
    answers += tally?.answers[origin] ?? 0;
  }
  return { offers, answers };
}

interface LogLine {
  level: number;
  msg?: string;
  resync?: boolean;
}

/** pino's JSON lines of a node, from line `from` on. */
function logLines(node: Running, from = 0): LogLine[] {
  return node
    .output()
    .split('\n')
    .slice(from)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
}

async function metrics(node: Running): Promise<string> {
  return (await fetch(`${http(node)}/metrics`)).text();
}

interface Posted {
  reportId: string;
  /** The node the report was last posted to. */
  node: Running;
  body: string;
  address: string;
  status: number;
}

/** POSTs a report as the plugin's reporter does (text/plain), from the viewer's address. */
async function postReport(node: Running, peer: LoadPeer, other: LoadPeer): Promise<Posted> {
  const report = makeReport(peer.secret, [{ peerId: other.hex, uploaded: 1000, downloaded: 0 }], { videoCid: CID });
  const posted: Posted = { reportId: report.reportId, node, body: JSON.stringify(report), address: peer.address, status: 0 };
  return repost(posted);
}

async function repost(posted: Posted): Promise<Posted> {
  const res = await fetch(`${http(posted.node)}/api/p2p/contribution`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-forwarded-for': posted.address },
    body: posted.body,
  });
  await res.arrayBuffer();
  posted.status = res.status;
  return posted;
}

/** What the plugin's reporter drops instead of trying again (videojs-spk-p2p/src/contributions/reporter.ts). */
const FINAL_REFUSALS = [400, 409, 413];
const acknowledged = (posted: Posted) => posted.status === 200 || posted.status === 201;

describe('Redis stopped and restarted under load (two nodes, PostgreSQL contributions)', { timeout: 60_000 }, () => {
  let testDb: TestDatabase;
  let redis: Running;
  let a: Running;
  let b: Running;
  let store: ContributionsDb | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let loadSince = 0;
  const swarm: Swarm = { infoHash: binaryId(), peers: [], phase: 'before' };
  const nodeIds = new Map<Running, string>();
  const reports: Posted[] = [];
  const on = (node: Running) => swarm.peers.filter((peer) => peer.node === node);
  const other = (node: Running) => (node === a ? b : a);
  let address = 0;
  const nextAddress = () => `127.0.1.${++address}`;

  before(async () => {
    [testDb, redis] = await Promise.all([createTestDatabase('postgres'), startRedis()]);
    const url = `redis://127.0.0.1:${redis.port}`;
    // One after the other: both would otherwise run the database migrations at once.
    a = await startNode('redis-a', url, { args: NODE_FLAGS, databaseUrl: testDb.databaseUrl });
    b = await startNode('redis-b', url, { args: NODE_FLAGS, databaseUrl: testDb.databaseUrl });
    nodeIds.set(a, 'redis-a').set(b, 'redis-b');
    for (const node of [a, b]) for (let i = 0; i < PEERS_PER_NODE; i++) await LoadPeer.join(swarm, node, nextAddress());
    loadSince = Date.now();
    ticker = setInterval(() => {
      for (const peer of swarm.peers) peer.tick();
    }, TICK_MS);
  });

  after(async () => {
    clearInterval(ticker);
    for (const peer of swarm.peers) peer.client.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await store?.close();
    await testDb?.drop();
  });

  test('under load, offers and answers cross nodes and reports are acknowledged on the other node', async () => {
    await waitFor(() => swarm.peers.every((peer) => {
      const tally = peer.tally('before');
      return tally.offers.same > 0 && tally.offers.cross > 0 && tally.answers.same > 0 && tally.answers.cross > 0;
    }), 10_000, 'every peer to get same-node and cross-node offers and answers');
    // Half the sessions report once now, to the node that does not hold them (session from Redis).
    for (const node of [a, b]) {
      for (const peer of on(node).slice(0, 2)) {
        const posted = await postReport(other(node), peer, on(node)[2] as LoadPeer);
        assert.equal(posted.status, 201, `report of a session on ${nodeIds.get(node)} posted to ${nodeIds.get(other(node))}`);
        reports.push(posted);
      }
    }
    const stats = (await getJson(`${http(a)}/api/p2p/stats`)).json;
    assert.deepEqual([stats.redis, stats.nodes], ['up', 2]);
  });

  test('Redis killed: each node says so once, serves and admits its own peers, acknowledges their reports', async (t) => {
    const linesAtKill = new Map([a, b].map((node) => [node, node.output().split('\n').length]));
    swarm.phase = 'stopping';
    await redis.stop('SIGKILL');
    await waitFor(async () => {
      const states = await Promise.all([a, b].map(async (node) => (await getJson(`${http(node)}/healthz`)).json.redis));
      return states.every((state) => state === 'down');
    }, 5000, 'both nodes to notice that Redis is gone');

    for (const node of [a, b]) {
      const id = nodeIds.get(node) as string;
      const health = await getJson(`${http(node)}/healthz`);
      // 200 still: a balancer must keep sending viewers to a node that serves its local peers.
      assert.equal(health.status, 200);
      assert.deepEqual([health.json.status, health.json.redis, health.json.node], ['degraded', 'down', id]);
      const text = await metrics(node);
      assert.match(text, new RegExp(`spk_signal_redis_up\\{node="${id}"\\} 0`));
      assert.match(text, new RegExp(`spk_signal_redis_outages_total\\{node="${id}"\\} 1`));
      // The stats fall back to this node's own figures and say so.
      const stats = (await getJson(`${http(node)}/api/p2p/stats`)).json;
      assert.deepEqual([stats.redis, stats.nodes, stats.peers, stats.connections], ['down', 1, PEERS_PER_NODE, PEERS_PER_NODE]);
    }

    // A new viewer on each node is admitted (per-address cap on the node alone) and served.
    for (const node of [a, b]) await LoadPeer.join(swarm, node, nextAddress());
    for (const node of [a, b]) assert.match(await metrics(node), new RegExp(`spk_signal_address_cap_local_total\\{node="${nodeIds.get(node)}"\\} [1-9]`));
    swarm.phase = 'down';

    // Contribution reports. A node reads its own sessions from memory; one it does not hold it can
    // only bind to peer ids already stored in the database. A report that cannot be bound now must
    // be refused with a status the reporter retries, never one it drops.
    for (const node of [a, b]) {
      const [bound1, bound2, local, away, fresh] = on(node) as [LoadPeer, LoadPeer, LoadPeer, LoadPeer, LoadPeer];
      for (const peer of [bound1, bound2]) {
        for (const target of [other(node), node]) {
          const posted = await postReport(target, peer, local);
          assert.equal(posted.status, 201, `report of a session bound before the outage, to ${nodeIds.get(target)}`);
          reports.push(posted);
        }
      }
      const own = await postReport(node, local, bound1);
      assert.equal(own.status, 201, `first report of a session, to its own node ${nodeIds.get(node)}`);
      reports.push(own);
      // A session announced before the outage (its peer claim was in the Redis that died) and one
      // announced during it (never claimed), each reporting for the first time to the other node.
      for (const peer of [away, fresh]) {
        const posted = await postReport(other(node), peer, bound1);
        assert.ok(!FINAL_REFUSALS.includes(posted.status), `status ${posted.status} would make the reporter drop the report`);
        reports.push(posted);
      }
    }
    t.diagnostic(`first reports of sessions held by the other node, during the outage: ${reports.filter((posted) => !acknowledged(posted)).map((posted) => posted.status).join(', ') || 'all acknowledged'}`);

    // Local signalling goes on under load on both nodes, for the old peers and the new ones.
    await waitFor(() => swarm.peers.every((peer) => {
      const tally = peer.tally('down');
      return tally.offers.same >= 8 && tally.answers.same > 0;
    }), 10_000, 'every peer to keep getting offers and answers from its own node');
    const cross = sum(swarm.peers, 'down', 'cross');
    assert.deepEqual(cross, { offers: 0, answers: 0 }, 'nothing crosses nodes without Redis');

    for (const node of [a, b]) {
      const unreachable = logLines(node).filter((line) => line.msg?.startsWith('cluster: Redis unreachable'));
      assert.equal(unreachable.length, 1, `one "Redis unreachable" line on ${nodeIds.get(node)}`);
      const loud = logLines(node, linesAtKill.get(node)).filter((line) => line.level >= 40);
      assert.deepEqual(loud.map((line) => line.msg), [unreachable[0]?.msg], `warnings and errors on ${nodeIds.get(node)} during the outage`);
    }
    swarm.phase = 'restarting';
  });

  test('Redis back on the same port: the same processes resync, cross-node offers flow, stats count everyone, no report lost', async (t) => {
    redis = await startRedis(redis.port);
    const restartedAt = Date.now();
    await waitFor(async () => {
      const states = await Promise.all([a, b].map(async (node) => (await getJson(`${http(node)}/healthz`)).json.redis));
      return states.every((state) => state === 'up');
    }, 10_000, 'both nodes to reach Redis again');
    const upMs = Date.now() - restartedAt;
    swarm.phase = 'after';

    // Redis is empty: only what the nodes wrote back lets the peers find each other, including the
    // two that joined while it was down (their join was never written).
    await waitFor(() => swarm.peers.every((peer) => {
      const tally = peer.tally('after');
      return tally.offers.cross > 0 && tally.answers.cross > 0;
    }), 10_000, 'every peer to get cross-node offers and answers again');
    const crossMs = Date.now() - restartedAt;

    const total = swarm.peers.length;
    for (const node of [a, b]) {
      await waitFor(async () => {
        const stats = (await getJson(`${http(node)}/api/p2p/stats`)).json;
        return stats.redis === 'up' && stats.nodes === 2 && stats.peers === total && stats.connections === total;
      }, 5000, `cluster-wide stats on ${nodeIds.get(node)} to count all ${total} peers`);
      const room = (await getJson(`${http(node)}/api/p2p/rooms/${CID}`)).json as { swarms: { infoHash: string; peers: number }[]; clusterPeers: number };
      assert.deepEqual(room.swarms.map((s) => [s.infoHash, s.peers]), [[peerIdToHex(swarm.infoHash), total]]);
      assert.equal(room.clusterPeers, total);

      const id = nodeIds.get(node) as string;
      const text = await metrics(node);
      assert.match(text, new RegExp(`spk_signal_redis_up\\{node="${id}"\\} 1`));
      assert.match(text, new RegExp(`spk_signal_redis_outages_total\\{node="${id}"\\} 1`));
      // No restart: the process that started is still running, started once, and said it resynced.
      assert.deepEqual([node.process.exitCode, node.process.signalCode], [null, null]);
      const lines = logLines(node);
      assert.equal(lines.filter((line) => line.msg === 'ready').length, 1);
      assert.equal(lines.filter((line) => line.msg === 'cluster: Redis reachable' && line.resync === true).length, 1);
    }

    // The reporter tries a refused report again; here always on the node that refused it, which
    // now reads the session (and its peer claims) from the Redis the other node refilled.
    const held = reports.filter((posted) => !acknowledged(posted));
    await waitForValue(async () => {
      for (const posted of held) if (!acknowledged(posted)) await repost(posted);
      return held.every(acknowledged);
    }, 10_000, `reports refused during the outage to be accepted: ${held.map((posted) => posted.status).join(', ')}`).catch((error: Error) => {
      throw new Error(`${error.message}; now ${held.map((posted) => posted.status).join(', ')}`);
    });
    for (const posted of held) assert.ok(!FINAL_REFUSALS.includes(posted.status));
    t.diagnostic(`after redis-server restarted: both nodes up in ${upMs} ms, every peer had cross-node offers and answers at ${crossMs} ms, ` +
      `the ${held.length} reports refused during the outage were accepted at ${Date.now() - restartedAt} ms`);

    store = await openContributionsDb(testDb.options);
    const ids = reports.map((posted) => posted.reportId);
    const stored = await store.db.selectFrom('p2p_contributions').select('id').where('id', 'in', ids).execute();
    const missing = ids.filter((id) => !stored.some((row) => row.id === id));
    assert.deepEqual(missing, [], `reports missing from the database (of ${ids.length}; ${held.length} retried after the outage)`);

    const sent = swarm.peers.reduce((total, peer) => total + peer.sent, 0);
    t.diagnostic(`load: ${sent} announces and answers in ${((Date.now() - loadSince) / 1000).toFixed(1)} s (${Math.round((sent * 1000) / (Date.now() - loadSince))}/s)`);
    for (const peer of swarm.peers) {
      assert.deepEqual(peer.problems, [], `what ${peer.hex.slice(0, 8)} on ${nodeIds.get(peer.node)} got`);
      assert.equal(peer.client.closeCode, undefined);
    }
  });
});
