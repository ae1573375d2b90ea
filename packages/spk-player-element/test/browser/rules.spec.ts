/**
 * The element's rules, in Chromium: attribute parsing, CIDs and gateways, 3Speak
 * metadata, snippets and embed parameters.
 */
import { assert } from '@esm-bundle/chai';
import { autoplayConverter, onOffConverter, parseAspectRatio, parseSignalUrl, parseStartTime } from '../../src/attributes.js';
import { SpkPlayerError } from '../../src/errors.js';
import { parsePostRef, videoFromMetadata } from '../../src/hive.js';
import { DEFAULT_GATEWAYS, cidFromUrl, gatewayUrl, isCid, parseGatewayList, parseIpfsPath } from '../../src/ipfs.js';
import { checkSourceAttributes, resolveSource } from '../../src/resolve-source.js';
import { buildEmbedSnippets } from '../../src/snippet.js';
import { readEmbedParameters, readyMessage } from '../../src/embed-params.js';

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
  it('autoplay, on/off converters', () => {
    const fromAutoplay = (value: string | null) => autoplayConverter.fromAttribute?.(value, undefined);
    assert.strictEqual(fromAutoplay(null), false);
    assert.strictEqual(fromAutoplay(''), true);
    assert.strictEqual(fromAutoplay('muted'), 'muted');
    assert.strictEqual(fromAutoplay('false'), false);
    assert.strictEqual(autoplayConverter.toAttribute?.('muted', undefined), 'muted');
    assert.strictEqual(autoplayConverter.toAttribute?.(false, undefined), null);
    const fromOnOff = (value: string | null) => onOffConverter.fromAttribute?.(value, undefined);
    assert.strictEqual(fromOnOff(null), true);
    assert.strictEqual(fromOnOff('off'), false);
    assert.strictEqual(fromOnOff('0'), false);
    assert.strictEqual(fromOnOff(''), true);
    assert.strictEqual(onOffConverter.toAttribute?.(false, undefined), 'off');
  });

  it('start-time, aspect-ratio and signal', () => {
    assert.strictEqual(parseStartTime('90'), 90);
    assert.strictEqual(parseStartTime('1:30'), 90);
    assert.strictEqual(parseStartTime('1:02:03'), 3723);
    assert.strictEqual(parseStartTime(null), 0);
    assert.strictEqual(codeOf(() => parseStartTime('soon')), 'invalid-attribute');
    assert.strictEqual(parseAspectRatio('9:16'), '9 / 16');
    assert.strictEqual(parseAspectRatio('1.5'), '1.5');
    assert.strictEqual(parseAspectRatio(null), '16 / 9');
    assert.strictEqual(codeOf(() => parseAspectRatio('0:9')), 'invalid-attribute');
    assert.strictEqual(parseSignalUrl('wss://signal.example/api/p2p/signal'), 'wss://signal.example/api/p2p/signal');
    assert.strictEqual(codeOf(() => parseSignalUrl('https://signal.example/')), 'invalid-attribute');
  });
});

describe('IPFS and gateways', () => {
  it('recognises CIDs and IPFS paths', () => {
    assert.ok(isCid(CID));
    assert.ok(isCid('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'));
    assert.ok(!isCid('Qm123'));
    assert.ok(!isCid(`${CID}<`));
    assert.deepEqual(parseIpfsPath(`ipfs://${CID}/manifest.m3u8`), { cid: CID, path: 'manifest.m3u8' });
    assert.deepEqual(parseIpfsPath(`${CID}/default.m3u8`), { cid: CID, path: 'default.m3u8' });
    assert.deepEqual(parseIpfsPath(`ipfs://${CID}/../x`), { cid: CID, path: 'x' });
    assert.strictEqual(parseIpfsPath(`ipfs://${CID}/a"b`), null);
  });

  it('gateway lists default to 3Speak fallback order and accept /ipfs suffixes', () => {
    assert.deepEqual(parseGatewayList(null), [...DEFAULT_GATEWAYS]);
    assert.strictEqual(DEFAULT_GATEWAYS[0], 'https://ipfs-3speak.b-cdn.net');
    assert.deepEqual(parseGatewayList('https://a.example/ipfs, http://127.0.0.1:8080/'), ['https://a.example', 'http://127.0.0.1:8080']);
    assert.throws(() => parseGatewayList('ftp://x'), /not an http/);
    assert.strictEqual(gatewayUrl('https://a.example', { cid: CID, path: 'manifest.m3u8' }), `https://a.example/ipfs/${CID}/manifest.m3u8`);
  });

  it('source attributes are checked before any request', () => {
    assert.strictEqual(codeOf(() => checkSourceAttributes({})), 'no-source');
    assert.strictEqual(codeOf(() => checkSourceAttributes({ src: 'data:text/html,x' })), 'invalid-src');
    assert.strictEqual(codeOf(() => checkSourceAttributes({ src: '/v/master.m3u8', baseUrl: 'http://127.0.0.1/' })), undefined);
    assert.strictEqual(codeOf(() => checkSourceAttributes({ cid: 'nope' })), 'invalid-cid');
    assert.strictEqual(codeOf(() => checkSourceAttributes({ cid: CID, gateway: 'nope' })), 'invalid-attribute');
    assert.strictEqual(codeOf(() => checkSourceAttributes({ v: 'alice' })), 'invalid-v');
    assert.strictEqual(codeOf(() => checkSourceAttributes({ v: 'alice/ok-1', hiveApi: 'ws://x' })), 'invalid-attribute');
  });
});

