/**
 * The element's pure rules, without a browser: attribute parsing, CIDs and gateways, 3Speak
 * metadata, snippets and embed parameters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoplayConverter, onOffConverter, parseAspectRatio, parseSignalUrl, parseStartTime } from '../src/attributes.js';
import { SpkPlayerError } from '../src/errors.js';
import { parsePostRef, videoFromMetadata } from '../src/hive.js';
import { DEFAULT_GATEWAYS, cidFromUrl, gatewayUrl, isCid, parseGatewayList, parseIpfsPath } from '../src/ipfs.js';
import { checkSourceAttributes, resolveSource } from '../src/resolve-source.js';
import { buildEmbedSnippets } from '../src/snippet.js';
import { readEmbedParameters, readyMessage } from '../src/embed-params.js';

const CID = 'QmbZdiAs8BctWiWmcPdemMs8vD1Sjc3HBzpB5PdBBdrCve';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof SpkPlayerError ? error.code : `not an SpkPlayerError: ${String(error)}`;
  }
}

describe('attribute rules', () => {
  test('autoplay, on/off converters', () => {
    const fromAutoplay = (value: string | null) => autoplayConverter.fromAttribute?.(value, undefined);
    assert.equal(fromAutoplay(null), false);
    assert.equal(fromAutoplay(''), true);
    assert.equal(fromAutoplay('muted'), 'muted');
    assert.equal(fromAutoplay('false'), false);
    assert.equal(autoplayConverter.toAttribute?.('muted', undefined), 'muted');
    assert.equal(autoplayConverter.toAttribute?.(false, undefined), null);
    const fromOnOff = (value: string | null) => onOffConverter.fromAttribute?.(value, undefined);
    assert.equal(fromOnOff(null), true);
    assert.equal(fromOnOff('off'), false);
    assert.equal(fromOnOff('0'), false);
    assert.equal(fromOnOff(''), true);
    assert.equal(onOffConverter.toAttribute?.(false, undefined), 'off');
  });

  test('start-time, aspect-ratio and signal', () => {
    assert.equal(parseStartTime('90'), 90);
    assert.equal(parseStartTime('1:30'), 90);
    assert.equal(parseStartTime('1:02:03'), 3723);
    assert.equal(parseStartTime(null), 0);
    assert.equal(codeOf(() => parseStartTime('soon')), 'invalid-attribute');
    assert.equal(parseAspectRatio('9:16'), '9 / 16');
    assert.equal(parseAspectRatio('1.5'), '1.5');
    assert.equal(parseAspectRatio(null), '16 / 9');
    assert.equal(codeOf(() => parseAspectRatio('0:9')), 'invalid-attribute');
    assert.equal(parseSignalUrl('wss://signal.example/api/p2p/signal'), 'wss://signal.example/api/p2p/signal');
    assert.equal(codeOf(() => parseSignalUrl('https://signal.example/')), 'invalid-attribute');
  });
});

describe('IPFS and gateways', () => {
  test('recognises CIDs and IPFS paths', () => {
    assert.ok(isCid(CID));
    assert.ok(isCid('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'));
    assert.ok(!isCid('Qm123'));
    assert.ok(!isCid(`${CID}<`));
    assert.deepEqual(parseIpfsPath(`ipfs://${CID}/manifest.m3u8`), { cid: CID, path: 'manifest.m3u8' });
    assert.deepEqual(parseIpfsPath(`${CID}/default.m3u8`), { cid: CID, path: 'default.m3u8' });
    assert.deepEqual(parseIpfsPath(`ipfs://${CID}/../x`), { cid: CID, path: 'x' });
    assert.equal(parseIpfsPath(`ipfs://${CID}/a"b`), null);
  });

  test('gateway lists default to 3Speak fallback order and accept /ipfs suffixes', () => {
    assert.deepEqual(parseGatewayList(null), [...DEFAULT_GATEWAYS]);
    assert.equal(DEFAULT_GATEWAYS[0], 'https://ipfs-3speak.b-cdn.net');
    assert.deepEqual(parseGatewayList('https://a.example/ipfs, http://127.0.0.1:8080/'), ['https://a.example', 'http://127.0.0.1:8080']);
    assert.throws(() => parseGatewayList('ftp://x'), /not an http/);
    assert.equal(gatewayUrl('https://a.example', { cid: CID, path: 'manifest.m3u8' }), `https://a.example/ipfs/${CID}/manifest.m3u8`);
  });

  test('source attributes are checked before any request', () => {
    assert.equal(codeOf(() => checkSourceAttributes({})), 'no-source');
    assert.equal(codeOf(() => checkSourceAttributes({ src: 'data:text/html,x' })), 'invalid-src');
    assert.equal(codeOf(() => checkSourceAttributes({ src: '/v/master.m3u8', baseUrl: 'http://127.0.0.1/' })), undefined);
    assert.equal(codeOf(() => checkSourceAttributes({ cid: 'nope' })), 'invalid-cid');
    assert.equal(codeOf(() => checkSourceAttributes({ cid: CID, gateway: 'nope' })), 'invalid-attribute');
    assert.equal(codeOf(() => checkSourceAttributes({ v: 'alice' })), 'invalid-v');
    assert.equal(codeOf(() => checkSourceAttributes({ v: 'alice/ok-1', hiveApi: 'ws://x' })), 'invalid-attribute');
  });
});

describe('3Speak metadata', () => {
  test('post references', () => {
    assert.deepEqual(parsePostRef('@alice/abc-1'), { author: 'alice', permlink: 'abc-1' });
    assert.deepEqual(parsePostRef('https://3speak.tv/watch?v=alice/abc-1'), { author: 'alice', permlink: 'abc-1' });
    assert.deepEqual(parsePostRef('https://play.3speak.tv/embed?v=alice/abc-1&mode=iframe'), { author: 'alice', permlink: 'abc-1' });
    assert.equal(codeOf(() => parsePostRef('https://3speak.tv/watch')), 'invalid-v');
    assert.equal(codeOf(() => parsePostRef('Alice/abc')), 'invalid-v');
    assert.equal(codeOf(() => parsePostRef('alice/abc/def')), 'invalid-v');
  });

  test('prefers sourceMap, then video_v2, then the legacy ipfs field, then a top-level sourceMap', () => {
    const other = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
    const fromSourceMap = videoFromMetadata({
      image: ['https://img.example/t.jpg'],
      video: { info: { title: 'T', duration: 61.5, video_v2: `ipfs://${other}/manifest.m3u8`, sourceMap: [{ type: 'video', url: `ipfs://${CID}/manifest.m3u8` }] } },
    });
    assert.deepEqual(fromSourceMap.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'manifest.m3u8' } });
    assert.deepEqual(fromSourceMap.thumbnail, { kind: 'url', url: 'https://img.example/t.jpg' });
    assert.equal(fromSourceMap.title, 'T');
    assert.equal(fromSourceMap.durationSeconds, 61.5);
    const fromV2 = videoFromMetadata(JSON.stringify({ video: { info: { video_v2: `ipfs://${CID}/manifest.m3u8` } } }), 'Post title');
    assert.deepEqual(fromV2.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'manifest.m3u8' } });
    assert.equal(fromV2.title, 'Post title');
    const legacy = videoFromMetadata({ video: { info: { ipfs: `${CID}/default.m3u8`, ipfsThumbnail: `${other}/thumbnail.png` } } });
    assert.deepEqual(legacy.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'default.m3u8' } });
    assert.deepEqual(legacy.thumbnail, { kind: 'ipfs', ipfs: { cid: other, path: 'thumbnail.png' } });
    const topLevel = videoFromMetadata({ sourceMap: [{ type: 'video', url: `ipfs://${CID}` }] });
    assert.deepEqual(topLevel.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'manifest.m3u8' } });
  });

  test('a post without a video is not-a-video, and non-http thumbnails are ignored', () => {
    assert.equal(codeOf(() => videoFromMetadata({ app: 'peakd', image: [] })), 'not-a-video');
    assert.equal(codeOf(() => videoFromMetadata('not json')), 'not-a-video');
    assert.equal(codeOf(() => videoFromMetadata({ video: { info: { video_v2: 'javascript:alert(1)' } } })), 'not-a-video');
    const video = videoFromMetadata({ image: ['javascript:alert(1)'], video: { info: { video_v2: `ipfs://${CID}/manifest.m3u8` } } });
    assert.equal(video.thumbnail, undefined);
  });
});

describe('snippets and embed parameters', () => {
  const urls = { scriptUrl: 'https://cdn.example/spk-player.js', embedUrl: 'https://cdn.example/embed.html', oembedEndpoint: 'https://signal.example/oembed' };

  test('builds the tag, the iframe and the oEmbed URL', () => {
    const snippets = buildEmbedSnippets({ v: 'alice/abcdefgh', ...urls });
    assert.equal(
      snippets.tag,
      '<script type="module" src="https://cdn.example/spk-player.js"></script>\n<spk-player v="alice/abcdefgh" loading="lazy"></spk-player>',
    );
    assert.equal(snippets.embedPageUrl, 'https://cdn.example/embed.html?v=alice/abcdefgh');
    assert.match(snippets.iframe, /^<iframe src="https:\/\/cdn\.example\/embed\.html\?v=alice\/abcdefgh" width="640" height="360" /);
    assert.equal(snippets.oembedUrl, 'https://signal.example/oembed?url=https%3A%2F%2Fcdn.example%2Fembed.html%3Fv%3Dalice%2Fabcdefgh&format=json');
    assert.ok(buildEmbedSnippets({ cid: CID, ...urls }).tag.includes(`cid="${CID}"`));
    assert.equal(buildEmbedSnippets({ v: 'https://3speak.tv/watch?v=alice/abcdefgh', ...urls }).embedPageUrl, 'https://cdn.example/embed.html?v=alice/abcdefgh');
  });

  test('refuses values that are not a video reference (nothing reaches the HTML)', () => {
    assert.throws(() => buildEmbedSnippets({ v: '"><script>alert(1)</script>/x', ...urls }));
    assert.throws(() => buildEmbedSnippets({ cid: '"><b>', ...urls }));
    assert.throws(() => buildEmbedSnippets({ ...urls }));
  });

  test('reads 3Speak embed parameters', () => {
    const params = readEmbedParameters('?v=alice/abcdefgh&autoplay=yes&mode=iframe&layout=mobile&noscroll=1&t=12');
    assert.equal(params.v, 'alice/abcdefgh');
    assert.equal(params.autoplay, true);
    assert.equal(params.minimal, true);
    assert.equal(params.layout, 'mobile');
    assert.equal(params.noscroll, true);
    assert.equal(params.startTime, '12');
    assert.equal(params.p2p, true);
    const plain = readEmbedParameters('?cid=x&layout=weird&p2p=0');
    assert.equal(plain.autoplay, false);
    assert.equal(plain.layout, 'desktop');
    assert.equal(plain.p2p, false);
  });

  test('ready message matches 3Speak player fields', () => {
    assert.deepEqual(readyMessage(854, 480, readEmbedParameters('?v=alice/abcdefgh')), {
      type: '3speak-player-ready',
      isVertical: false,
      width: 854,
      height: 480,
      aspectRatio: 1.779,
      orientation: 'landscape',
      v: 'alice/abcdefgh',
    });
    assert.equal(readyMessage(720, 1280, readEmbedParameters('?cid=x')).orientation, 'portrait');
  });
});

describe('the swarm CID a src names', () => {
  const V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
  test('path and subdomain gateways name their CID; other URLs none', () => {
    assert.equal(cidFromUrl(`https://gw.example/ipfs/${CID}/manifest.m3u8`), CID);
    assert.equal(cidFromUrl(`https://gw.example/base/ipfs/${CID}/480p/index.m3u8?token=x`), CID);
    assert.equal(cidFromUrl(`https://${V1}.ipfs.dweb.link/manifest.m3u8`), V1);
    assert.equal(cidFromUrl('https://cdn.example/media/manifest.m3u8'), undefined);
    assert.equal(cidFromUrl('https://gw.example/ipfs/not-a-cid/manifest.m3u8'), undefined);
    assert.equal(cidFromUrl('not a url'), undefined);
  });

  test('a relative or protocol-relative src resolves against the page and keeps its CID', async () => {
    const base = 'https://site.example/blog/post.html';
    const relative = await resolveSource({ src: `../ipfs/${CID}/manifest.m3u8`, baseUrl: base });
    assert.deepEqual(relative.candidates, [`https://site.example/ipfs/${CID}/manifest.m3u8`]);
    assert.equal(relative.videoCid, CID);
    const protocolRelative = await resolveSource({ src: `//gw.example/ipfs/${CID}/manifest.m3u8`, baseUrl: base });
    assert.deepEqual(protocolRelative.candidates, [`https://gw.example/ipfs/${CID}/manifest.m3u8`]);
    assert.equal(protocolRelative.videoCid, CID);
    assert.equal((await resolveSource({ src: '/media/manifest.m3u8', baseUrl: base })).videoCid, undefined);
  });
});
