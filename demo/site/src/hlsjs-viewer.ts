/**
 * The benchmark's other kind of viewer: an SPK site built on hls.js with p2p-media-loader-hlsjs
 * 2.3.1, configured as the plugin README's "Sharing swarms with hls.js sites" says (tracker URL
 * with ?cid=, swarmId = CID, no STUN on loopback). Same query string and the same
 * `window.spkViewer` report as viewer.html, so `bench:swarm --mix hlsjs` measures both alike.
 */
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import { epochNow } from './videojs-global.js';
import { parseViewerOptions } from './viewer-options.js';
import type { SegmentRecord, StatsSample, ViewerReport } from './viewer-report.js';

const STALL_MIN_POSITION_S = 0.1;

/**
 * `?schedule=spk`: the core's timing as our plugin sets it (README "Sharing swarms with hls.js
 * sites"), instead of p2p-media-loader's stock schedule.
 */
const SPK_SCHEDULE = {
  highDemandTimeWindow: 5,
  httpDownloadTimeWindow: 60,
  p2pDownloadTimeWindow: 120,
  httpDownloadInitialTimeoutMs: 800,
  p2pErrorRetries: 1,
  p2pNotReceivingBytesTimeoutMs: 600,
};

function heightOf(url: string): number | undefined {
  const match = /\/(\d+)p\//.exec(url);
  return match ? Number(match[1]) : undefined;
}

