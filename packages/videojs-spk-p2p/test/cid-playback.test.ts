import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUnixfsDag } from '../../../demo/media/unixfs-dag.js';
import { SAMPLE_DIR } from '../../../demo/media/sample.js';
import { manifestUrl, openPlayer, p2pOptions, type PlayerPage, startTestCdn, useBrowserFixture, waitFor, waitForEnd } from './support.js';

/**
 * The sample as a real upload has it: the video's files and nothing else (no segments-sha256.json),
 * so its CID is the only source of trust. Returns the media root and the folder's kubo-v0 CID.
 */
async function cidOnlyMediaRoot(): Promise<{ root: string; cid: string }> {
  const root = mkdtempSync(join(tmpdir(), 'spk-cid-only-'));
  const staging = join(root, 'staging');
  cpSync(SAMPLE_DIR, staging, { recursive: true, filter: (path) => !path.endsWith('segments-sha256.json') });
  const { rootCid } = await buildUnixfsDag(staging, 'kubo-v0');
  cpSync(staging, join(root, 'ipfs', rootCid), { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  return { root, cid: rootCid };
}

describe('videojs-spk-p2p: a video known only by its CID plays over P2P, every peer byte checked', () => {
  const fixture = useBrowserFixture({ latencyMs: 20 });

  it('two viewers, no sha256 map: peer segments verified against the CID through the local gateway, none unverified reaches VHS', async () => {
    const { browser, tracker } = fixture;
    const media = await cidOnlyMediaRoot();
    const cdn = await startTestCdn({ root: media.root, latencyMs: 20 });
    let first: PlayerPage | undefined;
    let second: PlayerPage | undefined;
    try {
      const noMap = await fetch(`${cdn.url}/ipfs/${media.cid}/segments-sha256.json`);
      assert.equal(noMap.status, 404, 'the video has no sha256 map');
      const pageUrl = `${cdn.url}/pages/player.html`;
      // Default policy (`auto`) and default map location: the CID is what makes P2P possible.
      const options = p2pOptions(tracker.url, { videoCid: media.cid });
      first = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'cid-a', media.cid), options, rate: 2 });
      const a = first;
      await waitFor(async () => (await a.state()).currentTime >= 24, 40_000, 'first viewer at 24 s');
      second = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'cid-b', media.cid), options, rate: 2 });
      const end = await waitForEnd(second, 90_000);
      const stats = end.stats;
      console.log('CID-only viewer', JSON.stringify(stats));

      assert.deepEqual(end.errors, []);
      assert.deepEqual(end.stalls, []);
      assert.equal(stats.verification.source, 'cid', 'checked against the CID, not a map');
      assert.ok(stats.p2pBytes > 0, 'bytes came from the peer');
      assert.ok(stats.verification.peerChecked > 0);
      assert.equal(stats.verification.peerVerified, stats.verification.peerChecked, 'every peer segment received passed the CID check');
      assert.equal(stats.verification.peerRejected, 0);
      assert.equal(stats.integrityFailures, 0);
      const fromPeers = (await second.events('segmentloaded')).filter((event) => event.source === 'p2p');
      assert.equal(fromPeers.length, stats.segments.p2p);
      assert.ok(fromPeers.length > 0 && fromPeers.length <= stats.verification.peerVerified);
      assert.deepEqual(fromPeers.filter((event) => event.verifiedBy !== 'cid').map((event) => event.url), [], 'no unverified peer segment reached VHS');
      // Directory and file root blocks only, from the same local gateway: well under 1 % of the media.
      assert.ok(stats.verification.blockBytes > 0, 'blocks came from the gateway');
      assert.ok(stats.verification.blockBytes < (stats.p2pBytes + stats.cdnBytes) * 0.01, `${stats.verification.blockBytes} block bytes for ${stats.p2pBytes + stats.cdnBytes} media bytes`);
      assert.ok(cdn.bytesServed().blockRequests > 0);
      assert.ok(stats.verification.checkMs.p50 !== null);
      assert.deepEqual(await second.events('integrityproblem'), []);
    } finally {
      await second?.close();
      await first?.close();
      await cdn.close();
      rmSync(media.root, { recursive: true, force: true });
    }
  });
});
