/**
 * p2p-media-loader-core's modules, loaded by file. Its `lib/index.js` re-exports a named export
 * of the CommonJS `debug` package, which Node's ESM loader cannot link, so the index is skipped
 * and the two modules the seeder uses are imported directly (by URL, which the package's exports
 * map does not govern). Same files, same version as the plugin's.
 */
import './node-globals.js';
import './ice-complete.js';

type CoreModule = typeof import('p2p-media-loader-core');

const lib = new URL('.', import.meta.resolve('p2p-media-loader-core'));
const [core, stream] = (await Promise.all([import(new URL('core.js', lib).href), import(new URL('utils/stream.js', lib).href)])) as [
  Pick<CoreModule, 'Core'>,
  Pick<CoreModule, 'generateStreamShortId'>,
];

/*
 * bittorrent-tracker's client demands a TCP `port` option outside browsers (for HTTP and UDP
 * trackers, which are not used here: the core announces to WebSocket trackers only) and the core
 * passes none. It reads `process.browser` for that one check; `debug` reads it too, but only when
 * it is first loaded, which the imports above have done.
 */
(process as { browser?: boolean }).browser = true;

export const Core = core.Core;
export const generateStreamShortId = stream.generateStreamShortId;
