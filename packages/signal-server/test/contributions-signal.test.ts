/**
 * Reports bound to signal sessions, against the real signal server: a viewer can report only
 * with the secret it connected with, and only for the peer ids it announced first.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import WebSocket from 'ws';
import { createSignalServer, type ListenAddress, type SignalServer } from '../src/index.js';
import { attachContributions } from '../src/contributions/mount.js';
import type { Contributions } from '../src/contributions/index.js';
import { peerIdToHex } from '../src/contributions/identity.js';
import { createTestDatabase, DIALECTS, getJson, makeReport, postJson, randomSecret, type TestDatabase } from './contributions-support.js';

const CID = 'QmbZdiAs8BctWiWmcPdemMs8vD1Sjc3HBzpB5PdBBdrCve';

/** 20 bytes as the tracker protocol carries them: one code point 0–255 per byte. */
function binaryId(): string {
  return String.fromCharCode(...randomBytes(20));
}

interface Announced {
  socket: WebSocket;
  session: string;
  peerId: string;
  hex: string;
}

/** Opens a signal connection with `session` and announces `peerId` in `infoHash`, resolving on the tracker's reply. */
async function announce(signalUrl: string, session: string, infoHash: string, peerId = binaryId()): Promise<Announced & { reply: Record<string, unknown> }> {
  const url = new URL(signalUrl);
  url.searchParams.set('cid', CID);
  url.searchParams.set('session', session);
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await once(socket, 'open');
  const replied = once(socket, 'message');
  socket.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 5, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: [] }));
  const [data] = await replied;
  return { socket, session, peerId, hex: peerIdToHex(peerId), reply: JSON.parse(String(data)) as Record<string, unknown> };
}

async function connectOnly(signalUrl: string, session: string): Promise<WebSocket> {
  const url = new URL(signalUrl);
  url.searchParams.set('cid', CID);
  url.searchParams.set('session', session);
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await once(socket, 'open');
  return socket;
}

