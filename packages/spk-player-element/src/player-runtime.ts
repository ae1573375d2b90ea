/**
 * The heavy part, loaded only when a player is about to start: Video.js (with VHS) and its
 * stylesheet. The element imports this module dynamically so a page pays for it only when a
 * video comes near the viewport.
 */
import videojs from 'video.js';
import videojsCss from 'video.js/dist/video-js.css';
import type { VjsFactory } from './videojs-types.js';
import { standardSelectorOf } from './early-start.js';

// The full stylesheet embeds the icon font, which a shadow root cannot use (@font-face is
// ignored there); we render Video.js's SVG icons instead, so the font is dropped at build time.
export const videoJsStyles: string = videojsCss;

// Video.js's published typings type `options` as `any` and its player class loosely; the
// narrow VjsPlayer interface describes what we call.
export const createVideoJs = videojs as unknown as VjsFactory;

// Hands the early fetch (started by the entry, see early-fetch.ts) to VHS; it is needed only
// once Video.js is here, so it travels with it instead of growing the entry.
export { attachEarlyFetch } from './early-start.js';
export const vhsPlaylistSelector = standardSelectorOf(videojs);
