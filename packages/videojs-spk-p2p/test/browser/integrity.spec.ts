import { assert } from '@esm-bundle/chai';
import { IntegrityMap } from '../../src/integrity/sha256-map.js';

async function sampleCid(): Promise<string> {
  const sample = (await (await fetch('/demo/media/sample.json')).json()) as { cid: string };
  return sample.cid;
}

async function bytesOf(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  assert.isTrue(response.ok, `${url}: ${response.status}`);
  return response.arrayBuffer();
}

function hex(digest: ArrayBuffer): string {
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

describe('videojs-spk-p2p: integrity map', () => {
  let json: Record<string, string>;
  let data: ArrayBuffer;

  before(async () => {
    const cid = await sampleCid();
    json = (await (await fetch(`/demo/media/ipfs/${cid}/segments-sha256.json`)).json()) as Record<string, string>;
    data = await bytesOf(`/demo/media/ipfs/${cid}/480p/480p_1.ts`);
  });

  it('accepts the real bytes of a segment from any gateway path and rejects altered ones', async () => {
    const map = IntegrityMap.fromJson(new URL('http://cdn.example/ipfs/QmCid/segments-sha256.json'), json);
    assert.ok(map);
    assert.strictEqual(await map!.verify('http://cdn.example/ipfs/QmCid/480p/480p_1.ts', undefined, data), 'ok');
    assert.strictEqual(await map!.verify('http://other.example/client/a/ipfs/QmCid/480p/480p_1.ts?x=1', undefined, data), 'ok');
    const altered = new Uint8Array(data.slice(0));
    altered[1000] = (altered[1000] ?? 0) ^ 1;
    assert.strictEqual(await map!.verify('http://cdn.example/ipfs/QmCid/480p/480p_1.ts', undefined, altered.buffer), 'mismatch');
    assert.strictEqual(await map!.verify('http://cdn.example/ipfs/QmCid/480p/480p_99.ts', undefined, data), 'unknown-segment');
  });

  it('reads the byte-range form of the map, hashed with the page own SubtleCrypto', async () => {
    assert.isTrue(window.isSecureContext, 'crypto.subtle needs a secure context (localhost is one)');
    const part = data.slice(0, 1000);
    const hash = hex(await crypto.subtle.digest('SHA-256', part));
    const map = IntegrityMap.fromJson(new URL('http://h/ipfs/QmCid/segments-sha256.json'), { 'v/all.ts': { '0-999': hash } });
    assert.strictEqual(await map?.verify('http://h/ipfs/QmCid/v/all.ts', { start: 0, end: 999 }, part), 'ok');
    assert.strictEqual(await map?.verify('http://h/ipfs/QmCid/v/all.ts', { start: 1000, end: 1999 }, part), 'unknown-segment');
  });

  it('treats a map that is not an object as absent', () => {
    assert.strictEqual(IntegrityMap.fromJson(new URL('http://h/m.json'), ['a']), null);
    assert.strictEqual(IntegrityMap.fromJson(new URL('http://h/m.json'), 'x'), null);
  });
});
