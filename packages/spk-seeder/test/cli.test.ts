import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CdnServer } from '../../../demo/cdn/cdn-server.js';
import { cidOnlyMediaRoot } from '../../videojs-spk-p2p/test/media-fixtures.js';
import { startTestCdn, startTracker, type Tracker } from '../../videojs-spk-p2p/test/support.js';
import { ConfigError, parseConfig } from '../src/config.js';
import { closedPort } from './ports.js';
import { runSeederToEnd, startSeeder } from './seeder-process.js';

const CID = 'QmW5frznNVKnJP4FCG7GHfN9Byn2KJH3AgmDpdmL2QRVse';

describe('spk-seeder command line', () => {
  it('--help lists every flag with its environment variable', async () => {
    const { code, stdout } = await runSeederToEnd(['--help']);
    assert.equal(code, 0);
    for (const flag of ['--cid', '--cids-file', '--gateway', '--signal', '--cache-dir', '--cache-max-bytes', '--max-upload-bytes-per-second', '--max-peers', '--max-memory-bytes', '--metrics-port', '--rooms-from', '--rooms-candidates', '--rooms-top', '--rooms-interval-seconds', '--contributions', '--hive-account']) {
      assert.ok(stdout.includes(flag), flag);
      assert.ok(stdout.includes(`SPK_SEEDER_${flag.slice(2).replace(/-/g, '_').toUpperCase()}`), `${flag} variable`);
    }
  });

  it('bad flags stop it at once with a message naming them', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--signal', 'ws://127.0.0.1:1/x'], {}, /nothing to seed/],
      [['--cid', 'not-a-cid', '--signal', 'ws://127.0.0.1:1/x'], {}, /--cid: "not-a-cid" is not an IPFS CID/],
      [['--cid', CID], {}, /--signal is required/],
      [['--cid', CID, '--signal', 'http://127.0.0.1:1/x'], {}, /--signal: .* must start with ws:\/\/ or wss:\/\//],
      [['--cid', CID, '--signal', 'ws://127.0.0.1:1/x', '--cache-max-bytes', '10 parsecs'], {}, /--cache-max-bytes: "10 parsecs" is not a size/],
      [['--cid', CID, '--signal', 'ws://127.0.0.1:1/x', '--frobnicate'], {}, /Unknown option '--frobnicate'/],
      [['--signal', 'ws://127.0.0.1:1/x'], { SPK_SEEDER_CID: `${CID},nope` }, /"nope" is not an IPFS CID/],
      [['--cids-file', '/nonexistent/cids.txt', '--signal', 'ws://127.0.0.1:1/x'], {}, /--cids-file: cannot read \/nonexistent\/cids.txt: ENOENT/],
    ];
    // All at once: each is a process start (about 2 s of tsx each, one after the other).
    await Promise.all(
      cases.map(async ([args, env, message]) => {
        const { code, stderr } = await runSeederToEnd(args, env);
        assert.equal(code, 2, `${args.join(' ')}: exit code`);
        assert.match(stderr, message);
        assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      }),
    );
  });

  it('bad --rooms-*, --contributions and --hive-account values are refused with a message naming them', () => {
    // In-process: the path from a ConfigError to exit code 2 and one stderr line is the one above.
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--signal', 'ws://127.0.0.1:1/x', '--rooms-from', 'ws://127.0.0.1:1', '--rooms-candidates', '/nonexistent'], {}, /--rooms-from: .* must start with http:\/\/ or https:\/\//],
      [['--signal', 'ws://127.0.0.1:1/x', '--rooms-from', 'http://127.0.0.1:1/api/p2p/stats', '--rooms-candidates', '/nonexistent'], {}, /--rooms-from: give the server's base URL/],
      [['--signal', 'ws://127.0.0.1:1/x', '--rooms-from', 'http://127.0.0.1:1', '--rooms-candidates', '/nonexistent/rooms.txt'], {}, /--rooms-candidates: cannot read \/nonexistent\/rooms.txt: ENOENT/],
      [['--cid', CID, '--signal', 'ws://127.0.0.1:1/x', '--rooms-candidates', '/nonexistent/rooms.txt'], {}, /--rooms-candidates needs --rooms-from/],
      [['--cid', CID, '--signal', 'ws://127.0.0.1:1/x', '--hive-account', 'Not An Account!'], {}, /--hive-account: "Not An Account!" is not a Hive account name/],
      [['--cid', CID, '--signal', 'ws://127.0.0.1:1/x', '--contributions', 'maybe'], {}, /--contributions: "maybe" is not on or off/],
    ];
    for (const [args, env, message] of cases) {
      assert.throws(() => parseConfig(args, env), (error: unknown) => error instanceof ConfigError && message.test(error.message), args.join(' '));
    }
    const dir = mkdtempSync(join(tmpdir(), 'spk-seeder-candidates-'));
    try {
      const candidates = join(dir, 'candidates.txt');
      writeFileSync(candidates, `# one candidate\n${CID}\n`);
      // --cid is optional with --rooms-from; variables work for these flags too.
      const config = parseConfig(['--signal', 'ws://127.0.0.1:1/x', '--rooms-from', 'http://127.0.0.1:1/', '--rooms-candidates', candidates, '--hive-account', '@Alice'], { SPK_SEEDER_ROOMS_TOP: '3' });
      assert.ok(config !== 'help');
      assert.deepEqual([config.cids, config.rooms?.apiUrl, config.rooms?.top, config.rooms?.intervalMs, config.contributions, config.hiveAccount], [[], 'http://127.0.0.1:1', 3, 60_000, true, 'alice']);
      // Without candidates the server's own list of its busiest rooms is ranked.
      const listed = parseConfig(['--signal', 'ws://127.0.0.1:1/x'], { SPK_SEEDER_ROOMS_FROM: 'http://127.0.0.1:1' });
      assert.ok(listed !== 'help');
      assert.deepEqual([listed.cids, listed.rooms?.apiUrl, listed.rooms?.candidatesFile, listed.rooms?.top], [[], 'http://127.0.0.1:1', undefined, 10]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spk-seeder against gateways', () => {
  let tracker: Tracker;
  let gateway: CdnServer;
  let media: { root: string; cid: string };
  const dirs: string[] = [];
  const cacheDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'spk-seeder-cli-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    media = await cidOnlyMediaRoot();
    [tracker, gateway] = await Promise.all([startTracker(), startTestCdn({ root: media.root })]);
  });
  after(async () => {
    await Promise.all([tracker?.close(), gateway?.close()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    rmSync(media.root, { recursive: true, force: true });
  });

  it('keeps within --cache-max-bytes (set from the environment), says so, and stops cleanly on SIGTERM', async () => {
    const dir = cacheDir();
    const cap = 1_000_000;
    const seeder = startSeeder(['--gateway', gateway.url, '--cache-dir', dir], {
      SPK_SEEDER_CID: media.cid,
      SPK_SEEDER_SIGNAL: tracker.url,
      SPK_SEEDER_CACHE_MAX_BYTES: String(cap),
    });
    try {
      const full = await seeder.waitForLog((line) => line.msg.startsWith('cache cap reached'), 'that the cap was reached');
      assert.equal(full.cacheMaxBytes, cap);
      const metrics = await seeder.metrics();
      assert.ok(metrics.spk_seeder_cache_bytes! > 0 && metrics.spk_seeder_cache_bytes! <= cap, `${metrics.spk_seeder_cache_bytes} bytes cached`);
      assert.ok(metrics.spk_seeder_segments_cached! >= 1 && metrics.spk_seeder_segments_cached! < 30);
      assert.equal(metrics.spk_seeder_cache_max_bytes, cap);
    } finally {
      assert.equal(await seeder.stop(), 0);
    }
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { entries: Array<{ bytes: number }> };
    assert.ok(index.entries.reduce((sum, entry) => sum + entry.bytes, 0) <= cap);
    assert.ok(seeder.lines.every((line) => typeof line.time === 'string' && typeof line.level === 'string'), 'every log line is JSON with time and level');
  });

  it('an unreachable gateway: a clear message, and what is cached is still served', async () => {
    const dir = cacheDir();
    const down = `http://127.0.0.1:${await closedPort()}`;
    const empty = startSeeder(['--cid', media.cid, '--gateway', down, '--signal', tracker.url, '--cache-dir', dir]);
    try {
      const failed = await empty.waitForLog((line) => line.msg.startsWith('cannot read the video playlists'), 'the gateway failure');
      assert.match(String(failed.error), new RegExp(`no gateway gave manifest.m3u8|${down}`));
      assert.equal(failed.level, 'error');
      // Still up: it retries, and answers its metrics meanwhile.
      assert.equal((await empty.metrics()).spk_seeder_videos, 0);
    } finally {
      await empty.stop();
    }
    const filled = startSeeder(['--cid', media.cid, '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', dir]);
    await filled.waitForLog((line) => line.msg === 'video cached', 'the first fill');
    await filled.stop();
    const offline = startSeeder(['--cid', media.cid, '--gateway', down, '--signal', tracker.url, '--cache-dir', dir]);
    try {
      const joined = await offline.waitForLog((line) => line.msg === 'joined swarms', 'joining from the cache');
      assert.equal(joined.held, 30);
      const metrics = await offline.metrics();
      assert.equal(metrics.spk_seeder_videos, 1);
      assert.equal(metrics.spk_seeder_gateway_requests_total, 0);
    } finally {
      await offline.stop();
    }
  });

  it('--max-peers: connections over the cap are closed; two other seeders in its swarms get one between them', async () => {
    const filled = cacheDir();
    const first = startSeeder(['--cid', media.cid, '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', filled]);
    await first.waitForLog((line) => line.msg === 'video cached', 'the fill');
    await first.stop();
    const copies = [cacheDir(), cacheDir()];
    for (const copy of copies) cpSync(filled, copy, { recursive: true });
    const capped = startSeeder(['--cid', media.cid, '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', filled, '--max-peers', '1', '--log-level', 'debug']);
    const others = copies.map((dir) => startSeeder(['--cid', media.cid, '--gateway', gateway.url, '--signal', tracker.url, '--cache-dir', dir]));
    try {
      await capped.waitForLog((line) => line.msg === 'joined swarms', 'joining');
      // Three renditions, three swarms: the other two seeders try up to six connections to it.
      await capped.waitForLog((line) => line.msg === 'peer refused', 'a refused peer');
      const metrics = await capped.metrics();
      assert.ok((metrics.spk_seeder_peers_refused_total ?? 0) > 0, JSON.stringify(metrics));
      assert.ok((metrics.spk_seeder_peers ?? 0) <= 1, `${metrics.spk_seeder_peers} peers`);
    } finally {
      await Promise.all([capped.stop(), ...others.map((other) => other.stop())]);
    }
  });
});
