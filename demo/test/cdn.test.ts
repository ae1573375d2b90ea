import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { startCdn, parseRange, type CdnServer } from '../cdn/cdn-server.js';
import { SAMPLE_CID, SAMPLE_CID_V1, SAMPLE_DIR, SAMPLE_MANIFEST_PATH } from '../media/sample.js';
import { buildUnixfsDag, multihashKey } from '../media/unixfs-dag.js';

const segmentPath = `/ipfs/${SAMPLE_CID}/480p/480p_1.ts`;
const segmentFile = join(SAMPLE_DIR, '480p', '480p_1.ts');

describe('local CDN', () => {
  let cdn: CdnServer;
  before(async () => {
    cdn = await startCdn({ staticDirs: { '/pages': join(SAMPLE_DIR, '480p') } });
  });
  after(() => cdn.close());

  it('serves the master playlist in the 3Speak layout with CORS', async () => {
    const res = await fetch(cdn.url + SAMPLE_MANIFEST_PATH);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    const text = await res.text();
    assert.match(text, /^#EXTM3U/);
    assert.match(text, /480p\/index\.m3u8/);
  });

  it('answers CORS preflight for Range requests', async () => {
    const res = await fetch(cdn.url + segmentPath, {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Headers': 'range' },
    });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Range/);
  });

  it('serves byte ranges exactly and rejects unsatisfiable ones', async () => {
    const whole = readFileSync(segmentFile);
    const res = await fetch(cdn.url + segmentPath, { headers: { Range: 'bytes=100-1099' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 100-1099/${whole.length}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), whole.subarray(100, 1100));

    const bad = await fetch(cdn.url + segmentPath, { headers: { Range: `bytes=${whole.length + 10}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${whole.length}`);
    await bad.arrayBuffer();
  });

  it('parses suffix and open ranges', () => {
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=50-', 100), { start: 50, end: 99 });
    assert.deepEqual(parseRange('bytes=0-1000', 100), { start: 0, end: 99 });
    assert.equal(parseRange('bytes=-', 100), null);
    assert.equal(parseRange('bytes=5-1', 100), null);
    assert.equal(parseRange('items=0-1', 100), null);
  });

  it('counts media bytes per client, and not pages', async () => {
    cdn.resetCounters();
    const size = statSync(segmentFile).size;
    await (await fetch(cdn.clientUrl('viewer-1') + segmentPath)).arrayBuffer();
    await (await fetch(cdn.clientUrl('viewer-2') + segmentPath)).arrayBuffer();
    await (await fetch(cdn.url + segmentPath, { headers: { Range: 'bytes=0-99' } })).arrayBuffer();
    const page = await fetch(`${cdn.url}/pages/index.m3u8`);
    assert.equal(page.status, 200);
    await page.text();
    const served = cdn.bytesServed();
    assert.deepEqual(served.byClient, { 'viewer-1': size, 'viewer-2': size, anonymous: 100 });
    assert.equal(served.total, 2 * size + 100);
    assert.equal(served.requests, 3);
    const stats = (await (await fetch(`${cdn.url}/__cdn/stats`)).json()) as { total: number };
    assert.equal(stats.total, served.total);
  });

  it('refuses path traversal and bad client ids', async () => {
    const traversal = await fetch(`${cdn.url}/ipfs/..%2F..%2Fpackage.json`);
    assert.equal(traversal.status, 403);
    await traversal.text();
    const badClient = await fetch(`${cdn.url}/client/not%20ok/ipfs/${SAMPLE_CID}/manifest.m3u8`);
    assert.equal(badClient.status, 400);
    await badClient.text();
    const missing = await fetch(`${cdn.url}/ipfs/${SAMPLE_CID}/480p/480p_999.ts`);
    assert.equal(missing.status, 404);
    await missing.text();
    assert.throws(() => cdn.clientUrl('../x'), /Invalid CDN client id/);
  });
});

describe('local CDN shaping', () => {
  it('adds the configured latency before media responses', async () => {
    const cdn = await startCdn({ latencyMs: 150 });
    try {
      const started = performance.now();
      const res = await fetch(cdn.url + SAMPLE_MANIFEST_PATH);
      await res.text();
      assert.ok(performance.now() - started >= 145, 'response came before the added latency');
    } finally {
      await cdn.close();
    }
  });

  it('can delay one client only', async () => {
    const cdn = await startCdn();
    try {
      cdn.setLatency(300, 'slow-viewer');
      const timed = async (base: string) => {
        const started = performance.now();
        await (await fetch(base + SAMPLE_MANIFEST_PATH)).text();
        return performance.now() - started;
      };
      assert.ok((await timed(cdn.clientUrl('slow-viewer'))) >= 295, 'the delayed client got its answer early');
      assert.ok((await timed(cdn.clientUrl('other-viewer'))) < 295, 'another client was delayed too');
    } finally {
      await cdn.close();
    }
  });

  it('caps the bandwidth of a connection', async () => {
    const bytesPerSec = 200 * 1024;
    const cdn = await startCdn({ bandwidthBytesPerSec: bytesPerSec });
    try {
      const size = statSync(segmentFile).size;
      const started = performance.now();
      const body = await (await fetch(cdn.url + segmentPath)).arrayBuffer();
      const seconds = (performance.now() - started) / 1000;
      assert.equal(body.byteLength, size);
      const rate = size / seconds;
      assert.ok(rate <= bytesPerSec * 1.15, `measured ${Math.round(rate)} B/s over a ${bytesPerSec} B/s cap`);
      assert.ok(rate >= bytesPerSec * 0.6, `measured ${Math.round(rate)} B/s, far below the ${bytesPerSec} B/s cap`);
    } finally {
      await cdn.close();
    }
  });
});

describe('local CDN as a trustless IPFS gateway', () => {
  let cdn: CdnServer;
  before(async () => {
    cdn = await startCdn();
  });
  after(() => cdn.close());

  it('the sample folder has the CIDs kubo computes (classic v0 and unixfs-v1-2025)', async () => {
    assert.equal((await buildUnixfsDag(SAMPLE_DIR, 'kubo-v0')).rootCid, SAMPLE_CID);
    assert.equal((await buildUnixfsDag(SAMPLE_DIR, 'kubo-v1')).rootCid, SAMPLE_CID_V1);
    // Known answer from kubo itself: `printf 'hello world\n' | ipfs add` gives this CID.
    const dir = mkdtempSync(join(tmpdir(), 'kubo-known-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello world\n');
    const dag = await buildUnixfsDag(dir, 'kubo-v0');
    const root = dagPb.decode(dag.blocks.get(multihashKey(CID.parse(dag.rootCid))) as Uint8Array);
    assert.equal(root.Links[0]?.Hash.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers ?format=raw and Accept: application/vnd.ipld.raw with the block, and both roots by path', async () => {
    for (const init of [{ query: '?format=raw', headers: {} as Record<string, string> }, { query: '', headers: { Accept: 'application/vnd.ipld.raw' } as Record<string, string> }]) {
      const res = await fetch(`${cdn.url}/ipfs/${SAMPLE_CID}${init.query}`, { headers: init.headers });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/vnd.ipld.raw');
      const bytes = new Uint8Array(await res.arrayBuffer());
      assert.deepEqual(new Uint8Array(createHash('sha256').update(bytes).digest()), CID.parse(SAMPLE_CID).multihash.digest);
      assert.ok(dagPb.decode(bytes).Links.some((link) => link.Name === '480p'));
    }
    const v1 = await fetch(`${cdn.url}/ipfs/${SAMPLE_CID_V1}/480p/480p_1.ts`);
    assert.equal(v1.status, 200);
    assert.deepEqual(Buffer.from(await v1.arrayBuffer()), readFileSync(segmentFile));
    assert.equal((await fetch(`${cdn.url}/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?format=raw`)).status, 404);
    assert.equal((await fetch(`${cdn.url}/ipfs/nonsense?format=raw`)).status, 400);
    assert.equal((await fetch(`${cdn.url}/ipfs/${SAMPLE_CID}/480p?format=raw`)).status, 400);
    assert.ok(cdn.bytesServed().blockBytes > 0);
  });
});
