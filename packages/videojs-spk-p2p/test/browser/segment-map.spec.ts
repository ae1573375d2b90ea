import { assert } from '@esm-bundle/chai';
import { parseRangeHeader, segmentRuntimeId } from '../../src/segment-identity.js';

describe('videojs-spk-p2p: segment map', () => {
  it('keys segments by URL and inclusive byte range', () => {
    assert.deepEqual(parseRangeHeader('bytes=10-19'), { start: 10, end: 19 });
    assert.strictEqual(parseRangeHeader('bytes=10-'), undefined);
    assert.strictEqual(segmentRuntimeId('http://h/a.ts', { start: 0, end: 9 }), 'http://h/a.ts|0-9');
    assert.strictEqual(segmentRuntimeId('http://h/a.ts', undefined), 'http://h/a.ts');
  });

  it('reads the Range header the browser actually sends for a byte-range request', async () => {
    // A real request through the page's fetch: the header parsed is the one on the wire.
    const request = new Request('/demo/media/sample.json', { headers: { Range: 'bytes=2-11' } });
    const range = parseRangeHeader(request.headers.get('range') ?? '');
    assert.deepEqual(range, { start: 2, end: 11 });
    const response = await fetch(request);
    const body = await response.arrayBuffer();
    if (response.status === 206) assert.strictEqual(body.byteLength, range!.end - range!.start + 1);
  });
});
