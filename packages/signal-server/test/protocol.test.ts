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

  it('relays ids and SDPs however the client wrote them: raw UTF-8, \\u escapes of any character, non-ASCII SDP text', async () => {
    // The hub parses wire text (UTF-8 bytes) and takes a slower way for \\u escapes of
    // characters ≥ 0x80; both must give the same ids and relay the same text.
    const escapeAll = (text: string) => `"${Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;
    const [a, b] = [await connect(), await connect()];
    const infoHash = '\u00e9\u00ff\u0080abcdefgh\u00c3\u00a9\u0001\u007f\u00c2xyz!';
    const [peerA, peerB] = [binaryId(), binaryId()];
    assert.equal(infoHash.length, 20);
    // A announces with every id written as \\u escapes.
    a.ws.send(`{"action":"announce","info_hash":${escapeAll(infoHash)},"peer_id":${escapeAll(peerA)},"numwant":5,"event":"started","offers":[]}`);
    assert.deepEqual(await a.next(), { action: 'announce', interval: 90, info_hash: infoHash, complete: 0, incomplete: 1 });
    const sdps = ['v=0\r\ns=caf\u00e9 \u2713 \ud83d\ude00\r\n', 'v=0\r\ns=\u00c3\u00a9 not \u00e9\r\n'];
    // B writes its ids raw and one SDP escaped, one raw.
    const offers = sdps.map((sdp) => offer(sdp));
    const escaped = `{"offer":{"type":"offer","sdp":${escapeAll(sdps[0] as string)}},"offer_id":${JSON.stringify(offers[0]?.offer_id)}}`;
    b.ws.send(`{"action":"announce","info_hash":${JSON.stringify(infoHash)},"peer_id":${JSON.stringify(peerB)},"numwant":5,"event":"started","offers":[${escaped}]}`);
    await b.next((m) => m.complete !== undefined);
    assert.deepEqual(await a.next((m) => m.offer !== undefined), { action: 'announce', info_hash: infoHash, peer_id: peerB, offer_id: offers[0]?.offer_id, offer: offers[0]?.offer });
    b.send(announce(infoHash, peerB, { offers: [offers[1]] }));
    await b.next((m) => m.complete !== undefined);
    assert.deepEqual(await a.next((m) => m.offer !== undefined), { action: 'announce', info_hash: infoHash, peer_id: peerB, offer_id: offers[1]?.offer_id, offer: offers[1]?.offer });
    // A answers the first with raw ids, the second with an escaped offer id: both pair with their offers.
    a.send({ action: 'announce', info_hash: infoHash, peer_id: peerA, to_peer_id: peerB, offer_id: offers[0]?.offer_id, answer: { type: 'answer', sdp: sdps[1] } });
    assert.deepEqual(await b.next((m) => m.answer !== undefined), { action: 'announce', info_hash: infoHash, peer_id: peerA, offer_id: offers[0]?.offer_id, answer: { type: 'answer', sdp: sdps[1] } });
    a.ws.send(`{"action":"announce","info_hash":${JSON.stringify(infoHash)},"peer_id":${JSON.stringify(peerA)},"to_peer_id":${JSON.stringify(peerB)},"offer_id":${escapeAll(offers[1]?.offer_id as string)},"answer":{"type":"answer","sdp":${escapeAll(sdps[0] as string)}}}`);
    assert.deepEqual(await b.next((m) => m.answer !== undefined), { action: 'announce', info_hash: infoHash, peer_id: peerA, offer_id: offers[1]?.offer_id, answer: { type: 'answer', sdp: sdps[0] } });
    // The SDP limit (16 KiB by default) counts characters, not bytes.
    const long = offer('é'.repeat(16 * 1024));
    b.send(announce(infoHash, peerB, { offers: [long] }));
    assert.equal((await a.next((m) => m.offer !== undefined)).offer_id, long.offer_id);
    b.send(announce(infoHash, peerB, { offers: [offer('é'.repeat(16 * 1024 + 1))] }));
    assert.match(String((await b.failure())['failure reason']), /offer\.sdp must be/);
    // Ids that are not 20 code points 0–255 are refused in either form.
    for (const bad of ['\u0100'.repeat(20), 'é'.repeat(19), 'é'.repeat(21)]) {
      b.send(announce(bad, peerB));
      assert.match(String((await b.failure())['failure reason']), /info_hash must be/);
      b.ws.send(`{"action":"announce","info_hash":${escapeAll(bad)},"peer_id":${JSON.stringify(peerB)}}`);
      assert.match(String((await b.failure())['failure reason']), /info_hash must be/);
    }
  });

  it('closes a text frame that is not UTF-8 (1007) before the hub reads it, so its bytes reach no peer', async () => {
    // The hub keeps offer ids and SDPs as the bytes received and relays them as they came: it
    // relies on ws refusing invalid UTF-8, or a peer would be sent a text frame it must reject.
    const [a, c] = [await connect(), await connect()];
    const infoHash = binaryId();
    const [peerA, peerB, peerC] = [binaryId(), binaryId(), binaryId()];
    a.send(announce(infoHash, peerA, { offers: [] }));
    await a.next((m) => m.complete !== undefined);
    // A stray continuation byte, a truncated sequence, a surrogate (ED A0 80) and an overlong '/' (C0 AF).
    for (const bad of [[0x80], [0xe2, 0x9c], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const b = await connect();
      const item = `{"offer":{"type":"offer","sdp":"v=0 `;
      const rest = `"},"offer_id":${JSON.stringify(binaryId())}}`;
      const head = JSON.stringify(announce(infoHash, peerB)).slice(0, -1);
      b.ws.send(Buffer.concat([Buffer.from(`${head},"offers":[${item}`), Buffer.from(bad), Buffer.from(`${rest}]}`)]), { binary: false });
      await b.closed;
      assert.equal(b.closeCode, 1007, `bytes ${bad.join(' ')}`);
    }
    const sent = offer();
    c.send(announce(infoHash, peerC, { offers: [sent] }));
    assert.equal((await a.next((m) => m.offer !== undefined)).offer_id, sent.offer_id);
    assert.equal(a.messages.some((m) => m.peer_id === peerB), false, 'no relay from the refused frames');
    assert.equal(a.closeCode, undefined, 'the other peer stays connected');
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
