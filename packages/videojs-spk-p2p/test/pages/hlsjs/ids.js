// Parses one master playlist with both players and gives back, per playlist URL, the stream
// index each side hands the P2P core: p2p-media-loader-hlsjs's (read from its core after
// hls.js's MANIFEST_LOADED) and ours (stream-ids.ts applied to what VHS parsed).
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import { generateStreamShortId } from 'p2p-media-loader-core';
import { audioStreamProps, variantStreamProps } from '../../lib/stream-ids.js';

function hlsjsIds(src) {
  return new Promise((resolve, reject) => {
    const hls = new (HlsJsP2PEngine.injectMixin(Hls))({ autoStartLoad: false, p2p: { core: { swarmId: 'ids', announceTrackers: [] } } });
    hls.on(Hls.Events.ERROR, (_event, data) => { if (data.fatal) reject(new Error(data.details)); });
    // The engine subscribes only when hls.js creates its playlist loader, after this listener:
    // its streams exist once this dispatch is over.
    hls.on(Hls.Events.MANIFEST_LOADED, (_event, data) => queueMicrotask(() => {
      // The engine keeps its core private; reading it is the only way to see what it registered.
      const core = hls.p2pEngine.core;
      const ids = {};
      for (const { url } of [...data.levels, ...data.audioTracks]) {
        const stream = url ? core.getStream(url) : undefined;
        if (stream) ids[url] = `${stream.type}-${stream.index}`;
      }
      hls.destroy();
      resolve(ids);
    }));
    hls.loadSource(src);
  });
}

function vhsIds(src) {
  const player = window.videojs('player', { muted: true, preload: 'auto' });
  return new Promise((resolve, reject) => {
    player.on('error', () => reject(new Error(String(player.error()?.message))));
    player.on('loadedmetadata', () => {
      const main = player.tech(true).vhs.playlists.main;
      const ids = {};
      const variants = main.playlists.map((playlist) => playlist.attributes ?? {});
      for (const playlist of main.playlists) {
        ids[playlist.resolvedUri] = `main-${generateStreamShortId(variantStreamProps(playlist.attributes ?? {}))}`;
      }
      for (const [groupId, group] of Object.entries(main.mediaGroups?.AUDIO ?? {})) {
        for (const [name, rendition] of Object.entries(group)) {
          if (!rendition.resolvedUri) continue;
          ids[rendition.resolvedUri] = `secondary-${generateStreamShortId(audioStreamProps({ groupId, name, language: rendition.language }, variants))}`;
        }
      }
      resolve(ids);
    });
    player.src({ src, type: 'application/x-mpegURL' });
  });
}

window.streamIds = async (src) => ({ hlsjs: await hlsjsIds(src), ours: await vhsIds(src) });
window.idsReady = true;