for (const dialect of DIALECTS) {
  describe(`contribution reports bound to signal sessions (${dialect})`, () => {
    let testDb: TestDatabase;
    let server: SignalServer;
    let address: ListenAddress;
    let contributions: Contributions;
    const sockets: WebSocket[] = [];
    const swarm = binaryId();

    before(async () => {
      testDb = await createTestDatabase(dialect);
      server = createSignalServer({ logLevel: 'silent', maxConnectionsPerIp: 0 });
      // Every viewer here is on 127.0.0.1: lift the same-address cap.
      contributions = await attachContributions(server, { ...testDb.options, credit: { sameAddressPairCapBytes: Infinity } });
      address = await server.listen(0, '127.0.0.1');
    });
    after(async () => {
      for (const socket of sockets) socket.terminate();
      await server?.close();
      await contributions?.close();
      await testDb?.drop();
    });

    const track = <T extends { socket: WebSocket }>(value: T): T => {
      sockets.push(value.socket);
      return value;
    };

    it('accepts reports from announced sessions and credits the confirmed bytes', async () => {
      const a = track(await announce(address.signalUrl, randomSecret(), swarm));
      const b = track(await announce(address.signalUrl, randomSecret(), swarm));
      assert.equal(a.reply.action, 'announce');
      const endpoint = `${address.url}/api/p2p/contribution`;
      const up = await postJson(endpoint, makeReport(a.session, [{ peerId: b.hex, uploaded: 800_000, downloaded: 0 }], { videoCid: CID }));
      assert.equal(up.status, 201, JSON.stringify(up.json));
      const down = await postJson(endpoint, makeReport(b.session, [{ peerId: a.hex, uploaded: 0, downloaded: 750_000 }], { videoCid: CID }));
      assert.equal(down.status, 201, JSON.stringify(down.json));
      const summary = await getJson(`${address.url}/api/p2p/contributions/${a.hex}`);
      assert.equal(summary.status, 200);
      assert.equal((summary.json.credited as { day: number }).day, 750_000);
      const sessions = summary.json.sessions as { peerIds: string[]; roomId: string }[];
      assert.deepEqual(sessions[0]?.peerIds, [a.hex]);
      assert.equal(sessions[0]?.roomId, CID);
    });

    it('refuses a session that connected but announced nothing, and one that never connected', async () => {
      const quiet = randomSecret();
      sockets.push(await connectOnly(address.signalUrl, quiet));
      const endpoint = `${address.url}/api/p2p/contribution`;
      assert.equal((await postJson(endpoint, makeReport(quiet, [], { videoCid: CID }))).status, 403);
      assert.equal((await postJson(endpoint, makeReport(randomSecret(), [], { videoCid: CID }))).status, 403);
      const elsewhere = track(await announce(address.signalUrl, randomSecret(), binaryId()));
      const wrongRoom = await postJson(endpoint, makeReport(elsewhere.session, [], { videoCid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }));
      assert.equal(wrongRoom.status, 403, 'a report names the video whose room the session joined');
      assert.match(String(wrongRoom.json.error), /room/);
    });

    it('a session announcing a copied peer id elsewhere cannot report as that peer', async () => {
      const victim = track(await announce(address.signalUrl, randomSecret(), swarm));
      // The copier saw the victim's id in the swarm and announces it in another swarm, with its own session.
      const copier = track(await announce(address.signalUrl, randomSecret(), binaryId(), victim.peerId));
      assert.equal(copier.reply.action, 'announce');
      const endpoint = `${address.url}/api/p2p/contribution`;
      const stolen = await postJson(endpoint, makeReport(copier.session, [{ peerId: victim.hex, uploaded: 1, downloaded: 0 }], { videoCid: CID }));
      assert.equal(stolen.status, 403, JSON.stringify(stolen.json));
      const own = await postJson(endpoint, makeReport(victim.session, [], { videoCid: CID }));
      assert.equal(own.status, 201);
      const binding = await contributions.database.db.selectFrom('p2p_peers').select('session_id').where('peer_id', '=', victim.hex).execute();
      assert.equal(binding.length, 1);
      const summary = await getJson(`${address.url}/api/p2p/contributions/${victim.hex}`);
      assert.equal((summary.json.sessions as unknown[]).length, 1);
    });

    it('the signal server keeps serving its own API beside the contributions routes', async () => {
      const health = await fetch(`${address.url}/api/p2p/stats`);
      assert.equal(health.status, 200);
      await health.arrayBuffer();
      const board = await getJson(`${address.url}/api/p2p/leaderboard?period=all`);
      assert.equal(board.status, 200);
      assert.ok((board.json.entries as unknown[]).length >= 1);
    });
  });
}

describe('spk-signal serve: contributions flags', () => {
  it('takes its own flags out of the command line and leaves the signal server its own', async () => {
    const { takeContributionsFlags } = await import('../src/contributions/mount.js');
    const { config, rest } = takeContributionsFlags(
      ['--port', '0', '--db', '/tmp/x.sqlite', '--same-address-cap=Infinity', '--log-level', 'warn', '--hive-api', 'http://127.0.0.1:1,http://127.0.0.1:2'],
      { DATABASE_URL: 'postgres://u:p@127.0.0.1/db' },
    );
    assert.deepEqual(rest, ['--port', '0', '--log-level', 'warn']);
    assert.equal(config.enabled, true);
    assert.deepEqual(config.options, {
      databaseUrl: 'postgres://u:p@127.0.0.1/db',
      sqlitePath: '/tmp/x.sqlite',
      credit: { sameAddressPairCapBytes: Infinity },
      hiveApi: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
    });
    assert.equal(takeContributionsFlags(['--no-contributions'], {}).config.enabled, false);
    assert.equal(takeContributionsFlags([], { SPK_SIGNAL_CONTRIBUTIONS: 'false' }).config.enabled, false);
    assert.equal(takeContributionsFlags([], { SPK_SIGNAL_DB: '/tmp/y.sqlite' }).config.options.sqlitePath, '/tmp/y.sqlite');
    assert.throws(() => takeContributionsFlags(['--same-address-cap', 'lots'], {}), /same-address-cap/);
    assert.throws(() => takeContributionsFlags(['--db'], {}), /needs a value/);
  });
});
