/**
 * The per-address connection cap across two real `spk-signal` nodes behind the example nginx:
 * one address gets `cap` connections in the whole cluster, not `cap` per node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { CID, TestClient, waitFor, type Json } from './signal-support.js';
import { startNginx, startNode, startRedis, type Running } from './cluster-support.js';

const CAP = 4;
// peer timeout 3 s → refresh every 1 s → a node's address counts expire 3 s after it stops refreshing.
const NODE_FLAGS = ['--max-connections-per-ip', String(CAP), '--peer-timeout-ms', '3000'];

const signal = (port: number) => `ws://127.0.0.1:${port}/api/p2p/signal`;

async function localConnections(port: number): Promise<number> {
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Json;
  return health.connections as number;
}

/** A connection from `localAddress` (127.0.0.2 is a second loopback address), optionally naming the client in X-Forwarded-For. */
async function connect(port: number, localAddress = '127.0.0.1', forwardedFor?: string): Promise<TestClient> {
  const url = new URL(signal(port));
  url.searchParams.set('cid', CID);
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const client = new TestClient(new WebSocket(url, { localAddress, headers, perMessageDeflate: false }));
  await client.opened;
  return client;
}

describe('per-address connection cap across the cluster', { timeout: 40_000 }, () => {
  let redis: Running;
  let a: Running;
  let b: Running;
  let nginx: Running;
  const clients: TestClient[] = [];

  before(async () => {
    redis = await startRedis();
    const url = `redis://127.0.0.1:${redis.port}`;
    [a, b] = await Promise.all([startNode('caps-a', url, { args: NODE_FLAGS }), startNode('caps-b', url, { args: NODE_FLAGS })]);
    nginx = await startNginx([a.port, b.port]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([nginx?.stop(), a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  test('through nginx, the (cap+1)th connection of one address is refused on either node; a close frees a slot cluster-wide', async () => {
    for (let i = 0; i < CAP; i++) clients.push(await connect(nginx.port));
    // least_conn spreads them: both nodes hold some, and neither alone reaches the cap.
    const [onA, onB] = [await localConnections(a.port), await localConnections(b.port)];
    assert.equal(onA + onB, CAP);
    assert.ok(onA > 0 && onB > 0, `both nodes hold connections (${onA} + ${onB})`);

    await assert.rejects(connect(nginx.port), /HTTP 429/);
    // Straight to each node, as the balancer would forward it (the header the nodes trust).
    await assert.rejects(connect(a.port, '127.0.0.1', '127.0.0.1'), /HTTP 429/);
    await assert.rejects(connect(b.port, '127.0.0.1', '127.0.0.1'), /HTTP 429/);
    // Another address is not affected.
    const other = await connect(nginx.port, '127.0.0.2');
    clients.push(other);
    other.close();

    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    assert.match(metrics, /spk_signal_connections_refused_total\{node="caps-a",kind="per-ip"\} [1-9]/);
    assert.match(metrics, /spk_signal_address_cap_local_total\{node="caps-a"\} 0/);

    // Close one connection, wherever it is; the freed slot is usable through node B.
    const first = clients[0] as TestClient;
    first.close();
    await first.closed;
    let reopened: TestClient | undefined;
    await waitFor(async () => {
      reopened = await connect(b.port, '127.0.0.1', '127.0.0.1').catch(() => undefined);
      return reopened !== undefined;
    }, 5000, 'a freed slot to be usable on the other node');
    clients.push(reopened as TestClient);
    await assert.rejects(connect(a.port, '127.0.0.1', '127.0.0.1'), /HTTP 429/);
  });

  test("kill -9 a node: its connections stop counting once their expiry passes", async () => {
    const heldByA = await localConnections(a.port);
    assert.ok(heldByA > 0);
    await assert.rejects(connect(b.port, '127.0.0.1', '127.0.0.1'), /HTTP 429/);
    await a.stop('SIGKILL');
    const killedAt = Date.now();
    // Node B's own connections still count; the dead node's do once its fields expire (3 s here).
    const heldByB = await localConnections(b.port);
    const fresh: TestClient[] = [];
    await waitFor(async () => {
      const next = await connect(b.port, '127.0.0.1', '127.0.0.1').catch(() => undefined);
      if (next) fresh.push(next);
      return heldByB + fresh.length === CAP;
    }, 8000, "the dead node's counts to expire");
    clients.push(...fresh);
    assert.ok(Date.now() - killedAt < 8000);
    assert.equal(fresh.length, heldByA);
    await assert.rejects(connect(b.port, '127.0.0.1', '127.0.0.1'), /HTTP 429/);
  });
});

async function health(port: number): Promise<Json> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Json;
}

describe('per-address cap while Redis is down and after it returns', { timeout: 40_000 }, () => {
  let redis: Running;
  let a: Running;
  let b: Running;
  let probe: Redis | undefined;
  const clients: TestClient[] = [];
  // A client address of its own (the header the nodes trust), so nothing else counts toward it.
  const ADDRESS = '127.0.0.9';
  const open = async (node: Running) => {
    const client = await connect(node.port, '127.0.0.1', ADDRESS);
    clients.push(client);
    return client;
  };
  /** What Redis holds for the address: every node process's count, expired or not. */
  const recorded = async () => {
    const fields = await (probe as Redis).hgetall(`spk:ip:${ADDRESS}`);
    return Object.values(fields).reduce((total, value) => total + Number(value.split(':')[0]), 0);
  };

  before(async () => {
    redis = await startRedis();
    const url = `redis://127.0.0.1:${redis.port}`;
    [a, b] = await Promise.all([startNode('caps-down-a', url, { args: NODE_FLAGS }), startNode('caps-down-b', url, { args: NODE_FLAGS })]);
  });

  after(async () => {
    for (const c of clients) c.close();
    probe?.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  test('each node falls back to its own cap, and the cluster-wide cap holds again once Redis is back', async () => {
    const onA: TestClient[] = [];
    for (let i = 0; i < CAP / 2; i++) onA.push(await open(a));
    for (let i = 0; i < CAP / 2; i++) await open(b);
    await assert.rejects(connect(a.port, '127.0.0.1', ADDRESS), /HTTP 429/);

    await redis.stop('SIGKILL');
    await waitFor(async () => (await health(a.port)).redis === 'down' && (await health(b.port)).redis === 'down', 5000, 'both nodes to see Redis down');
    // Node A alone decides now: it admits up to the cap of its own, and no more.
    for (let i = CAP / 2; i < CAP; i++) onA.push(await open(a));
    await assert.rejects(connect(a.port, '127.0.0.1', ADDRESS), /HTTP 429/);
    assert.equal(await localConnections(a.port), CAP);
    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    assert.match(metrics, /spk_signal_address_cap_local_total\{node="caps-down-a"\} [1-9]/);

    // Redis comes back empty on the same port; each node writes its counts back (4 on A + 2 on B).
    redis = await startRedis(redis.port);
    probe = new Redis(`redis://127.0.0.1:${redis.port}`, { maxRetriesPerRequest: 1 });
    await waitFor(async () => (await health(a.port)).redis === 'up' && (await health(b.port)).redis === 'up', 10_000, 'both nodes to reach Redis again');
    await waitFor(async () => (await recorded()) === CAP + CAP / 2, 5000, 'both nodes to write their counts back');
    // 6 connections against a cap of 4: node B refuses though it holds only 2.
    await assert.rejects(connect(b.port, '127.0.0.1', ADDRESS), /HTTP 429/);

    // Three closes on node A bring the address to 3 of 4: node B has a slot again, and only one.
    for (const client of onA.slice(0, 3)) {
      client.close();
      await client.closed;
    }
    await waitFor(async () => (await recorded()) === CAP - 1, 5000, "node A's closes to reach Redis");
    await open(b);
    await assert.rejects(connect(b.port, '127.0.0.1', ADDRESS), /HTTP 429/);
  });
});
