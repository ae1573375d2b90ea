/**
 * Rewards and the upload cap, with one real Chromium viewer: a real `spk-seeder` process capped
 * by `--max-upload-bytes-per-second` serves it over WebRTC; both report to the real signal
 * server's contributions API (SQLite); the operator links a Hive account with the challenge the
 * seeder logs. The leaderboard then credits the seeder's viewer with the segments the viewer's
 * receipts confirm, under that account; the viewer's segment timings show the upload cap held,
 * and the seeder's memory copies stayed under `--max-memory-bytes`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateKey, cryptoUtils } from '@hiveio/dhive';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { cidOnlyMediaRoot } from '../../videojs-spk-p2p/test/media-fixtures.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, waitForEnd } from '../../videojs-spk-p2p/test/support.js';
import { createSignalServer, type ListenAddress, type SignalServer } from '../../signal-server/src/index.js';
import { attachContributions } from '../../signal-server/src/contributions/mount.js';
import type { Contributions } from '../../signal-server/src/contributions/index.js';
import { createTestDatabase, type TestDatabase } from '../../signal-server/test/contributions-support.js';
import { startHiveFixture, type HiveFixture } from '../../signal-server/test/contributions-hive-fixture.js';
import { startSeeder } from './seeder-process.js';

const CAP = 64 * 1024;
/** How long the seeder holds a request the cap cannot take yet (video-swarm.ts MAX_UPLOAD_HOLD_MS). */
const HOLD_S = 0.6;
const ACCOUNT = 'seeder-operator';
/** One or two of the sample's segments (150–400 KB). */
const MEMORY_CAP = 512 * 1024;

interface ReporterView {
  pending: number;
  acknowledged: number;
  lastStatus: number | null;
}