describe('3Speak metadata', () => {
  it('post references', () => {
    assert.deepEqual(parsePostRef('@alice/abc-1'), { author: 'alice', permlink: 'abc-1' });
    assert.deepEqual(parsePostRef('https://3speak.tv/watch?v=alice/abc-1'), { author: 'alice', permlink: 'abc-1' });
    assert.deepEqual(parsePostRef('https://play.3speak.tv/embed?v=alice/abc-1&mode=iframe'), { author: 'alice', permlink: 'abc-1' });
    assert.strictEqual(codeOf(() => parsePostRef('https://3speak.tv/watch')), 'invalid-v');
    assert.strictEqual(codeOf(() => parsePostRef('Alice/abc')), 'invalid-v');
    assert.strictEqual(codeOf(() => parsePostRef('alice/abc/def')), 'invalid-v');
  });

  it('prefers sourceMap, then video_v2, then the legacy ipfs field, then a top-level sourceMap', () => {
    const other = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
    const fromSourceMap = videoFromMetadata({
      image: ['https://img.example/t.jpg'],
      video: { info: { title: 'T', duration: 61.5, video_v2: `ipfs://${other}/manifest.m3u8`, sourceMap: [{ type: 'video', url: `ipfs://${CID}/manifest.m3u8` }] } },
    });
    assert.deepEqual(fromSourceMap.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'manifest.m3u8' } });
    assert.deepEqual(fromSourceMap.thumbnail, { kind: 'url', url: 'https://img.example/t.jpg' });
    assert.strictEqual(fromSourceMap.title, 'T');
    assert.strictEqual(fromSourceMap.durationSeconds, 61.5);
    const fromV2 = videoFromMetadata(JSON.stringify({ video: { info: { video_v2: `ipfs://${CID}/manifest.m3u8` } } }), 'Post title');
    assert.deepEqual(fromV2.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'manifest.m3u8' } });
    assert.strictEqual(fromV2.title, 'Post title');
    const legacy = videoFromMetadata({ video: { info: { ipfs: `${CID}/default.m3u8`, ipfsThumbnail: `${other}/thumbnail.png` } } });
    assert.deepEqual(legacy.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'default.m3u8' } });
    assert.deepEqual(legacy.thumbnail, { kind: 'ipfs', ipfs: { cid: other, path: 'thumbnail.png' } });
    const topLevel = videoFromMetadata({ sourceMap: [{ type: 'video', url: `ipfs://${CID}` }] });
    assert.deepEqual(topLevel.location, { kind: 'ipfs', ipfs: { cid: CID, path: 'manifest.m3u8' } });
  });

  it('a post without a video is not-a-video, and non-http thumbnails are ignored', () => {
    assert.strictEqual(codeOf(() => videoFromMetadata({ app: 'peakd', image: [] })), 'not-a-video');
    assert.strictEqual(codeOf(() => videoFromMetadata('not json')), 'not-a-video');
    assert.strictEqual(codeOf(() => videoFromMetadata({ video: { info: { video_v2: 'javascript:alert(1)' } } })), 'not-a-video');
    const video = videoFromMetadata({ image: ['javascript:alert(1)'], video: { info: { video_v2: `ipfs://${CID}/manifest.m3u8` } } });
    assert.strictEqual(video.thumbnail, undefined);
  });
});

