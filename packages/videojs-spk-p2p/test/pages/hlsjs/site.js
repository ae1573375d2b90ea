// An SPK site built the blueprint's way: hls.js with p2p-media-loader-hlsjs, configured only
// as the plugin README's "hls.js sites" section says (tracker URL with ?cid=, swarmId = CID,
// the site's ICE servers). The test passes source, CID and tracker in the query string and
// reads back what the engine reported.
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import '../stall-watch.js';

const query = new URLSearchParams(location.search);
const src = query.get('src');
const cid = query.get('cid');
const tracker = new URL(query.get('tracker'));
tracker.searchParams.set('cid', cid);
const rate = Number(query.get('rate') ?? 1);

const record = { segments: [], peers: [], errors: [], stalls: [], ended: false, startupMs: null };
const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
const hls = new HlsWithP2P({
  // Renditions sized to the player, as VHS picks them: the same rendition means the same swarm.
  capLevelToPlayerSize: true,
  p2p: {
    core: {
      swarmId: cid,
      announceTrackers: [tracker.toString()],
      rtcConfig: { iceServers: [] },
    },
    onHlsJsCreated(instance) {
      instance.p2pEngine.addEventListener('onSegmentLoaded', ({ bytesLength, downloadSource, peerId, segmentUrl, streamType }) => {
        record.segments.push({ at: performance.now(), bytes: bytesLength, source: downloadSource, peerId, url: segmentUrl, streamType });
      });
      instance.p2pEngine.addEventListener('onPeerConnect', ({ peerId }) => record.peers.push(peerId));
    },
  },
});
const video = document.getElementById('v');
hls.on(Hls.Events.ERROR, (_event, data) => {
  if (data.fatal) record.errors.push(`${data.type}: ${data.details}`);
});
window.spkWatchStalls(video, record.stalls);
video.addEventListener('ended', () => { record.ended = true; });
const requestedAt = performance.now();
video.addEventListener('playing', () => { record.startupMs ??= performance.now() - requestedAt; }, { once: true });
video.addEventListener('loadedmetadata', () => { video.playbackRate = rate; });
hls.attachMedia(video);
hls.loadSource(src);
void video.play().catch((error) => record.errors.push(String(error)));

window.hlsSite = {
  hls,
  state: () => ({ ...record, currentTime: video.currentTime }),
};
