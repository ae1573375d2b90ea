import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { unsent, WriteBatch, type BatchTarget } from '../src/write-batch.js';
import { toWire } from '../src/ids.js';
import { createRoomToken, verifyRoomToken, type SignalServerOptions } from '../src/index.js';
import { announce, binaryId, CID, offer, OTHER_CID, startServer, TestClient, waitFor } from './signal-support.js';

const servers: { close(): Promise<void> }[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((server) => server.close()));
});

async function serve(options: SignalServerOptions = {}) {
  const started = await startServer(options);
  servers.push(started.server);
  const connect = async (query: Record<string, string> = { cid: CID }, headers: Record<string, string> = {}) => {
    const client = await TestClient.connect(started.address.signalUrl, query, headers);
    clients.push(client);
    return client;
  };
  return { ...started, connect };
}

/** An announced peer in a fresh swarm, for checking that bad input elsewhere does not disturb it. */
async function bystander(connect: () => Promise<TestClient>, infoHash: string) {
  const client = await connect();
  client.send(announce(infoHash, binaryId(), { event: 'started' }));
  await client.next((m) => m.complete !== undefined);
  return client;
}

describe('message validation', async () => {
  const { server, connect } = await serve();

  const cases: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"action":"announce",', /not valid JSON/],
    ['a JSON array', '[1,2,3]', /JSON object/],
    ['an unknown action', { action: 'connect' }, /unknown action/],
    ['a numeric info_hash', { action: 'announce', info_hash: 12345, peer_id: binaryId() }, /info_hash must be a 20-character string/],
    ['a short info_hash', { action: 'announce', info_hash: 'abc', peer_id: binaryId() }, /info_hash/],
    ['an info_hash with code points above 255', { action: 'announce', info_hash: '€'.repeat(20), peer_id: binaryId() }, /info_hash/],
    ['a 21-character peer_id', announce(binaryId(), `${binaryId()}x`), /peer_id must be a 20-character string/],
    ['numwant as a string', announce(binaryId(), binaryId(), { numwant: '5' }), /numwant must be a non-negative integer/],
    ['a negative numwant', announce(binaryId(), binaryId(), { numwant: -1 }), /numwant/],
    ['offers as an object', announce(binaryId(), binaryId(), { offers: { a: 1 } }), /offers must be an array/],
    ['an offer of type answer', announce(binaryId(), binaryId(), { offers: [{ offer_id: binaryId(), offer: { type: 'answer', sdp: 'x' } }] }), /offer.type must be "offer"/],
    ['an offer without offer_id', announce(binaryId(), binaryId(), { offers: [{ offer: { type: 'offer', sdp: 'x' } }] }), /offer_id/],
    ['an SDP over the limit', announce(binaryId(), binaryId(), { offers: [offer('x'.repeat(20_000))] }), /offer.sdp must be a string of 1 to 16384/],
    ['an unknown event', announce(binaryId(), binaryId(), { event: 'paused' }), /event must be/],
    ['an answer without to_peer_id', { action: 'announce', info_hash: binaryId(), peer_id: binaryId(), offer_id: binaryId(), answer: { type: 'answer', sdp: 'x' } }, /to_peer_id/],
    ['an answer of the wrong type', { action: 'announce', info_hash: binaryId(), peer_id: binaryId(), to_peer_id: binaryId(), offer_id: binaryId(), answer: { type: 'offer', sdp: 'x' } }, /type "answer"/],
    ['a scrape with bad hashes', { action: 'scrape', info_hash: [1, 2] }, /info_hash must be/],
  ];

  for (const [name, message, reason] of cases) {
    it(`refuses ${name} with a failure reason that carries action, and keeps the socket`, async () => {
      const client = await connect();
      client.send(message);
      const failure = await client.failure();
      assert.match(String(failure['failure reason']), reason);
      assert.ok(failure.action === 'announce' || failure.action === 'scrape', 'the client tears down on a message without action');
      const infoHash = binaryId();
      client.send(announce(infoHash, binaryId()));
      assert.equal((await client.next((m) => m.info_hash === infoHash)).incomplete, 1, 'the socket still works');
    });
  }

  it('puts the info_hash into failures when it is known, so the client takes them as warnings', async () => {
    const client = await connect();
    const infoHash = binaryId();
    client.send(announce(infoHash, binaryId(), { numwant: 'lots' }));
    const failure = await client.failure();
    assert.equal(failure.info_hash, infoHash);
    assert.equal(failure.action, 'announce');
  });

  it('refuses binary frames', async () => {
    const client = await connect();
    client.ws.send(Buffer.from('{"action":"announce"}'), { binary: true });
    assert.match(String((await client.failure())['failure reason']), /text frames/);
  });

  it('refuses more offers than allowed in one announce and caps numwant', async () => {
    const capped = await serve({ maxOffersPerAnnounce: 3, maxNumwant: 2 });
    const infoHash = binaryId();
    const others = await Promise.all([1, 2, 3, 4].map(() => bystander(() => capped.connect(), infoHash)));
    const sender = await capped.connect();
    sender.send(announce(infoHash, binaryId(), { offers: [offer(), offer(), offer(), offer()] }));
    assert.match(String((await sender.failure())['failure reason']), /too many offers: at most 3/);
    sender.send(announce(infoHash, binaryId(), { numwant: 50, offers: [offer(), offer(), offer()] }));
    await sender.next((m) => m.complete !== undefined);
    // Scrape every bystander: its reply comes after any offer relayed to it.
    for (const other of others) other.send({ action: 'scrape', info_hash: infoHash });
    for (const other of others) await other.next((m) => m.action === 'scrape');
    const offered = others.reduce((sum, other) => sum + other.messages.filter((m) => m.offer !== undefined).length, 0);
    assert.equal(offered, 2, 'numwant 50 is capped to 2');
  });

  it('refuses an answer to an offer it never relayed, and to an unknown to_peer_id', async () => {
    const client = await connect();
    const infoHash = binaryId();
    const peerId = binaryId();
    client.send(announce(infoHash, peerId));
    await client.next((m) => m.complete !== undefined);
    client.send({ action: 'announce', info_hash: infoHash, peer_id: peerId, to_peer_id: binaryId(), offer_id: binaryId(), answer: { type: 'answer', sdp: 'x' } });
    const failure = await client.failure();
    assert.match(String(failure['failure reason']), /no pending offer/);
    assert.equal(failure.info_hash, infoHash);
  });

  it('counts every refusal and still serves the room', async () => {
    const stats = server.stats();
    assert.ok(stats.failures >= cases.length, JSON.stringify(stats));
    assert.ok(stats.connections >= cases.length);
  });
});