describe('snippets and embed parameters', () => {
  const urls = { scriptUrl: 'https://cdn.example/spk-player.js', embedUrl: 'https://cdn.example/embed.html', oembedEndpoint: 'https://signal.example/oembed' };

  it('builds the tag, the iframe and the oEmbed URL', () => {
    const snippets = buildEmbedSnippets({ v: 'alice/abcdefgh', ...urls });
    assert.strictEqual(
      snippets.tag,
      '<script type="module" src="https://cdn.example/spk-player.js"></script>\n<spk-player v="alice/abcdefgh" loading="lazy"></spk-player>',
    );
    assert.strictEqual(snippets.embedPageUrl, 'https://cdn.example/embed.html?v=alice/abcdefgh');
    assert.match(snippets.iframe, /^<iframe src="https:\/\/cdn\.example\/embed\.html\?v=alice\/abcdefgh" width="640" height="360" /);
    assert.strictEqual(snippets.oembedUrl, 'https://signal.example/oembed?url=https%3A%2F%2Fcdn.example%2Fembed.html%3Fv%3Dalice%2Fabcdefgh&format=json');
    assert.ok(buildEmbedSnippets({ cid: CID, ...urls }).tag.includes(`cid="${CID}"`));
    assert.strictEqual(buildEmbedSnippets({ v: 'https://3speak.tv/watch?v=alice/abcdefgh', ...urls }).embedPageUrl, 'https://cdn.example/embed.html?v=alice/abcdefgh');
  });

  it('refuses values that are not a video reference (nothing reaches the HTML)', () => {
    assert.throws(() => buildEmbedSnippets({ v: '"><script>alert(1)</script>/x', ...urls }));
    assert.throws(() => buildEmbedSnippets({ cid: '"><b>', ...urls }));
    assert.throws(() => buildEmbedSnippets({ ...urls }));
  });

  it('reads 3Speak embed parameters', () => {
    const params = readEmbedParameters('?v=alice/abcdefgh&autoplay=yes&mode=iframe&layout=mobile&noscroll=1&t=12');
    assert.strictEqual(params.v, 'alice/abcdefgh');
    assert.strictEqual(params.autoplay, true);
    assert.strictEqual(params.minimal, true);
    assert.strictEqual(params.layout, 'mobile');
    assert.strictEqual(params.noscroll, true);
    assert.strictEqual(params.startTime, '12');
    assert.strictEqual(params.p2p, true);
    const plain = readEmbedParameters('?cid=x&layout=weird&p2p=0');
    assert.strictEqual(plain.autoplay, false);
    assert.strictEqual(plain.layout, 'desktop');
    assert.strictEqual(plain.p2p, false);
  });

  it('ready message matches 3Speak player fields', () => {
    assert.deepEqual(readyMessage(854, 480, readEmbedParameters('?v=alice/abcdefgh')), {
      type: '3speak-player-ready',
      isVertical: false,
      width: 854,
      height: 480,
      aspectRatio: 1.779,
      orientation: 'landscape',
      v: 'alice/abcdefgh',
    });
    assert.strictEqual(readyMessage(720, 1280, readEmbedParameters('?cid=x')).orientation, 'portrait');
  });
});

describe('the swarm CID a src names', () => {
  const V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
  it('path and subdomain gateways name their CID; other URLs none', () => {
    assert.strictEqual(cidFromUrl(`https://gw.example/ipfs/${CID}/manifest.m3u8`), CID);
    assert.strictEqual(cidFromUrl(`https://gw.example/base/ipfs/${CID}/480p/index.m3u8?token=x`), CID);
    assert.strictEqual(cidFromUrl(`https://${V1}.ipfs.dweb.link/manifest.m3u8`), V1);
    assert.strictEqual(cidFromUrl('https://cdn.example/media/manifest.m3u8'), undefined);
    assert.strictEqual(cidFromUrl('https://gw.example/ipfs/not-a-cid/manifest.m3u8'), undefined);
    assert.strictEqual(cidFromUrl('not a url'), undefined);
  });

  it('a relative or protocol-relative src resolves against the page and keeps its CID', async () => {
    const base = 'https://site.example/blog/post.html';
    const relative = await resolveSource({ src: `../ipfs/${CID}/manifest.m3u8`, baseUrl: base });
    assert.deepEqual(relative.candidates, [`https://site.example/ipfs/${CID}/manifest.m3u8`]);
    assert.strictEqual(relative.videoCid, CID);
    const protocolRelative = await resolveSource({ src: `//gw.example/ipfs/${CID}/manifest.m3u8`, baseUrl: base });
    assert.deepEqual(protocolRelative.candidates, [`https://gw.example/ipfs/${CID}/manifest.m3u8`]);
    assert.strictEqual(protocolRelative.videoCid, CID);
    assert.strictEqual((await resolveSource({ src: '/media/manifest.m3u8', baseUrl: base })).videoCid, undefined);
  });
});
