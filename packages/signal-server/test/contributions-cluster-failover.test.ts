/**
 * A node dies under real viewers: redis-server, two `spk-signal` processes sharing one PostgreSQL
 * contributions database, the example nginx in front, and three Chromium viewers of one video
 * playing through the plugin with the balancer as their tracker. One node gets `kill -9` during
 * playback. Its viewers must come back through the balancer to the survivor, P2P must go on,
 * nobody stalls, and every contribution report a node acknowledged before it died is stored.
 * ("contributions" in the file name: scripts/run-tests.mjs then provides TEST_DATABASE_URL.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, waitFor, type PlayerPage } from '../../videojs-spk-p2p/test/support.js';
import { openContributionsDb } from '../src/contributions/index.js';
import type { ContributionsDb } from '../src/contributions/database.js';
import { startNginx, startNode, startRedis, UPSTREAM_HEADER, type Running } from './cluster-support.js';
import { createTestDatabase, type TestDatabase } from './contributions-support.js';

// Dead peers leave the shared room within the test; re-announces every 2 s keep the living in it.
const NODE_FLAGS = ['--peer-timeout-ms', '8000', '--announce-interval-s', '2'];
const SIGNAL_PATH = '/api/p2p/signal';

interface Ack {
  reportId: string;
  /** Epoch ms when the viewer had the node's 201. */
  at: number;
  /** The node's port, from the balancer's upstream header. */
  node: number;
}

interface Viewer {
  name: string;
  player: PlayerPage;
  /** Epoch ms of the page's performance clock origin (recorded events carry `performance.now()`). */
  timeOrigin: number;
  /** Tracker WebSockets the page opened, with when they opened and closed (epoch ms). */
  sockets: { openedAt: number; closedAt?: number }[];
  /** The node this viewer's tracker socket was on before the kill. */
  node?: number;
}

/** `spk_signal_connections` of one node, from its own /metrics. */
async function connectionsOf(node: Running): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  const match = /^spk_signal_connections\{[^}]*\} (\d+)$/m.exec(text);
  if (!match) throw new Error(`no spk_signal_connections in the metrics of node ${node.port}`);
  return Number(match[1]);
}

/** Records the contribution reports a node acknowledged to this page, and which node did. */
function watchAcks(page: Page, acks: Ack[]): void {
  page.on('response', (response) => {
    if (response.request().method() !== 'POST' || !/\/api\/p2p\/contribution$/.test(new URL(response.url()).pathname) || response.status() !== 201) return;
    const node = Number(/:(\d+)$/.exec(response.headers()[UPSTREAM_HEADER] ?? '')?.[1]);
    // From the request: Playwright never hands over the body of the reporter's keepalive fetch.
    const reportId = (JSON.parse(response.request().postData() ?? '{}') as { reportId?: unknown }).reportId;
    if (typeof reportId === 'string') acks.push({ reportId, at: Date.now(), node });
  });
}