describe('size, rate and connection limits', () => {
  it('closes a socket that sends a message over maxMessageBytes (1009), others unaffected', async () => {
    const { connect, server } = await serve({ maxMessageBytes: 4096 });
    const infoHash = binaryId();
    const other = await bystander(connect, infoHash);
    const client = await connect();
    client.send(announce(binaryId(), binaryId(), { offers: [offer('x'.repeat(5000))] }));
    const { code } = await client.waitClosed();
    assert.equal(code, 1009);
    other.send(announce(infoHash, binaryId()));
    other.send({ action: 'scrape', info_hash: infoHash });
    await other.next((m) => m.action === 'scrape');
    await waitFor(() => server.stats().connections === 1, 3000, 'the closed socket to be forgotten');
  });

  it('answers a flood with one failure, drops it, then closes the socket with 4429', async () => {
    const { connect, server } = await serve({ messageRate: 5, messageBurst: 5 });
    const client = await connect();
    const infoHash = binaryId();
    const peerId = binaryId();
    for (let i = 0; i < 40; i++) client.send(announce(infoHash, peerId));
    const failure = await client.failure();
    assert.match(String(failure['failure reason']), /too many messages: at most 5 per second/);
    const { code, reason } = await client.waitClosed();
    assert.equal(code, 4429);
    assert.match(reason, /rate limit/);
    assert.ok(server.stats().rateLimited > 5);
    assert.equal(client.messages.filter((m) => m.complete !== undefined).length, 5, 'only the burst was served');
  });

  it('lets a rate of 0 serve every message (the load benchmark mode)', async () => {
    const { connect } = await serve({ messageRate: 0, maxConnectionsPerIp: 0 });
    const client = await connect();
    const infoHash = binaryId();
    const peerId = binaryId();
    for (let i = 0; i < 300; i++) client.send(announce(infoHash, peerId));
    await waitFor(() => client.messages.length === 300, 5000, '300 replies');
    assert.equal(client.messages.filter((m) => 'failure reason' in m).length, 0);
  });

  it('refuses connections over the per-address cap with HTTP 429 before the handshake', async () => {
    const { connect, address, server } = await serve({ maxConnectionsPerIp: 2 });
    const first = await connect();
    await connect();
    await assert.rejects(TestClient.connect(address.signalUrl), /HTTP 429/);
    first.close();
    await waitFor(() => server.stats().connections === 1, 3000, 'a slot to free up');
    await connect();
  });

  it('refuses a swarm over maxSwarmsPerConnection', async () => {
    const { connect } = await serve({ maxSwarmsPerConnection: 2 });
    const client = await connect();
    for (let i = 0; i < 2; i++) client.send(announce(binaryId(), binaryId()));
    const third = binaryId();
    client.send(announce(third, binaryId()));
    const failure = await client.failure();
    assert.equal(failure.info_hash, third);
    assert.match(String(failure['failure reason']), /too many swarms/);
  });

  it('closes an idle connection with 4408 and drops a peer that stops re-announcing', async () => {
    const { connect, server } = await serve({ idleTimeoutMs: 1000, peerTimeoutMs: 60_000 });
    const idle = await connect();
    const { code } = await idle.waitClosed(5000);
    assert.equal(code, 4408);

    const quiet = await serve({ idleTimeoutMs: 60_000, peerTimeoutMs: 1000 });
    const client = await quiet.connect();
    client.send(announce(binaryId(), binaryId()));
    await client.next((m) => m.complete !== undefined);
    assert.equal(quiet.server.stats().peers, 1);
    await waitFor(() => quiet.server.stats().peers === 0, 5000, 'the silent peer to be dropped');
    assert.equal(quiet.server.stats().connections, 1, 'the connection itself stays');
    assert.equal(server.stats().connections, 0);
  });
});

