/**
 * Two real `spk-signal` processes over a real redis-server behind a real nginx: rooms span nodes,
 * a killed node's viewers come back through the balancer, Redis outages degrade and recover.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { announce, binaryId, CID, offer, session, TestClient, waitFor, type Json } from './signal-support.js';
import { randomBytes } from 'node:crypto';
import Client, { type TrackerPeer } from 'bittorrent-tracker';
import wrtc from '@roamhq/wrtc';
import { startNginx, startNode, startRedis, type Running } from './cluster-support.js';

// A short peer timeout so a dead node's peers expire within the test, yet longer than the
// reference client's 5 s ICE wait between re-announces (interval 2 s).
const NODE_FLAGS = ['--peer-timeout-ms', '8000', '--announce-interval-s', '2', '--report-threshold', '1'];

async function json(url: string): Promise<Json> {
  const res = await fetch(url);
  return (await res.json()) as Json;
}

const ws = (port: number) => `ws://127.0.0.1:${port}/api/p2p/signal`;

/** Cluster-wide peer count of one swarm as node `port` sees it. */
async function swarmPeers(port: number, infoHash: string): Promise<number> {
  const hex = Buffer.from(infoHash, 'latin1').toString('hex');
  const room = await json(`http://127.0.0.1:${port}/api/p2p/rooms/${CID}`);
  const swarm = (room.swarms as { infoHash: string; peers: number }[]).find((s) => s.infoHash === hex);
  return swarm?.peers ?? 0;
}

/** `offerer` announces one offer; `answerer` (already in the swarm) gets it and answers; returns the answer the offerer got. */
async function exchange(offerer: TestClient, answerer: TestClient, infoHash: string, offererId: string, answererId: string): Promise<Json> {
  const made = offer();
  offerer.send(announce(infoHash, offererId, { numwant: 1, offers: [made] }));
  const got = await answerer.next((m) => m.offer !== undefined && m.peer_id === offererId, 5000);
  assert.equal(got.offer_id, made.offer_id);
  answerer.send({ action: 'announce', info_hash: infoHash, peer_id: answererId, to_peer_id: offererId, offer_id: made.offer_id, answer: { type: 'answer', sdp: 'v=0\r\nanswer\r\n' } });
  const answer = await offerer.next((m) => m.answer !== undefined, 5000);
  assert.equal(answer.peer_id, answererId);
  assert.equal(answer.offer_id, made.offer_id);
  return answer;
}

