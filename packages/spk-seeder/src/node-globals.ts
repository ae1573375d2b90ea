/**
 * p2p-media-loader-core is written for browsers: it calls `window.setTimeout` and `window.fetch`
 * and reads `navigator.userAgent` (Node 20 has neither global). A small `window` with just those
 * is given, not `globalThis`, so libraries that look for a page (bittorrent-tracker reads
 * `window.location`) see a page that is not on https. WebRTC and WebSocket need nothing here:
 * under Node its tracker client takes them from webrtc-polyfill (node-datachannel) and `ws`.
 * Imported before the core is loaded.
 */
const scope = globalThis as { window?: unknown; navigator?: unknown };
scope.window ??= {
  setTimeout: globalThis.setTimeout.bind(globalThis),
  clearTimeout: globalThis.clearTimeout.bind(globalThis),
  fetch: globalThis.fetch.bind(globalThis),
  location: { protocol: 'file:' },
};
scope.navigator ??= { userAgent: 'spk-seeder (Node.js)' };
export {};