describe('room access', () => {
  it('requires a valid CID, session and region in the URL (close 4400)', async () => {
    const { connect } = await serve();
    for (const [query, reason] of [
      [{}, /cid query parameter/],
      [{ cid: 'not-a-cid' }, /not a valid IPFS CID/],
      [{ cid: CID, session: 'short' }, /session must be/],
      [{ cid: CID, region: 'eu west!' }, /region must be/],
    ] as [Record<string, string>, RegExp][]) {
      const client = await connect(query);
      const closed = await client.waitClosed();
      assert.equal(closed.code, 4400);
      assert.match(closed.reason, reason);
    }
  });

  it('refuses origins outside the allow-list (4403) and admits listed ones and non-browsers', async () => {
    const { connect } = await serve({ allowedOrigins: ['https://3speak.tv'] });
    const foreign = await connect({ cid: CID }, { Origin: 'https://evil.example' });
    const closed = await foreign.waitClosed();
    assert.equal(closed.code, 4403);
    assert.match(closed.reason, /origin https:\/\/evil.example is not allowed/);
    for (const headers of [{ Origin: 'https://3speak.tv' }, {}] as Record<string, string>[]) {
      const client = await connect({ cid: CID }, headers);
      client.send(announce(binaryId(), binaryId()));
      await client.next((m) => m.complete !== undefined);
    }
  });

  it('refuses rooms outside the CID allow-list (4403)', async () => {
    const { connect } = await serve({ allowedCids: [CID] });
    const foreign = await connect({ cid: OTHER_CID });
    const closed = await foreign.waitClosed();
    assert.equal(closed.code, 4403);
    assert.match(closed.reason, /no room/);
    const allowed = await connect({ cid: CID });
    allowed.send(announce(binaryId(), binaryId()));
    await allowed.next((m) => m.complete !== undefined);
  });

  it('needs a room token signed for that CID and not expired (4401)', async () => {
    const secret = 'site-backend-secret-0123456789';
    const { connect } = await serve({ roomTokenSecret: secret });
    const cases: [Record<string, string>, RegExp][] = [
      [{ cid: CID }, /a room token is required/],
      [{ cid: CID, token: createRoomToken(secret, CID, Date.now() - 1000) }, /expired/],
      [{ cid: CID, token: createRoomToken(secret, OTHER_CID, Date.now() + 60_000) }, /not valid for this video/],
      [{ cid: CID, token: createRoomToken('another-secret-0123456789', CID, Date.now() + 60_000) }, /not valid for this video/],
      [{ cid: CID, token: 'garbage' }, /malformed/],
    ];
    for (const [query, reason] of cases) {
      const client = await connect(query);
      const closed = await client.waitClosed();
      assert.equal(closed.code, 4401, JSON.stringify(query));
      assert.match(closed.reason, reason);
    }
    const admitted = await connect({ cid: CID, token: createRoomToken(secret, CID, Date.now() + 60_000) });
    admitted.send(announce(binaryId(), binaryId()));
    await admitted.next((m) => m.complete !== undefined);
  });

  it('verifyRoomToken explains every refusal and accepts rotated secrets', () => {
    const token = createRoomToken('first-secret-0123456789', CID, 2_000_000);
    assert.deepEqual(verifyRoomToken(['old-secret-0123456789', 'first-secret-0123456789'], CID, token, 1_000_000), { ok: true, expiresAtMs: 2_000_000 });
    assert.equal(verifyRoomToken('first-secret-0123456789', CID, token, 2_000_000).ok, false);
    const tampered = token.replace(/^2000000/, '2999999');
    const check = verifyRoomToken('first-secret-0123456789', CID, tampered, 1_000_000);
    assert.equal(check.ok ? 'ok' : check.reason, 'bad-signature');
    assert.throws(() => createRoomToken('short', CID, 1), /at least 16/);
  });
});

