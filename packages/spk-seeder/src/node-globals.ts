/**
 * p2p-media-loader-core is written for browsers: it calls `window.setTimeout`, `window.fetch`
 * and reads `navigator.userAgent` (Node 20 has neither global). WebRTC and WebSocket need
 * nothing here: under Node its tracker client takes them from webrtc-polyfill (node-datachannel)
 * and `ws`. Imported before the core is loaded.
 */
const scope = globalThis as { window?: unknown; navigator?: unknown };
scope.window ??= globalThis;
scope.navigator ??= { userAgent: 'spk-seeder (Node.js)' };
export {};
