import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { SAMPLE_CID } from '../../../demo/media/sample.js';
import { cidOnlyMediaRoot, corruptedMediaRoot } from './media-fixtures.js';
import { cachedEntries, manifestUrl, openPlayer, p2pOptions, type PlayerPage, startTestCdn, useBrowserFixture, waitFor, waitForEnd } from './support.js';


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

  it('a CDN that sends altered segments: its bytes are rejected on the way in, refetched from the next gateway, and never reach a peer', async () => {
    const { browser, cdn, tracker } = fixture;
    const liarRoot = corruptedMediaRoot();
    const liar = await startTestCdn({ root: liarRoot, latencyMs: 20 });
    let fooled: PlayerPage | undefined;
    let joiner: PlayerPage | undefined;
    try {
      // The lying CDN is where the viewer's playlists and segments come from; the honest
      // gateway serves the CID's blocks and is the next place to get a segment from.
      fooled = await openPlayer(browser, {
        pageUrl: `${liar.url}/pages/player.html`,
        src: manifestUrl(liar, 'fooled', SAMPLE_CID),
        options: p2pOptions(tracker.url, { integrityUrl: false, ipfsGateways: [cdn.url] }),
        rate: 2,
      });
      const f = fooled;
      await waitFor(async () => (await f.state()).currentTime >= 24, 40_000, 'the fooled viewer at 24 s');
      joiner = await openPlayer(browser, {
        pageUrl: `${cdn.url}/pages/player.html`,
        src: manifestUrl(cdn, 'joiner-of-liar', SAMPLE_CID),
        options: p2pOptions(tracker.url, { integrityUrl: false }),
        rate: 2,
      });
      const [endF, endJ] = await Promise.all([waitForEnd(fooled, 90_000), waitForEnd(joiner, 90_000)]);
      console.log('fooled viewer', JSON.stringify(endF.stats));
      console.log('its peer', JSON.stringify(endJ.stats));

      assert.deepEqual(endF.errors, []);
      assert.deepEqual(endF.stalls, []);
      assert.equal(endF.stats.verification.source, 'cid');
      assert.ok(endF.stats.verification.httpRejected >= 1, 'altered CDN bytes were caught');
      const caught = await fooled.events('gatewayintegrityfailure');
      assert.ok(caught.length >= 1 && caught.every((event) => String(event.url).startsWith(liar.url)));
      // Every segment the engine gave VHS was refetched from the honest gateway after the lie.
      assert.ok((cdn.bytesServed().byClient.anonymous ?? 0) > 0, 'segments refetched from the next gateway');
      // One lying CDN does not poison the swarm: what the fooled viewer shared all passed the check.
      assert.equal(endJ.stats.verification.peerRejected, 0, 'no bad byte was shared');
      assert.equal(endJ.stats.integrityFailures, 0);
      assert.deepEqual(endJ.errors, []);
      assert.deepEqual(endJ.stalls, []);
    } finally {
      await joiner?.close();
      await fooled?.close();
      await liar.close();
      rmSync(liarRoot, { recursive: true, force: true });
    }
  });

  it('a CDN that alters only the first segment (fetched by VHS, before the verifier loads): checked once it has, the gateway reported, the segment never stored or offered to peers', async () => {
    const { browser, cdn, tracker } = fixture;
    const liarRoot = corruptedMediaRoot((file) => file.endsWith('_0.ts'));
    const liar = await startTestCdn({ root: liarRoot, latencyMs: 20 });
    let viewer: PlayerPage | undefined;
    try {
      viewer = await openPlayer(browser, {
        pageUrl: `${liar.url}/pages/player.html`,
        src: manifestUrl(liar, 'first-liar', SAMPLE_CID),
        options: p2pOptions(tracker.url, { integrityUrl: false, ipfsGateways: [cdn.url] }),
        rate: 2,
      });
      const v = viewer;
      const caught = await waitFor(async () => (await v.events('gatewayintegrityfailure')).find((event) => event.played === true), 30_000, 'the first segment to fail its check');
      assert.match(String(caught.url), /_0\.ts$/);
      assert.ok(String(caught.url).startsWith(liar.url), 'the lying CDN is named');
      // Later segments are kept in the persistent cache (what is offered to peers from it) once checked.
      const entries = await waitFor(async () => {
        const held = await cachedEntries(v.page);
        return held.some((entry) => /_[2-9]\.ts$/.test(entry.segment)) ? held : undefined;
      }, 40_000, 'later segments in the persistent cache');
      assert.deepEqual(entries.filter((entry) => entry.segment.endsWith('_0.ts')).map((entry) => entry.segment), [], 'the altered first segment was not stored');
      const end = await waitForEnd(viewer, 60_000);
      console.log('viewer of a CDN that altered the first segment', JSON.stringify(end.stats));
      assert.deepEqual(end.errors, []);
      assert.equal(end.stats.verification.source, 'cid');
      assert.ok(end.stats.verification.httpRejected >= 1);
      assert.ok(end.stats.verification.httpChecked > end.stats.verification.httpRejected, 'the other segments passed');
      assert.deepEqual((await cachedEntries(v.page)).filter((entry) => entry.segment.endsWith('_0.ts')).map((entry) => entry.segment), [], 'nor later');
    } finally {
      await viewer?.close();
      await liar.close();
      rmSync(liarRoot, { recursive: true, force: true });
    }
  });
});
