/**
 * Hands the early fetch to VHS: request hooks answer the URLs fetched early, and the first
 * rendition pick is the one the early fetch started with (so its media playlist and first
 * segment are the ones VHS asks for). Every later pick is VHS's own.
 */
import type { EarlyFetch } from './early-fetch.js';
import { EarlyXhr } from './early-xhr.js';

interface VhsPlaylist {
  resolvedUri?: string;
  excludeUntil?: number;
}

export interface VhsStartHandle {
  xhr: { onRequest(hook: VhsRequestHook): void; offRequest(hook: VhsRequestHook): void };
  selectPlaylist?: (this: VhsStartHandle) => VhsPlaylist | undefined;
  playlists?: { main?: { playlists?: VhsPlaylist[] } };
}

export interface VhsRequestOptions {
  uri: string;
  xhr?: unknown;
  headers?: Record<string, string>;
}

export type VhsRequestHook = (options: VhsRequestOptions) => VhsRequestOptions;

export type PlaylistSelector = (this: VhsStartHandle) => VhsPlaylist | undefined;

/** VHS's own rendition pick, from the Video.js module (`videojs.Vhs`). */
export function standardSelectorOf(videojs: unknown): PlaylistSelector | undefined {
  return (videojs as { Vhs?: { STANDARD_PLAYLIST_SELECTOR?: PlaylistSelector } }).Vhs?.STANDARD_PLAYLIST_SELECTOR;
}

/** Wires `early` into this VHS instance; returns the hook's undo for a source change. */
export function attachEarlyFetch(vhs: VhsStartHandle, early: EarlyFetch, standardSelector: PlaylistSelector | undefined): () => void {
  const hook: VhsRequestHook = (options) => {
    // Another hook (the P2P engine) already answers it; a Range needs bytes we did not fetch.
    if (options.xhr || options.headers?.['Range']) return options;
    const response = early.take(options.uri);
    if (response) options.xhr = new EarlyXhr(response, options.uri);
    return options;
  };
  vhs.xhr.onRequest(hook);
  if (standardSelector) {
    let first = true;
    vhs.selectPlaylist = function (this: VhsStartHandle) {
      if (first) {
        first = false;
        const chosen = this.playlists?.main?.playlists?.find((playlist) => playlist.resolvedUri === early.mediaUrl && !playlist.excludeUntil);
        if (chosen) return chosen;
      }
      return standardSelector.call(this);
    };
  }
  return () => vhs.xhr.offRequest(hook);
}
