import { assert } from '@esm-bundle/chai';
import { SegmentXhr } from '../../src/segment-xhr.js';
import { loadVideojs } from './load-videojs.js';

interface XhrResponse { statusCode: number; headers: Record<string, string> }
type VideojsXhr = (options: Record<string, unknown>, callback: (error: unknown, response: XhrResponse, body: unknown) => void) => { abort(): void };

/** The real Video.js xhr (what VHS drives). */
async function loadVideojsXhr(): Promise<VideojsXhr> {
  return (await loadVideojs<{ xhr: VideojsXhr }>()).xhr;
}

describe('videojs-spk-p2p: segment XHR', () => {
  it('fulfils a Video.js xhr request with bytes from elsewhere, as a 206 for a Range request', async () => {
    const xhr = await loadVideojsXhr();
    const bytes = new Uint8Array([1, 2, 3, 4]).buffer;
    const stand = new SegmentXhr(async () => ({ data: bytes, bandwidth: 8e6 }));
    const { response, body } = await new Promise<{ response: XhrResponse; body: unknown }>((resolve, reject) => {
      xhr({ uri: 'http://127.0.0.1:9/seg.ts', responseType: 'arraybuffer', headers: { Range: 'bytes=0-3' }, xhr: stand }, (error, res, data) =>
        error ? reject(error) : resolve({ response: res, body: data }));
    });
    assert.strictEqual(response.statusCode, 206);
    assert.strictEqual((body as ArrayBuffer).byteLength, 4);
    assert.strictEqual(stand.bandwidth, 8e6);
  });

  it('reports a failed fetch as an error and an abort as no response', async () => {
    const xhr = await loadVideojsXhr();
    const failing = new SegmentXhr(async () => { throw new Error('peer left'); });
    const error = await new Promise<unknown>((resolve) => {
      xhr({ uri: 'http://127.0.0.1:9/seg.ts', responseType: 'arraybuffer', xhr: failing }, (err) => resolve(err));
    });
    assert.ok(error, 'the error reaches the callback');
    let aborted = false;
    const hanging = new SegmentXhr((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); })));
    const request = xhr({ uri: 'http://127.0.0.1:9/seg.ts', responseType: 'arraybuffer', xhr: hanging }, () => {});
    request.abort();
    assert.isTrue(aborted, 'abort reaches the fetch signal');
    assert.strictEqual(hanging.readyState, 4);
  });
});