describe('geographic matching', () => {
  it('gives offers to peers of the same region first (trusted header wins over the hint)', async () => {
    const { connect } = await serve({ regionHeader: 'x-region', maxNumwant: 2 });
    const infoHash = binaryId();
    const join = async (query: Record<string, string>, headers: Record<string, string> = {}) => {
      const client = await connect({ cid: CID, ...query }, headers);
      client.send(announce(infoHash, binaryId()));
      await client.next((m) => m.complete !== undefined);
      return client;
    };
    const far = await Promise.all([1, 2, 3, 4].map(() => join({ region: 'us' })));
    // The hint says "us", the trusted proxy says "EU": the header wins.
    const near = await Promise.all([1, 2].map(() => join({ region: 'us' }, { 'X-Region': 'eu' })));
    const sender = await connect({ cid: CID, region: 'EU' });
    sender.send(announce(infoHash, binaryId(), { numwant: 2, offers: [offer(), offer()] }));
    await sender.next((m) => m.complete !== undefined);
    for (const client of [...far, ...near]) client.send({ action: 'scrape', info_hash: infoHash });
    for (const client of [...far, ...near]) await client.next((m) => m.action === 'scrape');
    const offers = (list: TestClient[]) => list.reduce((n, c) => n + c.messages.filter((m) => m.offer !== undefined).length, 0);
    assert.equal(offers(near), 2, 'both offers went to the same-region peers');
    assert.equal(offers(far), 0);
  });
});

describe('a raw socket that never upgrades properly', () => {
  it('gets 404 on another path and the server keeps running', async () => {
    const { address, connect } = await serve();
    const ws = new WebSocket(address.signalUrl.replace('/api/p2p/signal', '/elsewhere'));
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(status, 404);
    const client = await connect();
    client.send(announce(binaryId(), binaryId()));
    await client.next((m) => m.complete !== undefined);
  });
});

