import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCdn, type CdnServer } from '../../../demo/cdn/cdn-server.js';
import { SAMPLE_CID, SAMPLE_CID_V1, SAMPLE_DIR } from '../../../demo/media/sample.js';
import { BlockError, BlockFetcher } from '../src/integrity/block-fetcher.js';
import { CidVerifier } from '../src/integrity/cid-verifier.js';
import { waitFor } from '../../../demo/test-support/wait-for.js';

/** Node has fetch and crypto.subtle like the browser: the verifier runs here unchanged, against the real gateway fixture. */
describe('videojs-spk-p2p: segments checked against the IPFS CID', () => {
  let cdn: CdnServer;
  before(async () => {
    cdn = await startCdn();
  });
  after(() => cdn.close());

  const segment = (path: string) => new Uint8Array(readFileSync(join(SAMPLE_DIR, path)));

  for (const [label, cid] of [['CIDv0, dag-pb leaves (kubo classic)', SAMPLE_CID], ['CIDv1, raw leaves (unixfs-v1-2025)', SAMPLE_CID_V1]] as const) {
    it(`${label}: the real segment passes, one changed byte or a cut one fails`, async () => {
      const blocks = new BlockFetcher([cdn.url]);
      const verifier = new CidVerifier(cid as string, blocks);
      await verifier.ready();
      const paths = ['480p/480p_3.ts', '240p/240p_0.ts', '360p/360p_9.ts'];
      for (const path of paths) assert.equal(await verifier.verify(path, segment(path)), 'ok', path);
      const verifiedBytes = blocks.bytesFetched;
      for (const path of paths) {
        const bytes = segment(path);
        const altered = bytes.slice();
        const middle = Math.floor(altered.length / 2);
        altered[middle] = (altered[middle] ?? 0) ^ 1;
        assert.equal(await verifier.verify(path, altered), 'mismatch', `${path} altered`);
        assert.equal(await verifier.verify(path, bytes.subarray(0, bytes.length - 188)), 'mismatch', `${path} truncated`);
      }
      const media = ['480p', '360p', '240p'].reduce((sum, r) => sum + Array.from({ length: 10 }, (_, i) => segment(`${r}/${r}_${i}.ts`).length).reduce((a, b) => a + b, 0), 0);
      // Directory and file root blocks only; leaves are checked by hashing, not fetched.
      assert.ok(verifiedBytes < media * 0.01, `${verifiedBytes} block bytes for 3 segments`);
    });
  }

  it('the root blocks of the next segments are fetched ahead, once, and one-chunk files are never fetched', async () => {
    const gateway = await startCdn();
    try {
      const blocks = new BlockFetcher([gateway.url]);
      const verifier = new CidVerifier(SAMPLE_CID, blocks);
      await verifier.ready();
      assert.equal(await verifier.verify('480p/480p_3.ts', segment('480p/480p_3.ts')), 'ok');
      // Root directory, 480p directory, 480p_3's root, then 480p_4 … 480p_7's roots, unasked.
      await waitFor(() => gateway.bytesServed().blockRequests >= 7, 5_000, 'the next four root blocks');
      for (const i of [4, 5, 6, 7]) assert.equal(await verifier.verify(`480p/480p_${i}.ts`, segment(`480p/480p_${i}.ts`)), 'ok');
      assert.equal(gateway.bytesServed().blockRequests, 7, 'the segments that follow needed no block of their own');
      // 240p segments are under one 256 KiB chunk: each is a single leaf, checked by re-encoding.
      assert.equal(await verifier.verify('240p/240p_0.ts', segment('240p/240p_0.ts')), 'ok');
      for (const i of [1, 2, 3, 4]) assert.equal(await verifier.verify(`240p/240p_${i}.ts`, segment(`240p/240p_${i}.ts`)), 'ok');
      assert.equal(gateway.bytesServed().blockRequests, 8, 'only the 240p directory: no one-chunk file was fetched');
    } finally {
      await gateway.close();
    }
  });

  it('a directory without the rendition or segment, or a root that is not a directory: clear errors', async () => {
    const verifier = new CidVerifier(SAMPLE_CID, new BlockFetcher([cdn.url]));
    await assert.rejects(verifier.verify('1080p/1080p_0.ts', new Uint8Array(1)), /directory .* has no entry "1080p"/);
    await assert.rejects(verifier.verify('480p/480p_99.ts', new Uint8Array(1)), /directory 480p has no entry "480p_99.ts"/);
    const fileCid = (await verifier.fileCid('480p/480p_0.ts')).toString();
    await assert.rejects(new CidVerifier(fileCid, new BlockFetcher([cdn.url])).ready(), /is a UnixFS file, not a directory/);
    assert.throws(() => new CidVerifier('not-a-cid', new BlockFetcher([cdn.url])), /"not-a-cid" is not a CID/);
  });

  for (const [fault, message] of [
    ['wrong-block', /do not hash to the CID/],
    ['truncated', /do not hash to the CID/],
    ['oversize', /over the 2097152-byte limit/],
    ['html', /answered text\/html instead of application\/vnd\.ipld\.raw/],
  ] as const) {
    it(`a gateway answering ${fault} is caught with a clear error and the next gateway is used`, async () => {
      const liar = await startCdn();
      liar.setBlockFault(fault);
      try {
        const problems: string[] = [];
        const alone = new CidVerifier(SAMPLE_CID, new BlockFetcher([liar.url]));
        await assert.rejects(alone.ready(), (error: unknown) => error instanceof BlockError && message.test(error.message));
        const verifier = new CidVerifier(SAMPLE_CID, new BlockFetcher([liar.url, cdn.url], (problem) => problems.push(problem)));
        assert.equal(await verifier.verify('480p/480p_1.ts', segment('480p/480p_1.ts')), 'ok');
        assert.ok(problems.length >= 1 && problems.every((problem) => message.test(problem)), problems.join('\n'));
      } finally {
        await liar.close();
      }
    });
  }
});
