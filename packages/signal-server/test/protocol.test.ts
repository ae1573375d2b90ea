import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { announce, binaryId, CID, offer, OTHER_CID, startServer, TestClient, waitFor, type Json } from './signal-support.js';
import type { ListenAddress, SignalServer } from '../src/index.js';

describe('tracker protocol over real WebSockets', () => {
  let server: SignalServer;
  let address: ListenAddress;
  const clients: TestClient[] = [];
  const connect = async (query?: Record<string, string>) => {
    const client = await TestClient.connect(address.signalUrl, query);
    clients.push(client);
    return client;
  };

  before(async () => {
    ({ server, address } = await startServer({ announceIntervalS: 90 }));
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  it('answers an announce with interval, complete and incomplete for that info_hash', async () => {
    const client = await connect();
    const infoHash = binaryId();
    client.send(announce(infoHash, binaryId(), { event: 'started', offers: [] }));
    const reply = await client.next();
    assert.deepEqual(reply, { action: 'announce', interval: 90, info_hash: infoHash, complete: 0, incomplete: 1 });
  });

  it('relays an offer to another peer of the swarm and the answer back by to_peer_id/offer_id', async () => {
    const [a, b] = [await connect(), await connect()];
    const infoHash = binaryId();
    const [peerA, peerB] = [binaryId(), binaryId()];
    a.send(announce(infoHash, peerA, { event: 'started', offers: [] }));
    await a.next((m) => m.complete !== undefined);
    const sent = offer('v=0\r\nsdp-of-a\r\n');
    b.send(announce(infoHash, peerB, { event: 'started', offers: [sent] }));
    const replyB = await b.next((m) => m.complete !== undefined);
    assert.equal(replyB.incomplete, 2);
    const relayed = await a.next((m) => m.offer !== undefined);
    assert.deepEqual(relayed, { action: 'announce', info_hash: infoHash, peer_id: peerB, offer_id: sent.offer_id, offer: sent.offer });

    a.send({ action: 'announce', info_hash: infoHash, peer_id: peerA, to_peer_id: peerB, offer_id: sent.offer_id, answer: { type: 'answer', sdp: 'v=0\r\nanswer\r\n' } });
    const answer = await b.next((m) => m.answer !== undefined);
    assert.deepEqual(answer, { action: 'announce', info_hash: infoHash, peer_id: peerA, offer_id: sent.offer_id, answer: { type: 'answer', sdp: 'v=0\r\nanswer\r\n' } });

    // The same offer cannot be answered twice: the relay forgot it once used.
    a.send({ action: 'announce', info_hash: infoHash, peer_id: peerA, to_peer_id: peerB, offer_id: sent.offer_id, answer: { type: 'answer', sdp: 'again' } });
    const refused = await a.failure();
    assert.equal(refused.action, 'announce');
    assert.equal(refused.info_hash, infoHash);
    assert.match(String(refused['failure reason']), /no pending offer/);
    assert.equal(server.stats().answersRelayed >= 1, true);
  });

  it('keeps swarms of one room apart and one connection in several swarms (multi-rendition)', async () => {
    const [a, b] = [await connect(), await connect()];
    const [low, high] = [binaryId(), binaryId()];
    const [aLow, aHigh, bLow] = [binaryId(), binaryId(), binaryId()];
    a.send(announce(low, aLow, { event: 'started', offers: [] }));
    a.send(announce(high, aHigh, { event: 'started', offers: [] }));
    await a.next((m) => m.info_hash === low && m.complete !== undefined);
    await a.next((m) => m.info_hash === high && m.complete !== undefined);
    const sent = offer();
    b.send(announce(low, bLow, { event: 'started', offers: [sent, offer(), offer()] }));
    await b.next((m) => m.complete !== undefined);
    const relayed = await a.next((m) => m.offer !== undefined);
    assert.equal(relayed.info_hash, low, 'the offer goes to the swarm it was made in');
    assert.equal(relayed.peer_id, bLow);
    assert.equal(a.messages.filter((m) => m.offer !== undefined).length, 0, 'only one other peer in that swarm: one offer');

    const info = server.room(CID);
    const swarmSizes = info.swarms.map((s) => s.peers).sort();
    assert.ok(info.swarms.length >= 2);
    assert.ok(swarmSizes.includes(2));
  });

  it('never relays offers to a peer in another room, even for the same info_hash', async () => {
    const here = await connect({ cid: CID });
    const there = await connect({ cid: OTHER_CID });
    const infoHash = binaryId();
    there.send(announce(infoHash, binaryId(), { event: 'started', offers: [] }));
    await there.next((m) => m.complete !== undefined);
    here.send(announce(infoHash, binaryId(), { event: 'started', offers: [offer(), offer()] }));
    const reply = await here.next((m) => m.complete !== undefined);
    assert.equal(reply.incomplete, 1, 'the swarm in this room has only this peer');
    // A scrape in the other room shows its own single peer; the round trip also flushes the socket.
    there.send({ action: 'scrape', info_hash: infoHash });
    const scrape = await there.next((m) => m.action === 'scrape');
    assert.deepEqual((scrape.files as Record<string, Json>)[infoHash], { complete: 0, incomplete: 1, downloaded: 0 });
    assert.equal(there.messages.filter((m) => m.offer !== undefined).length, 0);
  });

  it('scrapes one, several or all swarms of the room, counting completed peers', async () => {
    const client = await connect({ cid: OTHER_CID });
    const [one, two, unknown] = [binaryId(), binaryId(), binaryId()];
    client.send(announce(one, binaryId(), { event: 'started' }));
    client.send(announce(two, binaryId(), { event: 'completed' }));
    await client.next((m) => m.info_hash === one);
    await client.next((m) => m.info_hash === two);
    client.send({ action: 'scrape', info_hash: [one, two, unknown] });
    const files = (await client.next((m) => m.action === 'scrape')).files as Record<string, Json>;
    assert.deepEqual(files[one], { complete: 0, incomplete: 1, downloaded: 0 });
    assert.deepEqual(files[two], { complete: 1, incomplete: 0, downloaded: 1 });
    assert.deepEqual(files[unknown], { complete: 0, incomplete: 0, downloaded: 0 });
    client.send({ action: 'scrape' });
    const all = (await client.next((m) => m.action === 'scrape')).files as Record<string, Json>;
    assert.ok(one in all && two in all);
  });

  it('removes a peer on "stopped" and when its connection closes', async () => {
    const [a, b] = [await connect(), await connect()];
    const infoHash = binaryId();
    const peerA = binaryId();
    a.send(announce(infoHash, peerA, { event: 'started' }));
    await a.next((m) => m.complete !== undefined);
    b.send(announce(infoHash, binaryId(), { event: 'started' }));
    assert.equal((await b.next((m) => m.complete !== undefined)).incomplete, 2);
    a.send(announce(infoHash, peerA, { event: 'stopped' }));
    assert.equal((await a.next((m) => m.complete !== undefined)).incomplete, 1);
    const c = await connect();
    c.send(announce(infoHash, binaryId(), { event: 'started' }));
    assert.equal((await c.next((m) => m.complete !== undefined)).incomplete, 2);
    c.close();
    await c.closed;
    const before = server.room(CID).swarms.find((s) => s.infoHash === Buffer.from(infoHash, 'latin1').toString('hex'));
    assert.ok(before);
    await waitFor(() => server.room(CID).swarms.find((s) => s.infoHash === before.infoHash)?.peers === 1, 3000, 'the closed peer to leave');
    assert.equal(server.room(CID).swarms.find((s) => s.infoHash === before.infoHash)?.peers, 1);
  });

  it('hands a peer id over to a new connection of the same session, refuses it to strangers', async () => {
    const secret = 'reconnecting-session-1234';
    const first = await connect({ cid: CID, session: secret });
    const infoHash = binaryId();
    const peerId = binaryId();
    first.send(announce(infoHash, peerId, { event: 'started' }));
    await first.next((m) => m.complete !== undefined);
    const stranger = await connect({ cid: CID });
    stranger.send(announce(infoHash, peerId, { event: 'started' }));
    const refused = await stranger.failure();
    assert.match(String(refused['failure reason']), /in use on another connection/);
    assert.equal(refused.info_hash, infoHash);
    const second = await connect({ cid: CID, session: secret });
    second.send(announce(infoHash, peerId, { event: 'started' }));
    assert.equal((await second.next((m) => m.complete !== undefined)).incomplete, 1);
  });
});
