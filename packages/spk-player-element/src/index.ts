/**
 * Entry of the `spk-player` bundle: defines `<spk-player>` and `<spk-embed-snippet>`.
 * Video.js and the P2P plugin are loaded on demand by the element, not by this module.
 */
import { SpkPlayer } from './spk-player.js';
import { SpkEmbedSnippet } from './snippet-element.js';

export { SpkPlayer, SpkEmbedSnippet };
export type { SpkPlayerState, SpkSourceDetail, SpkP2pUnavailableDetail, SpkErrorDetail } from './spk-player.js';
export type { SpkP2pStats } from './videojs-types.js';
export { SpkPlayerError, type SpkErrorCode } from './errors.js';
export { DEFAULT_SIGNAL_URL, DEFAULT_GATEWAYS, DEFAULT_HIVE_API_NODES } from './defaults.js';
export { buildEmbedSnippets, type EmbedSnippets, type SnippetOptions } from './snippet.js';

function define(name: string, constructor: CustomElementConstructor): void {
  // A page may load the bundle twice (two widgets): defining twice would throw.
  if (!customElements.get(name)) customElements.define(name, constructor);
}

define('spk-player', SpkPlayer);
define('spk-embed-snippet', SpkEmbedSnippet);
