import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { binaryToHex, createSignalServer } from '../src/index.js';
import { announce, binaryId, CID, offer, OTHER_CID, session, startServer, TestClient, waitFor, type Json } from './signal-support.js';

const closers: (() => Promise<void>)[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.close();
  for (const close of closers.reverse()) await close();
});

async function serve(options: Parameters<typeof startServer>[0] = {}) {
  const started = await startServer(options);
  closers.push(() => started.server.close());
  const connect = async (query: Record<string, string> = { cid: CID }) => {
    const client = await TestClient.connect(started.address.signalUrl, query);
    clients.push(client);
    return client;
  };
  const get = async (path: string, init?: RequestInit) => fetch(`${started.address.url}${path}`, init);
  return { ...started, connect, get };
}

describe('HTTP API', async () => {
  const { connect, get } = await serve();
  const [low, high] = [binaryId(), binaryId()];
  const a = await connect({ cid: CID, region: 'eu' });
  const b = await connect({ cid: CID });
  a.send(announce(low, binaryId()));
  a.send(announce(high, binaryId()));
  b.send(announce(low, binaryId(), { offers: [offer()] }));
  await b.next((m) => m.complete !== undefined);
  await a.next((m) => m.offer !== undefined);

  it('GET /api/p2p/rooms/:videoCid lists peers, swarms and since when', async () => {
    const response = await get(`/api/p2p/rooms/${CID}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const room = (await response.json()) as { peers: number; since: string; swarms: Json[]; regions: Record<string, number> };
    assert.equal(room.peers, 2);
    assert.ok(Date.parse(room.since) <= Date.now());
    const bySwarm = Object.fromEntries(room.swarms.map((s) => [s.infoHash, s.peers]));
    assert.deepEqual(bySwarm, { [binaryToHex(low)]: 2, [binaryToHex(high)]: 1 });
    assert.deepEqual(room.regions, { EU: 1, unknown: 1 });
    const empty = (await (await get(`/api/p2p/rooms/${OTHER_CID}`)).json()) as Json;
    assert.deepEqual(empty, { cid: OTHER_CID, peers: 0, since: null, swarms: [], regions: {}, blockedPeers: 0 });
    const bad = await get('/api/p2p/rooms/not%20a%20cid');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Json).error as string, /not a valid IPFS CID/);
  });

  it('GET /api/p2p/rooms lists the busiest rooms, with a bounded ?limit', async () => {
    // A server of its own: the other tests count this one's rooms.
    const own = await serve();
    const members = [await own.connect({ cid: OTHER_CID }), await own.connect({ cid: OTHER_CID }), await own.connect({ cid: CID })];
    for (const member of members) {
      member.send(announce(binaryId(), binaryId()));
      await member.next((m) => m.complete !== undefined);
    }
    assert.deepEqual(await (await own.get('/api/p2p/rooms')).json(), { rooms: [{ cid: OTHER_CID, peers: 2 }, { cid: CID, peers: 1 }], nodes: 1 });
    assert.deepEqual(await (await own.get('/api/p2p/rooms?limit=1')).json(), { rooms: [{ cid: OTHER_CID, peers: 2 }], nodes: 1 });
    for (const limit of ['0', '101', '-1', '2.5', 'ten', '']) {
      const bad = await own.get(`/api/p2p/rooms?limit=${limit}`);
      assert.equal(bad.status, 400, `limit=${limit}`);
      assert.match(((await bad.json()) as { error: string }).error, /limit must be a whole number from 1 to 100/);
    }
  });

  it('GET /api/p2p/stats counts rooms, peers, messages and relays', async () => {
    const stats = (await (await get('/api/p2p/stats')).json()) as Record<string, number>;
    assert.equal(stats.rooms, 1);
    assert.equal(stats.connections, 2);
    assert.equal(stats.peers, 3);
    assert.equal(stats.swarms, 2);
    assert.equal(stats.offersRelayed, 1);
    assert.ok((stats.messages ?? 0) >= 3);
    assert.equal(typeof stats.messagesPerSecond, 'number');
  });

  it('GET /healthz and GET /metrics (Prometheus text)', async () => {
    const health = await get('/healthz');
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as Json).status, 'ok');
    const metrics = await get('/metrics');
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0.0.4/);
    const text = await metrics.text();
    assert.match(text, /^# TYPE spk_signal_connections gauge$/m);
    assert.match(text, /^spk_signal_connections 2$/m);
    assert.match(text, /^spk_signal_offers_relayed_total 1$/m);
    for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[a-z]+="[^"]*"\})? -?[0-9.e+]+)$/);
  });

  it('POST /api/p2p/presence tells a viewer whether its own connection is known in the room', async () => {
    const secret = session();
    const ask = async (body: unknown) => {
      const response = await get('/api/p2p/presence', { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Json };
    };
    assert.deepEqual(await ask({ cid: CID, session: secret }), { status: 200, json: { connected: false } });
    const viewer = await connect({ cid: CID, session: secret });
    await waitFor(async () => (await ask({ cid: CID, session: secret })).json.connected === true, 5_000, 'the session to be connected');
    assert.deepEqual((await ask({ cid: OTHER_CID, session: secret })).json, { connected: false }, 'in its own room only');
    viewer.close();
    await waitFor(async () => (await ask({ cid: CID, session: secret })).json.connected === false, 5_000, 'the session to be closed');
    assert.equal((await ask({ cid: 'nope', session: secret })).status, 400);
    assert.equal((await ask({ cid: CID, session: 'short' })).status, 400);
    assert.equal((await ask([1, 2])).status, 400);
  });

  it('answers unknown paths 404 and wrong methods 405, in JSON', async () => {
    assert.equal((await get('/nope')).status, 404);
    const wrong = await get('/api/p2p/stats', { method: 'POST' });
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get('allow') ?? '', /GET/);
  });
});

describe('misbehaving-peer reports', async () => {
  const { connect, get, server } = await serve({ reportThreshold: 2, reportersByAddress: false, banDurationMs: 60_000 });
  const post = (body: unknown) =>
    get('/api/p2p/reports', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const infoHash = binaryId();
  const badPeer = binaryId();
  const bad = await connect({ cid: CID, session: session() });
  bad.send(announce(infoHash, badPeer));
  await bad.next((m) => m.complete !== undefined);
  const reporters = await Promise.all(
    [1, 2, 3].map(async () => {
      const secret = session();
      const client = await connect({ cid: CID, session: secret });
      const peerId = binaryId();
      client.send(announce(infoHash, peerId));
      await client.next((m) => m.complete !== undefined);
      return { client, secret, peerId };
    }),
  );
  const [r1, r2, r3] = reporters as [(typeof reporters)[0], (typeof reporters)[0], (typeof reporters)[0]];

  it('refuses bad input with 4xx and a JSON error', async () => {
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 400, /not valid JSON/],
      [[1], 400, /JSON object/],
      [{ cid: 'nope', session: r1.secret, peerId: binaryToHex(badPeer) }, 400, /cid/],
      [{ cid: CID, session: 'x', peerId: binaryToHex(badPeer) }, 400, /session/],
      [{ cid: CID, session: r1.secret, peerId: 'abc' }, 400, /peerId/],
      [{ cid: CID, session: r1.secret, peerId: binaryToHex(badPeer), reason: 5 }, 400, /reason/],
      [{ cid: CID, session: session(), peerId: binaryToHex(badPeer) }, 403, /not connected/],
      [{ cid: OTHER_CID, session: r1.secret, peerId: binaryToHex(badPeer) }, 403, /not connected/],
      [{ cid: CID, session: r1.secret, peerId: binaryToHex(r1.peerId) }, 400, /own peer/],
    ];
    for (const [body, status, error] of cases) {
      const response = await post(body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.match(((await response.json()) as Json).error as string, error);
    }
    const huge = await post({ cid: CID, session: r1.secret, peerId: binaryToHex(badPeer), reason: 'x'.repeat(10_000) });
    assert.equal(huge.status, 413);
    const preflight = await get('/api/p2p/reports', { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  it('counts distinct reporters; past the threshold the peer gets and sends no more offers', async () => {
    const first = await post({ cid: CID, session: r1.secret, peerId: binaryToHex(badPeer), reason: 'integrity' });
    assert.equal(first.status, 202);
    assert.deepEqual(await first.json(), { count: 1, threshold: 2, blocked: false });
    const again = await post({ cid: CID, session: r1.secret, peerId: badPeer, reason: 'integrity' });
    assert.deepEqual(await again.json(), { count: 1, threshold: 2, blocked: false }, 'the same reporter counts once (raw id form)');
    const second = await post({ cid: CID, session: r2.secret, peerId: binaryToHex(badPeer), reason: 'integrity' });
    assert.deepEqual(await second.json(), { count: 2, threshold: 2, blocked: true });

    // r3 offers to everyone it can: numwant 5 covers the whole swarm, yet the blocked peer gets nothing.
    r3.client.send(announce(infoHash, r3.peerId, { offers: [offer(), offer(), offer(), offer(), offer()] }));
    await r3.client.next((m) => m.complete !== undefined);
    await r1.client.next((m) => m.offer !== undefined);
    await r2.client.next((m) => m.offer !== undefined);
    bad.send(announce(infoHash, badPeer, { offers: [offer(), offer()] }));
    const reply = await bad.next((m) => m.complete !== undefined);
    assert.match(String(reply['warning message']), /blocked in this room/);
    for (const client of [r1.client, r2.client, r3.client]) client.send({ action: 'scrape', info_hash: infoHash });
    for (const client of [r1.client, r2.client, r3.client]) await client.next((m) => m.action === 'scrape');
    assert.equal(bad.messages.filter((m) => m.offer !== undefined).length, 0, 'no offers to the blocked peer');
    for (const { client } of [r1, r2, r3]) assert.equal(client.messages.filter((m) => m.peer_id === badPeer).length, 0, 'no offers from it');
    assert.equal(server.room(CID).blockedPeers, 1);
    assert.equal(server.stats().bansIssued, 1);
  });

  it('keeps the session directory for contributions: peers, room and address of a session', () => {
    assert.deepEqual([...server.sessions.peersOfSession(r1.secret)], [r1.peerId]);
    assert.equal(server.sessions.roomOfSession(r1.secret), CID);
    assert.equal(server.sessions.addressOfSession(r1.secret), '127.0.0.1');
    assert.equal(server.sessions.isConnected(r1.secret, CID), true);
  });
});

describe('attaching to an existing http.Server', () => {
  it('serves its routes and upgrades, leaves other paths to their owners, restores them on close', async () => {
    const httpServer = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`app:${req.url}`);
    });
    const otherWss = new WebSocketServer({ noServer: true });
    httpServer.on('upgrade', (req, socket, head) => {
      if (req.url === '/app-socket') otherWss.handleUpgrade(req, socket, head, (ws) => ws.send('app socket'));
    });
    closers.push(async () => {
      otherWss.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    });
    const signal = createSignalServer({ server: httpServer, logLevel: 'silent' });
    signal.router.route('GET', '/oembed', (_req, res) => {
      res.writeHead(200);
      res.end('mounted');
    });
    const address = await signal.listen(0, '127.0.0.1');
    assert.equal(signal.httpServer, httpServer);
    assert.equal(await (await fetch(`${address.url}/somewhere`)).text(), 'app:/somewhere');
    assert.equal((await fetch(`${address.url}/healthz`)).status, 200);
    assert.equal(await (await fetch(`${address.url}/oembed`)).text(), 'mounted');
    const appSocket = new WebSocket(`${address.url.replace('http', 'ws')}/app-socket`);
    assert.equal(String(await new Promise((resolve) => appSocket.once('message', resolve))), 'app socket');
    appSocket.close();
    const client = await TestClient.connect(address.signalUrl);
    client.send(announce(binaryId(), binaryId()));
    await client.next((m) => m.complete !== undefined);

    await signal.close();
    assert.equal((await client.waitClosed()).code, 1001);
    assert.equal(await (await fetch(`${address.url}/healthz`)).text(), 'app:/healthz', 'the app handles everything again');
    assert.ok(httpServer.listening, 'the attached server is the app’s to close');
  });
});

describe('graceful close', () => {
  it('closes sockets with 1001, refuses new upgrades with 503 and stops listening', async () => {
    const { server, address } = await startServer();
    const client = await TestClient.connect(address.signalUrl);
    const closing = server.close();
    await assert.rejects(TestClient.connect(address.signalUrl), /HTTP 503|ECONNREFUSED/);
    await closing;
    assert.equal((await client.waitClosed()).code, 1001);
    assert.equal(server.httpServer.listening, false);
    await waitFor(() => client.closeCode !== undefined, 1000, 'the close event');
  });
});
