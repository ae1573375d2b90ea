import { assert } from '@esm-bundle/chai';
import { DEFAULTS, iceServersOf, SpkP2pOptionsError, validateOptions } from '../../src/options.js';

describe('videojs-spk-p2p: options', () => {
  it('accepts the defaults and production-style options', () => {
    const options = validateOptions({ ...DEFAULTS, videoCid: 'QmX', trackerUrls: ['wss://signal.example/api/p2p/signal'] });
    assert.strictEqual(options.cdnFallbackDelay, 600);
    assert.deepEqual(DEFAULTS.trackerUrls, [], 'no public tracker by default');
    assert.strictEqual(DEFAULTS.persistentCache, true, 'the persistent cache is on unless opted out');
    assert.deepEqual(validateOptions({ ...DEFAULTS, persistentCache: { maxBytes: 1_000_000 } }).persistentCache, { maxBytes: 1_000_000 });
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
      [{ persistentCache: 'yes' }, /`persistentCache` must be a boolean or \{ maxBytes, databaseName \}/],
      [{ persistentCache: { maxBytes: -1 } }, /`persistentCache.maxBytes` must be a non-negative number of bytes/],
      [{ persistentCache: { databaseName: '' } }, /`persistentCache.databaseName` must be a non-empty string/],
    ];
    for (const [override, message] of cases) {
      assert.throws(() => validateOptions({ ...DEFAULTS, ...override }), SpkP2pOptionsError, message);
    }
  });

  it('builds ICE servers from STUN and TURN lists, empty when both are empty', () => {
    assert.deepEqual(iceServersOf({ ...DEFAULTS, stunServers: [], turnServers: [] }), []);
    const servers = iceServersOf({ ...DEFAULTS, stunServers: ['stun:a'], turnServers: [{ urls: 'turn:b', username: 'u', credential: 'c' }] });
    assert.deepEqual(servers, [{ urls: ['stun:a'] }, { urls: 'turn:b', username: 'u', credential: 'c' }]);
  });

  it('gives ICE servers the browser accepts as an RTCPeerConnection configuration', () => {
    const iceServers = iceServersOf({ ...DEFAULTS, stunServers: ['stun:127.0.0.1:3478'], turnServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }] });
    const connection = new RTCPeerConnection({ iceServers });
    try {
      assert.deepEqual(connection.getConfiguration().iceServers?.map((server) => server.urls), [['stun:127.0.0.1:3478'], ['turn:127.0.0.1:3478']]);
    } finally {
      connection.close();
    }
  });
});
