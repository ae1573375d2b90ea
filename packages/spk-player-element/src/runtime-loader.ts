/**
 * Loads the heavy parts on demand, once per page: Video.js with its stylesheet, and the P2P
 * plugin. Every <spk-player> on a page shares them.
 */
import type { VjsFactory } from './videojs-types.js';
import type { attachEarlyFetch, PlaylistSelector } from './early-start.js';

export interface Runtime {
  createVideoJs: VjsFactory;
  videoJsStyles: string;
  attachEarlyFetch: typeof attachEarlyFetch;
  vhsPlaylistSelector: PlaylistSelector | undefined;
}

let runtimePromise: Promise<Runtime> | undefined;
let sheet: CSSStyleSheet | undefined;

export function loadRuntime(): Promise<Runtime> {
  runtimePromise ??= import('./player-runtime.js').catch((error: unknown) => {
    // Let a later retry fetch the chunk again instead of replaying the failure.
    runtimePromise = undefined;
    throw error;
  });
  return runtimePromise;
}

/** Resolves once the `spkP2p` plugin is registered, or could not be (then the CDN serves alone). */
export async function loadP2pPlugin(): Promise<void> {
  try {
    await import('./p2p-runtime.js');
  } catch (error) {
    // Playing from the CDN beats not playing: P2P is an optimisation.
    console.warn('spk-player: the P2P plugin could not be loaded; playing from the CDN only.', error);
  }
}

/** One constructed stylesheet for all shadow roots of the page (adopted, not copied). */
export function videoJsSheet(text: string): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
  }
  return sheet;
}
