/**
 * `--rooms-from`: a real seeder process ranks candidate rooms by the real signal server's counts
 * (`/api/p2p/stats`, `/api/p2p/rooms/:cid`), joins the room a viewer is in and leaves it when the
 * viewer goes. A viewer here is what the server counts as one: a signal connection in the room,
 * opened the way the plugin's tracker client opens it (`?cid=…&session=…`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { cidOnlyMediaRoot } from '../../videojs-spk-p2p/test/media-fixtures.js';
import { startTestCdn, startTracker, waitFor, type Tracker } from '../../videojs-spk-p2p/test/support.js';
import { closedPort } from './ports.js';
import { startSeeder } from './seeder-process.js';

/** The signal server's HTTP base, beside its WebSocket endpoint. */
const httpBaseOf = (signalUrl: string) => signalUrl.replace(/^ws/, 'http').replace(/\/api\/p2p\/signal$/, '');

async function roomPeers(base: string, cid: string): Promise<number> {
  return ((await (await fetch(`${base}/api/p2p/rooms/${cid}`)).json()) as { peers: number }).peers;
}

/** A viewer's signal connection in the room of `cid`. */
async function viewerIn(signalUrl: string, cid: string, session: string): Promise<WebSocket> {
  const socket = new WebSocket(`${signalUrl}?cid=${cid}&session=${session}`);
  await once(socket, 'open');
  return socket;
}

describe('spk-seeder --rooms-from', () => {
  let tracker: Tracker;
  let gateway: CdnServer;
  let media: { root: string; cid: string; cidV1: string };
  let dir: string;
  let candidates: string;

  before(async () => {
    media = await cidOnlyMediaRoot();
    dir = mkdtempSync(join(tmpdir(), 'spk-seeder-rooms-'));
    candidates = join(dir, 'candidates.txt');
    // Two candidates: only the first will have a viewer.
    writeFileSync(candidates, `# what the operator would like seeded when watched\n${media.cid}\n${media.cidV1}\n`);
    [tracker, gateway] = await Promise.all([startTracker(), startTestCdn({ root: media.root })]);
  });
  after(async () => {
    await Promise.all([tracker?.close(), gateway?.close()]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(media.root, { recursive: true, force: true });
  });

  it('joins the candidate room a viewer is in, not the empty one, and leaves it when the viewer goes', async () => {
    const base = httpBaseOf(tracker.url);
    let viewer = await viewerIn(tracker.url, media.cid, 'viewer-session-0001');
    const seeder = startSeeder([
      '--rooms-from', base, '--rooms-candidates', candidates, '--rooms-interval-seconds', '1',
      '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', join(dir, 'cache'),
    ]);
    try {
      const busy = await seeder.waitForLog((line) => line.msg === 'room busy: seeding it', 'the busy room');
      assert.equal(busy.cid, media.cid);
      assert.equal(busy.viewers, 1);
      const joined = await seeder.waitForLog((line) => line.msg === 'joined swarms', 'joining the busy room');
      await seeder.waitForLog((line) => line.msg === 'video cached' && line.cid === media.cid, 'the busy room cached');
      // The viewer and the seeder, as the server counts them.
      await waitFor(async () => (await roomPeers(base, media.cid)) === 2 || undefined, 10_000, 'the seeder in the room');

      viewer.close();
      const left = await seeder.waitForLog((line) => line.msg === 'room no longer busy: left', 'leaving the room');
      assert.equal(left.cid, media.cid);
      await waitFor(async () => (await roomPeers(base, media.cid)) === 0 || undefined, 10_000, 'the seeder gone from the room');
      assert.equal((await seeder.metrics()).spk_seeder_videos, 0);

      // A viewer again: the room is joined again, from the disk cache.
      viewer = await viewerIn(tracker.url, media.cid, 'viewer-session-0002');
      const rejoined = await seeder.waitForLog((line) => line.msg === 'joined swarms' && line !== joined, 'joining again');
      assert.equal(rejoined.held, 30, 'every segment still on disk');
      assert.equal(seeder.lines.filter((line) => line.msg === 'room busy: seeding it' && line.cid === media.cidV1).length, 0, 'the empty room was never joined');
      assert.deepEqual(seeder.lines.filter((line) => line.msg.startsWith('rooms API')), [], 'every answer of the API was used');
    } finally {
      viewer.close();
      assert.equal(await seeder.stop(), 0);
    }
  });

  it('without --rooms-candidates it seeds the busiest room of the server\'s own list', async () => {
    const base = httpBaseOf(tracker.url);
    const viewer = await viewerIn(tracker.url, media.cidV1, 'viewer-session-0003');
    const seeder = startSeeder([
      '--rooms-from', base, '--rooms-top', '1', '--rooms-interval-seconds', '1',
      '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', join(dir, 'cache-listed'),
    ]);
    try {
      const busy = await seeder.waitForLog((line) => line.msg === 'room busy: seeding it', 'the busy room of the list');
      assert.deepEqual([busy.cid, busy.viewers], [media.cidV1, 1]);
      await seeder.waitForLog((line) => line.msg === 'joined swarms' && line.cid === media.cidV1, 'joining it');
      assert.deepEqual(seeder.lines.filter((line) => line.msg.startsWith('rooms API')), [], 'every answer of the API was used');
    } finally {
      viewer.close();
      assert.equal(await seeder.stop(), 0);
    }
  });

  it('an unreachable or garbage-answering API: a clear warning, and the pinned video is still seeded', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    // The gateway answers, but it is no signal server: 404 for /api/p2p/stats.
    const [unreachable, garbage] = [down, gateway.url].map((from) =>
      startSeeder([
        '--cid', media.cid, '--rooms-from', from, '--rooms-candidates', candidates, '--rooms-interval-seconds', '1',
        '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', mkdtempSync(join(dir, 'cache-')),
      ]),
    );
    try {
      for (const [seeder, problem] of [[unreachable!, /ECONNREFUSED/], [garbage!, /api\/p2p\/stats: HTTP 404/]] as const) {
        const warning = await seeder.waitForLog((line) => line.msg === 'rooms API unusable: keeping the rooms seeded', 'the API warning');
        assert.equal(warning.level, 'warn');
        assert.match(String(warning.error), problem);
        await seeder.waitForLog((line) => line.msg === 'joined swarms' && line.cid === media.cid, 'the pinned video seeded');
        // Still refreshing, still up.
        await seeder.waitForLog((line) => line.msg.startsWith('rooms API unusable') && line.failures === 2, 'a second try');
        assert.equal((await seeder.metrics()).spk_seeder_videos, 1);
      }
    } finally {
      assert.deepEqual(await Promise.all([unreachable!.stop(), garbage!.stop()]), [0, 0]);
    }
  });
});
