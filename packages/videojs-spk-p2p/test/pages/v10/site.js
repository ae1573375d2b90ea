// A Video.js 10 page with P2P from videojs-spk-p2p/hlsjs, as the README's recipe writes it.
// The test passes source, CID and tracker in the query string and reads back what was recorded.
import { attachToVideojs10 } from '../../dist/videojs-spk-p2p-hlsjs.es.js';
import '../stall-watch.js';

const query = new URLSearchParams(location.search);
const rate = Number(query.get('rate') ?? 1);
await customElements.whenDefined('hls-video');
const media = document.querySelector('hls-video');
const record = { segments: [], peers: [], errors: [], stalls: [], ended: false, startupMs: null, stats: null };

const p2p = attachToVideojs10(media, {
  masterUrl: query.get('src'),
  videoCid: query.get('cid'),
  trackerUrls: [query.get('tracker')],
  stunServers: [],
  // Renditions sized to the player, as VHS picks them (Video.js 10's default too).
  hlsJs: { capLevelToPlayerSize: true },
});
p2p.addEventListener('segmentloaded', (event) => record.segments.push({ at: performance.now(), ...event.detail }));
p2p.addEventListener('peerconnect', (event) => record.peers.push(event.detail.peerId));
p2p.addEventListener('stats', (event) => { record.stats = event.detail; });

window.spkWatchStalls(media, record.stalls);
media.addEventListener('ended', () => { record.ended = true; });
media.addEventListener('error', () => record.errors.push(String(media.error?.message ?? 'media error')));
media.addEventListener('loadedmetadata', () => { media.playbackRate = rate; });
const requestedAt = performance.now();
media.addEventListener('playing', () => { record.startupMs ??= performance.now() - requestedAt; }, { once: true });

window.hlsSite = { p2p, state: () => ({ ...record, stats: p2p.stats(), currentTime: media.currentTime }) };
