import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createContributions, type Contributions } from '../src/contributions/index.js';
import { attachContributions, createSignalServer } from '../src/index.js';
import { hashSecret, publicViewerId } from '../src/contributions/identity.js';
import {
  createTestDatabase, DIALECTS, DirectoryTable, getJson, makeReport, postJson, randomPeerId, randomSecret, serveContributions,
  type ContributionsHttp, type TestDatabase,
} from './contributions-support.js';

for (const dialect of DIALECTS) {
  describe(`POST /api/p2p/contribution and the read API (${dialect})`, () => {
    let testDb: TestDatabase;
    let contributions: Contributions;
    let http: ContributionsHttp;
    const directory = new DirectoryTable();
    let endpoint: string;

    before(async () => {
      testDb = await createTestDatabase(dialect);
      // Both viewers of these tests are on 127.0.0.1: lift the same-address cap.
      contributions = await createContributions({
        ...testDb.options, directory, credit: { sameAddressPairCapBytes: Infinity }, rateLimit: { perMinute: 6000, burst: 1000 },
      });
      http = await serveContributions(contributions.handle);
      endpoint = `${http.url}/api/p2p/contribution`;
    });
    after(async () => {
      await http?.close();
      await contributions?.close();
      await testDb?.drop();
    });

    function viewer() {
      const session = randomSecret();
      const peerId = randomPeerId();
      directory.announce(session, peerId);
      return { session, peerId };
    }

    it('accepts a report (201), answers its replay with 200 duplicate, and counts it once', async () => {
      const a = viewer();
      const b = viewer();
      const report = makeReport(a.session, [{ peerId: b.peerId, uploaded: 1234, downloaded: 0 }]);
      const first = await postJson(endpoint, report);
      assert.equal(first.status, 201, JSON.stringify(first.json));
      assert.equal(first.json.status, 'accepted');
      // The beacon's content type works too, and a replay (same id) is acknowledged without effect.
      const replay = await postJson(endpoint, JSON.stringify(report), 'text/plain;charset=UTF-8');
      assert.equal(replay.status, 200);
      assert.equal(replay.json.status, 'duplicate');
      const rows = await contributions.database.db.selectFrom('p2p_contributions').select('bytes_shared').where('session_id', '=', hashSecret('session', a.session)).execute();
      assert.deepEqual(rows.map((r) => Number(r.bytes_shared)), [1234]);
    });

    it('answers malformed reports with a clear 4xx and stores nothing', async () => {
      const a = viewer();
      const good = makeReport(a.session, [{ peerId: randomPeerId(), uploaded: 1, downloaded: 2 }]);
      const cases: [string, unknown, number, RegExp][] = [
        ['not JSON', '{"reportId": ', 400, /valid JSON/],
        ['an array', '[]', 400, /JSON object/],
        ['negative bytes', { ...good, peers: [{ peerId: randomPeerId(), uploaded: -5, downloaded: 0 }] }, 400, /uploaded/],
        ['fractional bytes', { ...good, cdnBytes: 1.5 }, 400, /cdnBytes/],
        ['bytes as a string', { ...good, cdnBytes: '100' }, 400, /cdnBytes/],
        ['absurd bytes', { ...good, peers: [{ peerId: randomPeerId(), uploaded: 2 ** 52, downloaded: 0 }] }, 400, /uploaded/],
        ['unknown field', { ...good, credited: 10 }, 400, /unknown field `credited`/],
        ['bad peer id', { ...good, peers: [{ peerId: 'zz', uploaded: 1, downloaded: 0 }] }, 400, /peerId/],
        ['peer twice', { ...good, peers: [{ peerId: 'a'.repeat(40), uploaded: 1, downloaded: 0 }, { peerId: 'a'.repeat(40), uploaded: 1, downloaded: 0 }] }, 400, /twice/],
        ['missing session', { ...good, session: undefined }, 400, /session/],
        ['short session', { ...good, session: 'abc' }, 400, /session/],
        ['time backwards', { ...good, endedAt: good.startedAt - 1 }, 400, /endedAt/],
        ['too many peers', { ...good, peers: Array.from({ length: 257 }, () => ({ peerId: randomPeerId(), uploaded: 1, downloaded: 1 })) }, 400, /256/],
        ['empty body', '', 400, /empty/],
      ];
      for (const [name, body, status, message] of cases) {
        const response = await postJson(endpoint, body);
        assert.equal(response.status, status, `${name}: ${JSON.stringify(response.json)}`);
        assert.match(String(response.json.error), message, name);
      }
      const huge = await postJson(endpoint, JSON.stringify({ ...good, padding: 'x'.repeat(70_000) }));
      assert.equal(huge.status, 413);
      const xml = await postJson(endpoint, '<report/>', 'application/xml');
      assert.equal(xml.status, 415);
      const wrongMethod = await getJson(endpoint);
      assert.equal(wrongMethod.status, 405);
      const stranger = await postJson(endpoint, makeReport(randomSecret(), []));
      assert.equal(stranger.status, 403, 'a session that never announced on the signal server cannot report');
      const stored = await contributions.database.db.selectFrom('p2p_reports').select('id').where('session_id', '=', hashSecret('session', a.session)).execute();
      assert.equal(stored.length, 0);
      // The process is still serving.
      assert.equal((await postJson(endpoint, good)).status, 201);
    });

    it('refuses to let a second session reuse a report id (409)', async () => {
      const a = viewer();
      const b = viewer();
      const report = makeReport(a.session, []);
      assert.equal((await postJson(endpoint, report)).status, 201);
      const stolen = await postJson(endpoint, { ...report, session: b.session });
      assert.equal(stolen.status, 409);
    });

    it('credits the smaller claim and serves contributions by peer id and viewer id, and the leaderboard', async () => {
      const up = viewer();
      const down = viewer();
      const viewerSecret = randomSecret();
      await postJson(endpoint, makeReport(up.session, [{ peerId: down.peerId, uploaded: 9_000_000, downloaded: 0 }], { viewer: viewerSecret }));
      await postJson(endpoint, makeReport(down.session, [{ peerId: up.peerId, uploaded: 0, downloaded: 2_500_000 }]));

      const byPeer = await getJson(`${http.url}/api/p2p/contributions/${up.peerId}`);
      assert.equal(byPeer.status, 200);
      const publicId = publicViewerId(hashSecret('viewer', viewerSecret));
      assert.equal(byPeer.json.viewer, publicId);
      assert.deepEqual(byPeer.json.credited, { day: 2_500_000, week: 2_500_000, month: 2_500_000, all: 2_500_000 });
      const sessions = byPeer.json.sessions as { peerId: string; bytesUploaded: number; status: string }[];
      assert.equal(sessions[0]?.peerId, up.peerId);
      assert.equal(sessions[0]?.bytesUploaded, 9_000_000);
      const records = byPeer.json.contributions as { bytesShared: number; peerId: string }[];
      assert.equal(records[0]?.bytesShared, 9_000_000);

      const byViewer = await getJson(`${http.url}/api/p2p/contributions/${publicId}`);
      assert.equal(byViewer.status, 200);
      assert.equal(byViewer.json.viewer, publicId);

      const board = await getJson(`${http.url}/api/p2p/leaderboard?period=day&limit=5`);
      assert.equal(board.status, 200);
      const entries = board.json.entries as { viewer: string; creditedBytes: number; claimedBytes: number; rank: number }[];
      const mine = entries.find((e) => e.viewer === publicId);
      assert.deepEqual(mine && [mine.creditedBytes, mine.claimedBytes], [2_500_000, 9_000_000]);
      assert.ok(entries.length <= 5);
      assert.deepEqual(entries.map((e) => e.rank), entries.map((_, i) => i + 1));
      for (let i = 1; i < entries.length; i++) assert.ok(entries[i - 1]!.creditedBytes >= entries[i]!.creditedBytes);

      const stats = await getJson(`${http.url}/api/p2p/contribution-stats?hours=3`);
      assert.equal(stats.status, 200);
      const points = stats.json.points as { p2pBytes: number; cdnBytes: number }[];
      assert.equal(points.length, 3);
      assert.ok(points[2]!.p2pBytes >= 2_500_000 && points[2]!.cdnBytes > 0);
    });

    it('answers bad read requests with 400 and unknown ids with 404', async () => {
      assert.equal((await getJson(`${http.url}/api/p2p/contributions/not-an-id`)).status, 400);
      assert.equal((await getJson(`${http.url}/api/p2p/contributions/${'0'.repeat(40)}`)).status, 404);
      assert.equal((await getJson(`${http.url}/api/p2p/leaderboard?period=year`)).status, 400);
      assert.equal((await getJson(`${http.url}/api/p2p/leaderboard?limit=0`)).status, 400);
      assert.equal((await getJson(`${http.url}/api/p2p/leaderboard?limit=abc`)).status, 400);
      assert.equal((await getJson(`${http.url}/api/p2p/leaderboard?period=2026-02-30`)).status, 400);
      assert.equal((await getJson(`${http.url}/api/p2p/contribution-stats?hours=100000`)).status, 400);
      const ok = await getJson(`${http.url}/api/p2p/leaderboard?period=2001-01-01`);
      assert.deepEqual(ok.json.entries, []);
    });

    it('answers CORS preflights so pages on other origins can report', async () => {
      const response = await fetch(endpoint, { method: 'OPTIONS', headers: { Origin: 'https://3speak.tv', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
    });
  });
}

describe('rate limiting of POST /api/p2p/contribution', () => {
  let testDb: TestDatabase;
  let contributions: Contributions;
  let http: ContributionsHttp;
  const directory = new DirectoryTable();

  before(async () => {
    testDb = await createTestDatabase('sqlite');
    contributions = await createContributions({ ...testDb.options, directory, rateLimit: { perMinute: 60, burst: 5 } });
    http = await serveContributions(contributions.handle);
  });
  after(async () => {
    await http?.close();
    await contributions?.close();
    await testDb?.drop();
  });

  it('allows a burst, then answers 429 with Retry-After, without storing the refused reports', async () => {
    const session = randomSecret();
    directory.announce(session, randomPeerId());
    const statuses: number[] = [];
    const retryAfter: (string | null)[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${http.url}/api/p2p/contribution`, { method: 'POST', body: JSON.stringify(makeReport(session, [])) });
      statuses.push(response.status);
      retryAfter.push(response.headers.get('retry-after'));
      await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429, 429]);
    assert.equal(retryAfter[5], '1');
    const stored = await contributions.database.db.selectFrom('p2p_reports').select('id').execute();
    assert.equal(stored.length, 5);
  });

  it('survives a client that disconnects mid-body', async () => {
    const url = new URL(`${http.url}/api/p2p/contribution`);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"reportId":');
      setImmediate(() => {
        req.destroy();
        resolve();
      });
    });
    const response = await fetch(`${http.url}/api/p2p/leaderboard`);
    assert.equal(response.status, 200);
  });
});

describe('contributions behind a trusted proxy', () => {
  it('rate-limits by the address in the proxy header the signal server trusts, not by the proxy', async () => {
    const testDb = await createTestDatabase('sqlite');
    const server = createSignalServer({ logLevel: 'silent', clientIpHeader: 'x-forwarded-for' });
    const address = await server.listen(0, '127.0.0.1');
    const contributions = await attachContributions(server, { ...testDb.options, rateLimit: { perMinute: 60, burst: 2 } });
    try {
      const post = async (clientIp: string) => {
        const response = await fetch(`${address.url}/api/p2p/contribution`, { method: 'POST', headers: { 'X-Forwarded-For': clientIp }, body: '{}' });
        await response.arrayBuffer();
        return response.status;
      };
      // Every request arrives from 127.0.0.1 (the "proxy"); only the header tells clients apart.
      const first = [await post('203.0.113.1'), await post('203.0.113.1'), await post('203.0.113.1')];
      const other = await post('203.0.113.2');
      assert.deepEqual(first, [400, 400, 429], 'the burst of 2 is per client address');
      assert.equal(other, 400, 'another client behind the same proxy is not limited');
    } finally {
      await server.close();
      await contributions.close();
      await testDb.drop();
    }
  });
});