interface LeaderboardEntry {
  viewer: string;
  hiveUsername: string | null;
  creditedBytes: number;
  claimedBytes: number;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('spk-seeder: uploads credited like a viewer\'s, within the upload cap', () => {
  let testDb: TestDatabase;
  let hive: HiveFixture;
  let browser: Browser;
  let signal: { server: SignalServer; address: ListenAddress; contributions: Contributions };
  let cdn: CdnServer;
  let gateway: CdnServer;
  let media: { root: string; cid: string };
  let cacheDir: string;
  const postingKey = PrivateKey.fromSeed('spk-seeder rewards test posting key');

  before(async () => {
    media = await cidOnlyMediaRoot();
    cacheDir = mkdtempSync(join(tmpdir(), 'spk-seeder-rewards-'));
    testDb = await createTestDatabase('sqlite');
    hive = await startHiveFixture([{ name: ACCOUNT, postingKeys: [postingKey.createPublic().toString()] }]);
    const server = createSignalServer({ logLevel: 'silent' });
    // Seeder and viewer run on one machine, so on one address: the same-address cap is lifted here.
    const contributions = await attachContributions(server, { ...testDb.options, hiveApi: hive.url, credit: { sameAddressPairCapBytes: Infinity } });
    signal = { server, address: await server.listen(0, '127.0.0.1'), contributions };
    [browser, cdn, gateway] = await Promise.all([launchChromium(), startTestCdn({ root: media.root, latencyMs: 20 }), startTestCdn({ root: media.root })]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([cdn?.close(), gateway?.close(), hive?.close()]);
    await signal?.server.close();
    await signal?.contributions.close();
    await testDb?.drop();
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(media.root, { recursive: true, force: true });
  });

  it('a capped seeder serving a real viewer: its upload rate stays within the cap, and the leaderboard credits what the viewer confirmed, under the linked Hive account', async () => {
    const seeder = startSeeder([
      '--cid', media.cid, '--gateway', gateway.url, '--signal', signal.address.signalUrl, '--cache-dir', cacheDir,
      '--max-upload-bytes-per-second', `${CAP / 1024}KiB`, '--max-memory-bytes', `${MEMORY_CAP / 1024}KiB`, '--hive-account', `@${ACCOUNT}`,
    ]);
    let stopped = false;
    try {
      const reporting = await seeder.waitForLog((line) => line.msg === 'reporting uploads', 'its viewer id');
      const viewerId = String(reporting.viewer);
      assert.match(viewerId, /^[0-9a-f]{24}$/);
      const secretFile = join(cacheDir, 'viewer-secret');
      assert.equal(statSync(secretFile).mode & 0o077, 0, 'the viewer secret is readable by its owner only');

      // The operator signs the logged challenge with the account's posting key (as Keychain would).
      const challenge = await seeder.waitForLog((line) => line.msg.startsWith('hive link: sign this message'), 'the Hive challenge');
      assert.match(String(challenge.message), new RegExp(`account: ${ACCOUNT}\\nviewer: ${viewerId}\\n`));
      const linked = await postJson(String(challenge.post), {
        viewer: readFileSync(secretFile, 'utf8').trim(),
        challengeId: challenge.challengeId,
        signature: postingKey.sign(cryptoUtils.sha256(String(challenge.message))).toString(),
      });
      assert.deepEqual([linked.status, linked.json.hiveUsername, linked.json.viewer], [200, ACCOUNT, viewerId]);

      await seeder.waitForLog((line) => line.msg === 'video cached', 'that the video is cached');
      const viewer = await openPlayer(browser, {
        pageUrl: `${cdn.url}/pages/player.html`,
        src: manifestUrl(cdn, 'rewarded-viewer', media.cid),
        // Reports only when asked (flush below), so what is compared is complete.
        options: p2pOptions(signal.address.signalUrl, { videoCid: media.cid, contributions: { intervalMs: 600_000 } }),
        rate: 2,
      });
      let p2p: Array<{ startedAt: number; bytes: number }>;
      try {
        const end = await waitForEnd(viewer, 90_000);
        assert.deepEqual(end.errors, []);
        assert.deepEqual(end.stalls, []);
        p2p = (await viewer.events('segmentloaded'))
          .filter((event) => event.source === 'p2p')
          .map((event) => ({ startedAt: event.at - Number(event.durationMs), bytes: Number(event.bytes) }))
          .sort((a, b) => a.startedAt - b.startedAt);
        const report = await viewer.page.evaluate(async () => {
          const plugin = (window as unknown as { player: { spkP2p(): { contributions?: { flush(): Promise<ReporterView> } } } }).player.spkP2p();
          if (!plugin.contributions) throw new Error('no contribution reporter on the plugin');
          return plugin.contributions.flush();
        });
        assert.equal(report.lastStatus, 201, `the viewer's report: ${JSON.stringify(report)}`);
      } finally {
        await viewer.close();
      }

      // The cap: a segment is charged when asked for, and the next may start only once the debt
      // is paid (or within the hold), so all but the last p2p segment fit in cap × their span.
      assert.ok(p2p.length >= 2, `${p2p.length} segments came from the seeder`);
      const spanS = (p2p.at(-1)!.startedAt - p2p[0]!.startedAt) / 1000;
      const beforeLast = p2p.slice(0, -1).reduce((sum, load) => sum + load.bytes, 0);
      const p2pBytes = beforeLast + p2p.at(-1)!.bytes;
      console.log(`# capped seeder: ${p2p.length} segments, ${p2pBytes} bytes over ${spanS.toFixed(1)} s (${(beforeLast / Math.max(spanS, 0.001) / 1024).toFixed(1)} KiB/s before the last; cap ${CAP / 1024} KiB/s)`);
      assert.ok(beforeLast <= CAP * (spanS + HOLD_S) * 1.05, `${beforeLast} bytes in ${spanS.toFixed(2)} s is over the ${CAP} B/s cap`);
      const metrics = await seeder.metrics();
      assert.ok((metrics.spk_seeder_uploaded_bytes_total ?? 0) >= p2pBytes);
      const memory = metrics.spk_seeder_memory_cache_bytes ?? -1;
      assert.ok(memory > 0 && memory <= MEMORY_CAP, `${memory} bytes of segments in memory, cap ${MEMORY_CAP}`);

      // A graceful stop reports what is left.
      assert.equal(await seeder.stop(), 0);
      stopped = true;
      assert.deepEqual(seeder.lines.filter((line) => line.msg.startsWith('uploads not reported')), []);
      const board = await (await fetch(`${signal.address.url}/api/p2p/leaderboard?period=day`)).json() as { entries: LeaderboardEntry[] };
      const entry = board.entries.find((candidate) => candidate.viewer === viewerId);
      assert.ok(entry, `the seeder's viewer on the leaderboard: ${JSON.stringify(board.entries)}`);
      assert.equal(entry.hiveUsername, ACCOUNT);
      assert.ok(entry.creditedBytes >= 0.9 * p2pBytes, `credited ${entry.creditedBytes} of the ${p2pBytes} bytes the viewer got from it`);
      assert.ok(entry.creditedBytes <= entry.claimedBytes, 'never more than the seeder said it sent');
    } finally {
      if (!stopped) await seeder.stop();
    }
  });
});