function start(video: HTMLVideoElement): () => ViewerReport {
  const options = parseViewerOptions(location.search);
  const trackers = options.trackerUrls.map((url) => {
    const tracker = new URL(url);
    if (options.cid) tracker.searchParams.set('cid', options.cid);
    return tracker.toString();
  });
  const segments: SegmentRecord[] = [];
  const peerConnects: { at: number; peerId: string }[] = [];
  const timeline: StatsSample[] = [];
  const stalls: number[] = [];
  const errors: string[] = [];
  const renditions: number[] = [];
  const peers = new Set<string>();
  /** What the engine last fetched each segment URL with: hls.js's own events do not say. */
  const loadedBy = new Map<string, { source: 'p2p' | 'cdn'; peerId: string | undefined }>();
  const startedAt = epochNow();
  let firstFrameAt: number | null = null;
  let discoveryMs: number | null = null;
  let uploadedBytes = 0;
  let ended = false;
  let waitingSince: number | undefined;

  const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
  const hls = new HlsWithP2P({
    p2p: {
      core: {
        isP2PDisabled: !options.p2p,
        ...(options.cid ? { swarmId: options.cid } : {}),
        announceTrackers: trackers,
        rtcConfig: { iceServers: [] },
        ...(new URLSearchParams(location.search).get('schedule') === 'spk' ? SPK_SCHEDULE : {}),
      },
      onHlsJsCreated(instance) {
        const engine = instance.p2pEngine;
        engine.addEventListener('onSegmentLoaded', ({ segmentUrl, downloadSource, peerId }) => {
          loadedBy.set(segmentUrl, { source: downloadSource === 'p2p' ? 'p2p' : 'cdn', peerId });
        });
        engine.addEventListener('onPeerConnect', ({ peerId }) => {
          peers.add(peerId);
          discoveryMs ??= epochNow() - startedAt;
          peerConnects.push({ at: epochNow(), peerId });
        });
        engine.addEventListener('onPeerClose', ({ peerId }) => peers.delete(peerId));
        engine.addEventListener('onChunkUploaded', (bytes) => {
          uploadedBytes += bytes;
        });
      },
    },
  });
  hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
    // One rendition for everyone, as viewer.html pins VHS: the offload maths needs it.
    const index = data.levels.findIndex((level) => level.height === options.pinHeight);
    if (options.pinHeight > 0 && index >= 0) hls.currentLevel = index;
  });
  hls.on(Hls.Events.FRAG_LOADED, (_event, { frag }) => {
    const by = loadedBy.get(frag.url) ?? { source: 'cdn' as const, peerId: undefined };
    const loading = frag.stats.loading;
    segments.push({
      at: epochNow(),
      source: by.source,
      bytes: frag.stats.total,
      url: frag.url,
      durationMs: Math.max(0, loading.end - loading.start),
      ...(by.peerId ? { peerId: by.peerId } : {}),
    });
    const height = heightOf(frag.url);
    if (height !== undefined && !renditions.includes(height)) renditions.push(height);
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) errors.push(`${data.type}: ${data.details}`);
  });

  const bytesOf = (source: 'p2p' | 'cdn') => segments.filter((segment) => segment.source === source).reduce((sum, segment) => sum + segment.bytes, 0);
  const stats = () => {
    const p2pBytes = bytesOf('p2p');
    const cdnBytes = bytesOf('cdn');
    const none = { p50: null, p95: null };
    return {
      mode: options.p2p ? ('p2p' as const) : ('disabled' as const),
      p2pBytes,
      cdnBytes,
      p2pRatio: p2pBytes + cdnBytes > 0 ? p2pBytes / (p2pBytes + cdnBytes) : 0,
      uploadedBytes,
      peers: peers.size,
      discoveryMs,
      latency: { p2p: none, cdn: none, cache: none },
      segments: { p2p: segments.filter((s) => s.source === 'p2p').length, cdn: segments.filter((s) => s.source === 'cdn').length, cache: 0 },
      integrityFailures: 0,
      uploadsRefused: 0,
      uploadBlocks: 0,
      cdnFallbacks: 0,
      cacheBytes: 0,
      // hls.js's own loader picks no gateway: there is no ranking to show.
      gateways: [],
      gatewayHedges: 0,
      // This stock hls.js page checks nothing itself (p2p-media-loader has no verifier of its own).
      verification: { source: 'off' as const, peerChecked: 0, peerVerified: 0, peerRejected: 0, httpChecked: 0, httpRejected: 0, blockBytes: 0, checkMs: { p50: null, p95: null } },
    };
  };
  setInterval(() => {
    const now = stats();
    timeline.push({ at: epochNow(), p2pBytes: now.p2pBytes, cdnBytes: now.cdnBytes, uploadedBytes: now.uploadedBytes, peers: now.peers });
  }, 1000);

  video.requestVideoFrameCallback(() => {
    firstFrameAt ??= epochNow();
  });
  video.addEventListener('waiting', () => {
    if (firstFrameAt !== null && video.currentTime > STALL_MIN_POSITION_S && !video.ended) waitingSince ??= epochNow();
  });
  const onProgress = () => {
    if (waitingSince !== undefined && !video.paused && video.readyState >= 3) {
      stalls.push(epochNow() - waitingSince);
      waitingSince = undefined;
    }
  };
  video.addEventListener('playing', onProgress);
  video.addEventListener('timeupdate', onProgress);
  video.addEventListener('ended', () => {
    ended = true;
  });
  video.addEventListener('loadedmetadata', () => {
    video.playbackRate = options.rate;
  });
  hls.attachMedia(video);
  hls.loadSource(options.src);
  if (options.autoplay) video.play().catch((error: unknown) => errors.push(`play() refused: ${String(error)}`));

  return () => ({
    label: options.label,
    p2p: options.p2p,
    startedAt,
    ttffMs: firstFrameAt === null ? null : firstFrameAt - startedAt,
    stalls: waitingSince === undefined ? [...stalls] : [...stalls, epochNow() - waitingSince],
    ended,
    currentTime: video.currentTime,
    errors: [...errors],
    renditions: [...renditions],
    segments: [...segments],
    peerConnects: [...peerConnects],
    timeline: [...timeline],
    stats: stats(),
  });
}

const video = document.querySelector('video');
if (video) {
  try {
    const report = start(video);
    window.spkViewer = {
      report,
      status: () => {
        const now = report();
        return { ended: now.ended, errors: now.errors.length, currentTime: now.currentTime, segments: now.segments.length };
      },
      segmentFetches: () => [],
    };
  } catch (error) {
    window.spkViewerError = String(error);
  }
}