describe('cluster over Redis', { timeout: 90_000 }, () => {
  let redis: Running;
  let a: Running;
  let b: Running;
  let nginx: Running;
  const clients: TestClient[] = [];
  const client = async (port: number) => {
    const c = await TestClient.connect(ws(port));
    clients.push(c);
    return c;
  };

  before(async () => {
    redis = await startRedis();
    const url = `redis://127.0.0.1:${redis.port}`;
    [a, b] = await Promise.all([startNode('node-a', url, { args: NODE_FLAGS }), startNode('node-b', url, { args: NODE_FLAGS })]);
    nginx = await startNginx([a.port, b.port]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([nginx?.stop(), a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  test('an offer on node A reaches a peer on node B and the answer comes back', async () => {
    const infoHash = binaryId();
    const [idA, idB] = [binaryId(), binaryId()];
    const onA = await client(a.port);
    const onB = await client(b.port);
    onB.send(announce(infoHash, idB, { numwant: 0 }));
    await onB.next((m) => m.interval !== undefined);
    await waitFor(async () => (await swarmPeers(a.port, infoHash)) === 1, 5000, 'node A to see the peer of node B');
    await exchange(onA, onB, infoHash, idA, idB);
    // And the other way round: B offers, A answers.
    await exchange(onB, onA, infoHash, idB, idA);
    assert.equal(await swarmPeers(b.port, infoHash), 2);
  });

  test('reference bittorrent-tracker clients on two nodes open a WebRTC data channel', async (t) => {
    const infoHash = randomBytes(20).toString('hex');
    const make = (port: number) => {
      const url = new URL(ws(port));
      url.searchParams.set('cid', CID);
      url.searchParams.set('session', session());
      return new Client({ infoHash, peerId: randomBytes(20), announce: [url.toString()], port: 6881, wrtc, rtcConfig: { iceServers: [] } });
    };
    const onA = make(a.port);
    const onB = make(b.port);
    const handed: TrackerPeer[] = [];
    const connected = (c: Client) =>
      new Promise<TrackerPeer>((resolve) =>
        c.on('peer', (peer) => {
          handed.push(peer);
          if (peer.connected) resolve(peer);
          else peer.once('connect', () => resolve(peer));
        }),
      );
    const warnings: string[] = [];
    for (const c of [onA, onB]) c.on('warning', (error) => warnings.push(error.message));
    let updates = 0;
    onA.on('update', () => updates++);
    const peerOfA = connected(onA);
    const peerOfB = connected(onB);
    try {
      const started = Date.now();
      onA.start();
      // simple-peer waits out its 5 s ICE-complete timeout before a non-trickle offer exists.
      await waitFor(() => updates > 0, 15_000, 'the first announce reply on node A');
      await waitFor(async () => (await swarmPeers(b.port, Buffer.from(infoHash, 'hex').toString('latin1'))) === 1, 5000, 'node B to see the peer of node A');
      onB.start();
      const [pa, pb] = await Promise.race([
        Promise.all([peerOfA, peerOfB]),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no data channel within 30 s; warnings: ${warnings.join('; ')}`)), 30_000).unref()),
      ]);
      const received = new Promise<string>((resolve) => pb.once('data', (data: Uint8Array) => resolve(Buffer.from(data).toString())));
      pa.send('segment bytes across nodes');
      assert.equal(await received, 'segment bytes across nodes');
      assert.deepEqual(warnings, []);
      t.diagnostic(`reference clients on two nodes connected in ${Date.now() - started} ms`);
    } finally {
      for (const peer of handed) peer.destroy();
      await Promise.all([onA, onB].map((c) => new Promise<void>((resolve) => c.destroy(() => resolve()))));
    }
  });

  test('a peer report posted to node B counts for a session connected to node A, and the ban reaches node A', async () => {
    const infoHash = binaryId();
    const [reporterId, badId] = [binaryId(), binaryId()];
    const secret = session();
    const reporter = await TestClient.connect(ws(a.port), { cid: CID, session: secret });
    clients.push(reporter);
    const bad = await client(a.port);
    reporter.send(announce(infoHash, reporterId, { numwant: 0 }));
    bad.send(announce(infoHash, badId, { numwant: 0 }));
    await reporter.next((m) => m.interval !== undefined);
    await bad.next((m) => m.interval !== undefined);
    const post = (peerId: string) =>
      fetch(`http://127.0.0.1:${b.port}/api/p2p/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cid: CID, session: secret, peerId: Buffer.from(peerId, 'latin1').toString('hex'), reason: 'hash mismatch' }),
      });
    await waitFor(async () => (await post(reporterId)).status === 400, 5000, 'node B to know the session and refuse a report of its own peer');
    const res = await post(badId);
    assert.equal(res.status, 202, await res.clone().text());
    assert.deepEqual(await res.json(), { count: 1, threshold: 1, blocked: true });
    await waitFor(async () => {
      bad.send(announce(infoHash, badId, { numwant: 0 }));
      const reply = await bad.next((m) => m.interval !== undefined);
      return typeof reply['warning message'] === 'string';
    }, 5000, 'node A to block the reported peer');
  });

  test('stats cover the cluster; healthz and metrics speak for the node', async () => {
    await waitFor(async () => (await json(`http://127.0.0.1:${a.port}/api/p2p/stats`)).nodes === 2, 5000, 'both nodes in the stats');
    // The other node's figures are at most one refresh period (1 s here) old.
    await waitFor(async () => ((await json(`http://127.0.0.1:${b.port}/api/p2p/stats`)).connections as number) >= 2, 5000, 'both connections in the cluster stats');
    const stats = await json(`http://127.0.0.1:${b.port}/api/p2p/stats`);
    assert.equal(stats.redis, 'up');
    assert.equal(stats.node, 'node-b');
    const health = await json(`http://127.0.0.1:${a.port}/healthz`);
    assert.deepEqual([health.status, health.redis, health.node], ['ok', 'up', 'node-a']);
    const metrics = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
    assert.match(metrics, /spk_signal_redis_up\{node="node-b"\} 1/);
    assert.match(metrics, /spk_signal_connections\{node="node-b"\} \d+/);
    assert.match(metrics, /spk_signal_cluster_received_total\{node="node-b"\} [1-9]/);
    // The busiest rooms (a seeder's --rooms-from): each room's connections on both nodes, summed.
    const local = async (port: number) => (await json(`http://127.0.0.1:${port}/api/p2p/rooms/${CID}`)).peers as number;
    const [onA, onB] = [await local(a.port), await local(b.port)];
    assert.ok(onA > 0 && onB > 0, `connections in the room on both nodes (${onA}, ${onB})`);
    let listed: unknown[] = [];
    await waitFor(async () => {
      const list = await json(`http://127.0.0.1:${b.port}/api/p2p/rooms?limit=5`);
      listed = list.rooms as unknown[];
      const entry = (list.rooms as { cid: string; peers: number }[]).find((room) => room.cid === CID);
      return list.nodes === 2 && entry?.peers === onA + onB;
    }, 5000, `node B to list room ${CID} with the ${onA + onB} connections of both nodes`);
    assert.ok(listed.length <= 5);
  });

  test('a flood and malformed messages on node A do not disturb node B', async () => {
    const flooder = await client(a.port);
    for (let i = 0; i < 200; i++) flooder.send(i % 2 === 0 ? '{not json' : { action: 'announce', info_hash: 'short' });
    const closed = await flooder.waitClosed(5000);
    assert.equal(closed.code, 4429);
    const infoHash = binaryId();
    const [idA, idB] = [binaryId(), binaryId()];
    const onA = await client(a.port);
    const onB = await client(b.port);
    onA.send(announce(infoHash, idA, { numwant: 0 }));
    await onA.next((m) => m.interval !== undefined);
    await waitFor(async () => (await swarmPeers(b.port, infoHash)) === 1, 5000, 'node B to see the peer of node A');
    await exchange(onB, onA, infoHash, idB, idA);
  });

  test('through nginx: kill -9 a node, its viewers reconnect to the survivor and meet again', async (t) => {
    const infoHash = binaryId();
    const [id1, id2] = [binaryId(), binaryId()];
    // A trusted X-Forwarded-For from the balancer is the address the node records.
    const v1 = await client(nginx.port);
    const v2 = await client(nginx.port);
    v2.send(announce(infoHash, id2, { numwant: 0 }));
    await v2.next((m) => m.interval !== undefined);
    await waitFor(async () => (await swarmPeers(a.port, infoHash)) === 1, 5000, 'the peer to be visible cluster-wide');
    await exchange(v1, v2, infoHash, id1, id2);

    const killedAt = Date.now();
    await a.stop('SIGKILL');
    // Viewers of the dead node see their socket drop; the survivors' sockets stay open.
    await Promise.race([v1.closed, v2.closed]);
    const survivors = [v1, v2].filter((v) => v.closeCode === undefined);
    const orphans = [v1, v2].filter((v) => v.closeCode !== undefined);
    assert.ok(orphans.length >= 1);
    // Reconnect the orphans through the balancer (as the tracker client does) and re-announce.
    const back = await Promise.all(orphans.map(() => client(nginx.port)));
    const ids = new Map<TestClient, string>([[v1, id1], [v2, id2]]);
    const pairs = back.map((c, i) => [c, ids.get(orphans[i] as TestClient) as string] as const);
    const other = survivors[0] ?? pairs[1]?.[0];
    const otherId = survivors[0] ? (ids.get(survivors[0]) as string) : (pairs[1]?.[1] as string);
    assert.ok(other !== undefined);
    if (other !== pairs[0]?.[0]) {
      other.send(announce(infoHash, otherId, { numwant: 0 }));
      await other.next((m) => m.interval !== undefined);
    }
    const [first, firstId] = pairs[0] as readonly [TestClient, string];
    await exchange(first, other, infoHash, firstId, otherId);
    const recoveredMs = Date.now() - killedAt;
    t.diagnostic(`P2P signalling resumed ${recoveredMs} ms after kill -9 (reconnect + re-announce + offer/answer)`);
    // The dead node's entries leave everyone's view once their TTL (peer timeout 8 s) passes.
    await waitFor(async () => (await swarmPeers(b.port, infoHash)) === 2, 15_000, "the dead node's peers to expire");
    a = await startNode('node-a', `redis://127.0.0.1:${redis.port}`, { args: NODE_FLAGS, port: a.port });
  });

  test('Redis stopped: nodes serve local peers and say so; Redis back: they resync without restart', async () => {
    const infoHash = binaryId();
    const [idA, idB, idB2] = [binaryId(), binaryId(), binaryId()];
    const onB = await client(b.port);
    onB.send(announce(infoHash, idB, { numwant: 0 }));
    await onB.next((m) => m.interval !== undefined);
    const port = redis.port;
    await redis.stop('SIGKILL');
    await waitFor(async () => (await json(`http://127.0.0.1:${b.port}/healthz`)).redis === 'down', 5000, 'node B to notice');
    const health = await json(`http://127.0.0.1:${b.port}/healthz`);
    assert.equal(health.status, 'degraded');
    assert.match(await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text(), /spk_signal_redis_up\{node="node-b"\} 0/);
    assert.match(b.output(), /Redis unreachable/);
    // Same-node signalling goes on.
    const onB2 = await client(b.port);
    await exchange(onB2, onB, infoHash, idB2, idB);

    redis = await startRedis(port);
    await waitFor(async () => (await json(`http://127.0.0.1:${a.port}/healthz`)).redis === 'up' && (await json(`http://127.0.0.1:${b.port}/healthz`)).redis === 'up', 10_000, 'both nodes to reach Redis again');
    // The new Redis is empty: node B wrote its members back, so node A sees them.
    await waitFor(async () => (await swarmPeers(a.port, infoHash)) === 2, 5000, 'node B to resync its peers');
    const onA = await client(a.port);
    onA.send(announce(infoHash, idA, { numwant: 1, offers: [offer()] }));
    const relayed = await Promise.race([onB.next((m) => m.peer_id === idA, 5000), onB2.next((m) => m.peer_id === idA, 5000)]);
    assert.ok(relayed.offer !== undefined);
  });
});
