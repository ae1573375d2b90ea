import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_DIR } from '../../../demo/media/sample.js';
import { IntegrityMap } from '../src/integrity/sha256-map.js';
import { DEFAULTS, iceServersOf, SpkP2pOptionsError, validateOptions } from '../src/options.js';
import { parseRangeHeader, segmentRuntimeId } from '../src/segment-map.js';
import { createSessionSecret, peerIdToHex, reportUrlFor, trackerUrlFor } from '../src/swarm.js';
import { UploadLimiter } from '../src/upload-limiter.js';

describe('videojs-spk-p2p: options', () => {
  it('accepts the defaults and production-style options', () => {
    const options = validateOptions({ ...DEFAULTS, videoCid: 'QmX', trackerUrls: ['wss://signal.example/api/p2p/signal'] });
    assert.equal(options.cdnFallbackDelay, 600);
    assert.deepEqual(DEFAULTS.trackerUrls, [], 'no public tracker by default');
  });

  it('names the offending option in its error', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ trackerUrls: ['http://x'] }, /tracker URL "http:\/\/x" is not a ws:\/\/ or wss:\/\/ URL/],
      [{ trackerUrls: 'ws://x' }, /`trackerUrls` must be an array/],
      [{ uploadLimit: -1 }, /`uploadLimit` must be a non-negative number/],
      [{ maxPeers: 0 }, /`maxPeers` must be at least 1/],
      [{ videoCid: '' }, /`videoCid` must be a non-empty string/],
      [{ integrityUrl: 42 }, /`integrityUrl` must be a URL string or false/],
      [{ turnServers: [{}] }, /every `turnServers` entry needs `urls`/],
      [{ enabled: 'yes' }, /`enabled` must be a boolean/],
      [{ tuning: { ...DEFAULTS.tuning, p2pWindow: -5 } }, /`tuning.p2pWindow` must be a non-negative number/],
    ];
    for (const [override, message] of cases) {
      assert.throws(() => validateOptions({ ...DEFAULTS, ...override }), (error: unknown) => {
        assert.ok(error instanceof SpkP2pOptionsError);
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it('builds ICE servers from STUN and TURN lists, empty when both are empty', () => {
    assert.deepEqual(iceServersOf({ ...DEFAULTS, stunServers: [], turnServers: [] }), []);
    assert.deepEqual(
      iceServersOf({ ...DEFAULTS, stunServers: ['stun:a'], turnServers: [{ urls: 'turn:b', username: 'u', credential: 'c' }] }),
      [{ urls: ['stun:a'] }, { urls: 'turn:b', username: 'u', credential: 'c' }],
    );
  });
});

describe('videojs-spk-p2p: swarm helpers', () => {
  it('adds cid and session to the tracker URL and derives the report URL from it', () => {
    const session = createSessionSecret();
    assert.match(session, /^[0-9a-f]{32}$/);
    assert.notEqual(session, createSessionSecret());
    const url = new URL(trackerUrlFor('wss://s.example/api/p2p/signal?token=t', 'QmCid', session));
    assert.equal(url.searchParams.get('cid'), 'QmCid');
    assert.equal(url.searchParams.get('session'), session);
    assert.equal(url.searchParams.get('token'), 't');
    assert.equal(reportUrlFor('wss://s.example/api/p2p/signal?cid=x'), 'https://s.example/api/p2p/reports');
    assert.equal(reportUrlFor('ws://127.0.0.1:9/api/p2p/signal'), 'http://127.0.0.1:9/api/p2p/reports');
  });

  it('turns a raw 20-character peer id into 40 hex digits', () => {
    const raw = String.fromCharCode(...Array.from({ length: 20 }, (_, i) => i * 13));
    const hex = peerIdToHex(raw);
    assert.match(hex, /^[0-9a-f]{40}$/);
    assert.equal(Buffer.from(hex, 'hex').toString('latin1'), raw);
    assert.equal(peerIdToHex(hex.toUpperCase()), hex);
  });

  it('keys segments by URL and inclusive byte range', () => {
    assert.deepEqual(parseRangeHeader('bytes=10-19'), { start: 10, end: 19 });
    assert.equal(parseRangeHeader('bytes=10-'), undefined);
    assert.equal(segmentRuntimeId('http://h/a.ts', { start: 0, end: 9 }), 'http://h/a.ts|0-9');
    assert.equal(segmentRuntimeId('http://h/a.ts', undefined), 'http://h/a.ts');
  });
});

describe('videojs-spk-p2p: integrity map', () => {
  const json = JSON.parse(readFileSync(join(SAMPLE_DIR, 'segments-sha256.json'), 'utf8')) as Record<string, string>;
  const segment = readFileSync(join(SAMPLE_DIR, '480p', '480p_1.ts'));
  const data = segment.buffer.slice(segment.byteOffset, segment.byteOffset + segment.byteLength);

  it('accepts the real bytes of a segment from any gateway path and rejects altered ones', async () => {
    const map = IntegrityMap.fromJson(new URL('http://cdn.example/ipfs/QmCid/segments-sha256.json'), json);
    assert.ok(map);
    assert.equal(await map.verify('http://cdn.example/ipfs/QmCid/480p/480p_1.ts', undefined, data), 'ok');
    assert.equal(await map.verify('http://other.example/client/a/ipfs/QmCid/480p/480p_1.ts?x=1', undefined, data), 'ok');
    const altered = new Uint8Array(data.slice(0));
    altered[1000] = (altered[1000] ?? 0) ^ 1;
    assert.equal(await map.verify('http://cdn.example/ipfs/QmCid/480p/480p_1.ts', undefined, altered.buffer), 'mismatch');
    assert.equal(await map.verify('http://cdn.example/ipfs/QmCid/480p/480p_99.ts', undefined, data), 'unknown-segment');
  });

  it('reads the byte-range form of the map', async () => {
    const part = data.slice(0, 1000);
    const hash = createHash('sha256').update(Buffer.from(part)).digest('hex');
    const map = IntegrityMap.fromJson(new URL('http://h/ipfs/QmCid/segments-sha256.json'), { 'v/all.ts': { '0-999': hash } });
    assert.equal(await map?.verify('http://h/ipfs/QmCid/v/all.ts', { start: 0, end: 999 }, part), 'ok');
    assert.equal(await map?.verify('http://h/ipfs/QmCid/v/all.ts', { start: 1000, end: 1999 }, part), 'unknown-segment');
  });

  it('treats a map that is not an object as absent', () => {
    assert.equal(IntegrityMap.fromJson(new URL('http://h/m.json'), ['a']), null);
    assert.equal(IntegrityMap.fromJson(new URL('http://h/m.json'), 'x'), null);
  });
});

describe('videojs-spk-p2p: upload limiter', () => {
  it('grants a segment only when not in debt and keeps long-run uploads at the rate', () => {
    let now = 0;
    const changes: boolean[] = [];
    const limiter = new UploadLimiter(100_000, (blocked) => changes.push(blocked), () => now);
    let granted = 0;
    // Peers ask for a 250 kB segment every 100 ms for 60 s.
    for (now = 0; now < 60_000; now += 100) {
      if (limiter.tryTake(250_000)) granted += 250_000;
    }
    limiter.dispose();
    assert.ok(granted <= 100_000 * 60 + 250_000, `granted ${granted}`);
    assert.ok(granted >= 100_000 * 60 * 0.9, `granted ${granted}`);
    assert.equal(changes[0], true);
  });

  it('holds a request that fits once the debt is paid soon, and refuses one that would wait too long', async () => {
    const limiter = new UploadLimiter(1_000_000);
    try {
      assert.equal(await limiter.take(500_000, 600), true, 'not in debt: granted at once');
      const started = performance.now();
      assert.equal(await limiter.take(200_000, 600), true, 'held until the 0.5 s debt is paid');
      const heldMs = performance.now() - started;
      assert.ok(heldMs >= 400 && heldMs < 1500, `held ${heldMs.toFixed(0)} ms`);
      assert.equal(await limiter.take(300_000, 100), false, 'the 0.2 s debt left is more than 100 ms');
    } finally {
      limiter.dispose();
    }
  });

  it('is unlimited at 0', () => {
    const limiter = new UploadLimiter(0);
    for (let i = 0; i < 100; i++) assert.ok(limiter.tryTake(1e9));
  });
});