describe('cluster failover: kill -9 a node under three Chromium viewers (PostgreSQL contributions)', { timeout: 150_000 }, () => {
  let testDb: TestDatabase;
  let redis: Running;
  let nodes: Running[] = [];
  let nginx: Running;
  let browser: Browser;
  let cdn: CdnServer;
  let store: ContributionsDb | undefined;
  const viewers: Viewer[] = [];

  before(async () => {
    [testDb, redis, browser, cdn] = await Promise.all([createTestDatabase('postgres'), startRedis(), launchChromium(), startTestCdn({ latencyMs: 20 })]);
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    // One after the other: both would otherwise run the database migrations at once.
    nodes.push(await startNode('node-a', redisUrl, { args: NODE_FLAGS, databaseUrl: testDb.databaseUrl }));
    nodes.push(await startNode('node-b', redisUrl, { args: NODE_FLAGS, databaseUrl: testDb.databaseUrl }));
    nginx = await startNginx(nodes.map((node) => node.port));
  });

  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.player.close()));
    await browser?.close();
    await Promise.all([cdn?.close(), nginx?.stop(), ...nodes.map((node) => node.stop())]);
    await redis?.stop();
    await store?.close();
    await testDb?.drop();
  });

  it("the dead node's viewers reconnect through nginx to the survivor, P2P goes on, no stall, no acknowledged report lost", async (t) => {
    const trackerUrl = `ws://127.0.0.1:${nginx.port}${SIGNAL_PATH}`;
    const pageUrl = `${cdn.url}/pages/player.html`;
    const acks: Ack[] = [];

    // One at a time, so the node whose connection count grows is the new viewer's node.
    const open = async (name: string) => {
      const before = await Promise.all(nodes.map(connectionsOf));
      const viewer: Viewer = { name, player: undefined as unknown as PlayerPage, timeOrigin: 0, sockets: [] };
      viewer.player = await openPlayer(browser, {
        pageUrl,
        src: manifestUrl(cdn, name),
        // Reports every 2 s: many are acknowledged by each node before one dies.
        options: p2pOptions(trackerUrl, { contributions: { intervalMs: 2000 } }),
        // Real time: everyone is still mid-video when the node dies, however slow the machine.
        rate: 1,
        onPage: (page) => {
          watchAcks(page, acks);
          page.on('websocket', (socket) => {
            if (!socket.url().includes(SIGNAL_PATH)) return;
            const entry: Viewer['sockets'][number] = { openedAt: Date.now() };
            viewer.sockets.push(entry);
            socket.on('close', () => (entry.closedAt = Date.now()));
          });
        },
      });
      viewers.push(viewer);
      viewer.timeOrigin = await viewer.player.page.evaluate(() => performance.timeOrigin);
      const grew = await waitFor(async () => {
        if (viewer.sockets.length === 0) return undefined;
        const now = await Promise.all(nodes.map(connectionsOf));
        const sum = now.reduce((s, n) => s + n, 0) - before.reduce((s, n) => s + n, 0);
        if (sum !== viewer.sockets.length) return undefined;
        return nodes.filter((_node, i) => (now[i] ?? 0) > (before[i] ?? 0));
      }, 20_000, `${name}'s tracker socket on a node`);
      assert.equal(grew.length, 1, `${name}'s sockets on one node`);
      viewer.node = grew[0]!.port;
      return viewer;
    };

    let killedAt = 0;
    // On a timeout, what each viewer was doing (times in ms after the kill, or since start).
    const explain = async (error: Error): Promise<never> => {
      const seen = await Promise.all(
        viewers.map(async (v) => {
          const state = await v.player.state();
          const rel = (at: number) => Math.round(v.timeOrigin + at - killedAt);
          const segments = (await v.player.events('segmentloaded')).map((e) => `${e.source}@${rel(e.at)}`);
          const peers = (await v.player.events('peerconnect')).map((e) => rel(e.at));
          const closes = (await v.player.events('peerclose')).map((e) => rel(e.at));
          return `${v.name}: t=${state.currentTime.toFixed(1)} p2p=${state.stats.p2pBytes} connects=[${peers}] closes=[${closes}] segments=[${segments.join(' ')}] sockets=${JSON.stringify(v.sockets.map((x) => [x.openedAt - killedAt, (x.closedAt ?? NaN) - killedAt]))}`;
        }),
      );
      throw new Error(`${error.message}\n${seen.join('\n')}`);
    };
    const first = await open('viewer-1');
    // The first viewer is ahead, so the others have a peer holding the segments they need next.
    await waitFor(async () => (await first.player.state()).currentTime >= 10, 30_000, 'viewer-1 at 10 s');
    await open('viewer-2');
    await open('viewer-3');
    const spread = new Set(viewers.map((viewer) => viewer.node));
    assert.equal(spread.size, 2, `viewers on both nodes: ${viewers.map((v) => `${v.name}@${v.node}`).join(', ')}`);

    await waitFor(async () => {
      const states = await Promise.all(viewers.slice(1).map((viewer) => viewer.player.state()));
      return states.every((state) => state.stats.p2pBytes > 0);
    }, 30_000, 'viewer-2 and viewer-3 fed by peers').catch(explain);
    // Both nodes have acknowledged reports (so the store check covers the one that dies).
    const ackedBy = (port: number) => acks.filter((ack) => ack.node === port).length;
    await waitFor(async () => nodes.every((node) => ackedBy(node.port) > 0), 30_000, 'contribution reports acknowledged by each node');
    // The node to kill: the one with more viewers, so more of them have to find their way back.
    const viewersOf = (port: number) => viewers.filter((viewer) => viewer.node === port).length;
    const victim = [...nodes].sort((x, y) => viewersOf(y.port) - viewersOf(x.port))[0]!;
    const survivor = nodes.find((node) => node !== victim)!;
    const orphans = viewers.filter((viewer) => viewer.node === victim.port);
    const atKill = await Promise.all(viewers.map((viewer) => viewer.player.state()));
    const timesAtKill = atKill.map((state) => state.currentTime);
    assert.ok(atKill.every((state) => !state.ended && !state.paused), `everyone playing at the kill: ${timesAtKill.join(', ')}`);

    killedAt = Date.now();
    await victim.stop('SIGKILL');
    const ackedBeforeKill = acks.filter((ack) => ack.at < killedAt);
    t.diagnostic(`killed node ${victim.port} with ${orphans.map((v) => v.name).join(', ')}; reports acknowledged before: ${ackedBeforeKill.length} (${ackedBy(victim.port)} by the victim)`);

    // Each orphan's socket dropped, and the plugin's tracker client opened a new one through nginx.
    const reconnected = await Promise.all(
      orphans.map((viewer) =>
        waitFor(async () => viewer.sockets.find((socket) => socket.openedAt > killedAt && socket.closedAt === undefined)?.openedAt, 45_000, `${viewer.name} back through the balancer`),
      ),
    ).catch(explain);
    // Every viewer's live socket is on the survivor now.
    const live = () => viewers.reduce((sum, viewer) => sum + viewer.sockets.filter((socket) => socket.closedAt === undefined).length, 0);
    await waitFor(async () => (await connectionsOf(survivor)) === live() && live() >= viewers.length, 15_000, 'every viewer connected to the survivor');

    // P2P after the kill: the first segment any viewer got from a peer after it. Connections made
    // before it need no signal server, so this is usually quick.
    const firstP2pAfter = await waitFor(async () => {
      const times = await Promise.all(
        viewers.map(async (viewer) =>
          (await viewer.player.events('segmentloaded')).filter((event) => event.source === 'p2p').map((event) => viewer.timeOrigin + event.at).find((at) => at > killedAt),
        ),
      );
      const found = times.filter((at) => at !== undefined);
      return found.length > 0 ? Math.min(...found) : undefined;
    }, 45_000, 'a segment from a peer after the kill').catch(explain);
    // Signalling through the survivor: each orphan, back in the swarm, opens a new peer connection
    // (an orphan may already hold the whole video, so a segment is not asked of it).
    const newPeers = await Promise.all(
      orphans.map((viewer) =>
        waitFor(async () => (await viewer.player.events('peerconnect')).map((event) => viewer.timeOrigin + event.at).find((at) => at > killedAt), 30_000, `${viewer.name} connected to a peer found through the survivor`),
      ),
    ).catch(explain);
    const ms = (at: number) => Math.round(at - killedAt);
    const figures =
      `kill -9 → orphans' new tracker socket through nginx: ${reconnected.map(ms).join(', ')} ms; ` +
      `→ first P2P segment (any viewer): ${ms(firstP2pAfter)} ms; ` +
      `→ each orphan's first new peer connection: ${newPeers.map(ms).join(', ')} ms`;
    t.diagnostic(figures);
    console.log(`# failover: ${figures}`);

    // Everybody played on past where they were when the node died, and nobody stalled.
    await waitFor(async () => {
      const now = await Promise.all(viewers.map((viewer) => viewer.player.state()));
      return now.every((state, i) => state.ended || state.currentTime > (timesAtKill[i] ?? 0) + 4);
    }, 20_000, 'every viewer playing on after the kill');
    for (const viewer of viewers) {
      const state = await viewer.player.state();
      assert.deepEqual(state.errors, [], `${viewer.name} errors`);
      assert.deepEqual(state.stalls, [], `${viewer.name} never stalled`);
    }

    // What a node acknowledged before it died is in the shared database.
    store = await openContributionsDb(testDb.options);
    const ids = ackedBeforeKill.map((ack) => ack.reportId);
    const stored = await store.db.selectFrom('p2p_reports').select('id').where('id', 'in', ids).execute();
    const missing = ids.filter((id) => !stored.some((row) => row.id === id));
    assert.deepEqual(missing, [], `acknowledged reports missing after the kill (of ${ids.length})`);
  });
});