describe('broken handshakes', () => {
  it('do not use up the per-address cap', async () => {
    const { address, connect } = await serve({ maxConnectionsPerIp: 1 });
    const { request } = await import('node:http');
    for (let i = 0; i < 3; i++) {
      // An upgrade request without Sec-WebSocket-Key: ws answers 400 itself.
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${address.url}/api/p2p/signal?cid=${CID}`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 400);
    }
    const client = await connect();
    client.send(announce(binaryId(), binaryId()));
    await client.next((m) => m.complete !== undefined);
  });
});

describe('backpressure', () => {
  it('stops relaying offers to a peer that stops reading, then closes it with 4507', async () => {
    const { server, connect } = await serve({
      messageRate: 0,
      maxMessageBytes: 1024 * 1024,
      maxSdpLength: 256 * 1024,
      maxBufferedBytes: 64 * 1024,
      slowPeerTimeoutMs: 1000,
    });
    const infoHash = binaryId();
    const reader = await connect();
    reader.send(announce(infoHash, binaryId()));
    await reader.next((m) => m.complete !== undefined);
    // A real client that stops reading: its socket is paused, so the kernel buffers fill and then
    // the server's own send queue for it grows.
    reader.ws.pause();
    const sender = await connect();
    const senderId = binaryId();
    const big = 'v=0\r\n' + 'a'.repeat(200 * 1024);
    let congestedAfter = 0;
    for (let i = 1; i <= 400; i++) {
      const before = server.stats().offersRelayed;
      sender.send(announce(infoHash, senderId, { numwant: 1, offers: [offer(big)] }));
      await sender.next((m) => m.complete !== undefined, 10_000);
      if (server.stats().offersRelayed === before) {
        congestedAfter = i;
        break;
      }
    }
    assert.ok(congestedAfter > 1, 'the server stopped relaying to the paused peer');
    // Offers now go to peers that read; the paused one gets none.
    const healthy = await connect();
    healthy.send(announce(infoHash, binaryId()));
    await healthy.next((m) => m.complete !== undefined);
    for (let i = 0; i < 5; i++) {
      sender.send(announce(infoHash, senderId, { numwant: 1, offers: [offer()] }));
      await sender.next((m) => m.complete !== undefined);
    }
    await waitFor(() => healthy.messages.filter((m) => m.offer !== undefined).length === 5, 3000, 'five offers at the reading peer');
    // Still over the cap after slowPeerTimeoutMs: closed. The close frame waits behind the queued
    // offers, so the client sees it once it reads again.
    await waitFor(() => server.stats().slowPeersClosed === 1, 5000, 'the paused peer to be closed');
    assert.equal(server.stats().connections, 3);
    reader.ws.resume();
    const closed = await reader.waitClosed(20_000);
    assert.equal(closed.code, 4507);
    assert.match(closed.reason, /not reading/);
    assert.match(server.metrics(), /spk_signal_slow_peers_closed_total 1/);
  });
});

describe('write batching', () => {
  it('writes one turn of frames to a real ws socket in one write, in order, whatever their size', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    try {
      const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
      const client = new TestClient(new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`));
      await client.opened;
      const [socket] = await accepted;
      const batch = new WriteBatch();
      const target: BatchTarget = { socket, queued: undefined };
      // The private field write-batch.ts relies on; if ws renames it this test says so.
      const raw = (socket as unknown as { _socket: { write: (chunk: Buffer) => boolean } })._socket;
      let writes = 0;
      const write = raw.write;
      raw.write = function (this: unknown, chunk: Buffer) {
        writes++;
        return write.call(this, chunk);
      };
      // Each frame length form (7-bit, 16-bit, 64-bit) and text that is not ASCII.
      const texts = ['', 'x'.repeat(125), 'é'.repeat(63), 'y'.repeat(126), 'z'.repeat(70_000), '\u00ff\u0100 ✓'];
      // Frames are given as wire text: the UTF-8 bytes, one per character.
      texts.forEach((text, i) => batch.send(target, toWire(JSON.stringify({ i, text }))));
      assert.equal(batch.isBatching(), true);
      assert.equal(writes, 0, 'nothing written before the end of the turn');
      assert.equal(unsent(target) >= 70_000, true, 'queued frames count as unsent');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(writes, 1, 'one write for the whole turn');
      assert.equal(target.queued, undefined);
      await waitFor(() => client.messages.length === texts.length, 3000, 'every frame');
      assert.deepEqual(client.messages.map((m) => m.text), texts);
      // Flushed before a close: the frame precedes the close frame.
      batch.send(target, JSON.stringify({ i: 'last' }));
      batch.flushTarget(target);
      socket.close(4000, 'done');
      const closed = await client.waitClosed(3000);
      assert.equal(closed.code, 4000);
      assert.equal(client.messages.at(-1)?.i, 'last');
      // After the close nothing more is written.
      batch.send(target, JSON.stringify({ i: 'after' }));
      assert.equal(target.queued, undefined);
    } finally {
      wss.close();
    }
  });
});
