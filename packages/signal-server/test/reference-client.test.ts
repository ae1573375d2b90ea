import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Client, { type TrackerPeer } from 'bittorrent-tracker';
import wrtc from '@roamhq/wrtc';
import { CID, session, startServer, waitFor } from './signal-support.js';
import type { ListenAddress, SignalServer } from '../src/index.js';

/** The reference client, configured the way p2p-media-loader-core configures it, minus STUN. */
function referenceClient(signalUrl: string, infoHash: string, extraQuery: Record<string, string> = {}): Client {
  const url = new URL(signalUrl);
  url.searchParams.set('cid', CID);
  // One URL per client: the bittorrent-tracker client pools sockets by URL, and each viewer has its own session.
  url.searchParams.set('session', session());
  for (const [key, value] of Object.entries(extraQuery)) url.searchParams.set(key, value);
  return new Client({ infoHash, peerId: randomBytes(20), announce: [url.toString()], port: 6881, wrtc, rtcConfig: { iceServers: [] } });
}

const peers: TrackerPeer[] = [];

function firstConnectedPeer(client: Client): Promise<TrackerPeer> {
  return new Promise((resolve) => {
    client.on('peer', (peer) => {
      peers.push(peer);
      if (peer.connected) resolve(peer);
      else peer.once('connect', () => resolve(peer));
    });
  });
}

describe('bittorrent-tracker reference clients through the signal server', () => {
  let server: SignalServer;
  let address: ListenAddress;
  const clients: Client[] = [];

  before(async () => {
    ({ server, address } = await startServer());
  });
  after(async () => {
    // Peers handed out by a 'peer' event are the consumer's to destroy; the client keeps only pending ones.
    for (const peer of peers) peer.destroy();
    await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.destroy(() => resolve()))));
    await server.close();
  });

  it('two clients find each other and open a WebRTC data channel', async () => {
    const infoHash = randomBytes(20).toString('hex');
    const a = referenceClient(address.signalUrl, infoHash);
    const b = referenceClient(address.signalUrl, infoHash);
    clients.push(a, b);
    const warnings: string[] = [];
    for (const client of [a, b]) {
      client.on('warning', (error) => warnings.push(error.message));
      client.on('error', (error) => warnings.push(`error: ${error.message}`));
    }
    const updates: number[] = [];
    a.on('update', (data) => updates.push(data.incomplete));
    const peerOfA = firstConnectedPeer(a);
    const peerOfB = firstConnectedPeer(b);
    const started = Date.now();
    a.start();
    // simple-peer waits out its 5 s ICE-complete timeout before a non-trickle offer exists.
    await waitFor(() => updates.length > 0, 15_000, 'the first announce reply');
    b.start();
    // Three 5 s ICE waits (A's offers, B's offers, A's answer) make about 16 s on an idle machine;
    // on a loaded one each runs late, and 30 s was not always enough.
    const [pa, pb] = await Promise.race([
      Promise.all([peerOfA, peerOfB]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no data channel within 75 s; warnings: ${warnings.join('; ')}`)), 75_000).unref()),
    ]);
    const connectMs = Date.now() - started;
    const received = new Promise<string>((resolve) => pb.once('data', (data: Uint8Array) => resolve(Buffer.from(data).toString())));
    pa.send('segment bytes over WebRTC');
    assert.equal(await received, 'segment bytes over WebRTC');
    assert.deepEqual(warnings, []);
    const stats = server.stats();
    assert.ok(stats.offersRelayed >= 1 && stats.answersRelayed >= 1, JSON.stringify(stats));
    assert.equal(server.room(CID).swarms[0]?.peers, 2);
    process.stdout.write(`# reference clients connected in ${connectMs} ms\n`);
  });

  it('a refused announce reaches the client as a warning and the socket stays up', async () => {
    // A message-level refusal: a swarm limit of one, and two swarms on one shared socket.
    const limited = await startServer({ maxSwarmsPerConnection: 1 });
    try {
      const url = new URL(limited.address.signalUrl);
      url.searchParams.set('cid', CID);
      url.searchParams.set('session', session());
      const first = new Client({ infoHash: randomBytes(20).toString('hex'), peerId: randomBytes(20), announce: [url.toString()], port: 6881, wrtc, rtcConfig: { iceServers: [] } });
      const second = new Client({ infoHash: randomBytes(20).toString('hex'), peerId: randomBytes(20), announce: [url.toString()], port: 6881, wrtc, rtcConfig: { iceServers: [] } });
      clients.push(first, second);
      const warnings: string[] = [];
      let updates = 0;
      second.on('warning', (error) => warnings.push(error.message));
      first.on('warning', (error) => warnings.push(`first: ${error.message}`));
      first.on('update', () => updates++);
      first.start();
      await waitFor(() => updates === 1, 15_000, 'the first client to be announced');
      second.start();
      await waitFor(() => warnings.length > 0, 15_000, 'the refusal to reach the second client');
      assert.match(warnings[0] ?? '', /too many swarms on one connection/);
      // The shared socket was not torn down: the first client still gets replies.
      first.update();
      await waitFor(() => updates === 2, 15_000, 'a second announce reply on the same socket');
      assert.equal(limited.server.stats().connections, 1);
    } finally {
      await limited.server.close();
    }
  });
});
