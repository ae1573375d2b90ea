/**
 * A video's swarms, run by p2p-media-loader-core itself (the version the plugin pins), so the
 * wire protocol, the swarm ids and the peer behaviour are the browsers' own. The seeder gives
 * the core the video's streams through the plugin's SegmentMap (same stream and segment ids),
 * a storage that answers from the disk cache (the plugin's LimitedSegmentStorage in front of its
 * CachedSegments, which checks every read against the CID), and never lets it download.
 *
 * The core joins a stream's swarm when it is asked for a segment of it, and keeps a swarm it
 * has left only for `p2pInactiveLoaderDestroyTimeoutMs`: the seeder asks for one held segment
 * of each stream (answered from storage) and sets that timeout as long as timers allow,
 * rejoining periodically.
 */
import type { Core as CoreType, CoreConfig } from 'p2p-media-loader-core';
import { Core, generateStreamShortId } from './core-module.js';
import { CachedSegments, LimitedSegmentStorage, SegmentMap, trackerUrlFor, type UploadLimiter } from 'videojs-spk-p2p/node';
import type { DiskCache } from './disk-cache.js';
import { errorMessage, type Logger } from './log.js';
import type { SeededVideo } from './video.js';

/** The longest delay Node timers take (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const REJOIN_INTERVAL_MS = 6 * 60 * 60 * 1000;
/** Peers running the plugin's defaults give up after ~1 s without bytes: a held request must answer sooner. */
const MAX_UPLOAD_HOLD_MS = 600;

export interface SwarmEvents {
  onUpload(bytes: number, peerId: string): void;
  onPeerConnect(peerId: string): void;
  onPeerClose(peerId: string): void;
  onCorrupt(cid: string, segment: string): void;
  onUploadRefused(): void;
}

export class VideoSwarm {
  private readonly core: CoreType;
  private readonly map: SegmentMap;
  private readonly storage: LimitedSegmentStorage;
  private readonly cached: CachedSegments;
  private readonly joined = new Set<string>();
  private readonly rejoinTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly video: SeededVideo,
    cache: DiskCache,
    signalUrl: string,
    secret: string,
    limiter: UploadLimiter,
    private readonly events: SwarmEvents,
    private readonly log: Logger,
  ) {
    const { cid } = video;
    this.storage = new LimitedSegmentStorage(1, limiter, events.onUploadRefused, MAX_UPLOAD_HOLD_MS);
    const config: Partial<CoreConfig> = {
      announceTrackers: [trackerUrlFor(signalUrl, cid, secret)],
      rtcConfig: { iceServers: [] },
      swarmId: cid,
      // A seeder only serves: every byte it holds came from a gateway, checked.
      simultaneousHttpDownloads: 0,
      simultaneousP2PDownloads: 0,
      p2pInactiveLoaderDestroyTimeoutMs: MAX_TIMER_MS,
      customSegmentStorageFactory: () => this.storage,
    };
    this.core = new Core(config);
    this.core.setManifestResponseUrl(video.masterUrl);
    this.map = new SegmentMap(this.core, generateStreamShortId);
    this.map.sync(video.main);
    this.cached = new CachedSegments({
      cache,
      videoCid: cid,
      masterUrl: video.masterUrl,
      verify: async (url, byteRange, data) => (byteRange ? 'unverifiable' : video.verifier.verify(this.pathOf(url), new Uint8Array(data))),
      segmentsOfStream: (streamKey) => this.map.segmentsOfStream(streamKey),
      onCorrupt: (segment) => events.onCorrupt(cid, segment),
    });
    this.storage.setBackingStore(this.cached);
    this.core.addEventListener('onChunkUploaded', events.onUpload);
    this.core.addEventListener('onPeerConnect', ({ peerId }) => events.onPeerConnect(peerId));
    this.core.addEventListener('onPeerClose', ({ peerId }) => events.onPeerClose(peerId));
    this.core.addEventListener('onTrackerWarning', (warning) => this.log.warn('signal server warning', { cid, warning: errorMessage(warning) }));
    this.core.addEventListener('onTrackerError', (error) => this.log.warn('signal server error', { cid, error: errorMessage(error) }));
    this.rejoinTimer = setInterval(() => this.joinAll(true), REJOIN_INTERVAL_MS);
    this.rejoinTimer.unref();
  }

  /** Whether a swarm is joined, and so the video's signal connection opened (one for all its streams). */
  get connected(): boolean {
    return this.joined.size > 0;
  }

  /** Joins the swarm of every stream that holds a segment; `again` refreshes swarms already joined. */
  joinAll(again = false): void {
    for (const playlist of [...(this.video.main?.playlists ?? []), ...this.audioPlaylists()]) {
      const segments = playlist.segments ?? [];
      const runtimeId = playlist.resolvedUri;
      if (runtimeId === undefined || (!again && this.joined.has(runtimeId))) continue;
      const held = segments.find((segment) => segment.resolvedUri !== undefined && this.cached.hasUrl(segment.resolvedUri, undefined));
      if (!held?.resolvedUri) continue;
      const mapped = this.map.find(held.resolvedUri, undefined);
      if (!mapped) continue;
      this.joined.add(runtimeId);
      this.core.loadSegment(mapped.segment.runtimeId, { onSuccess: () => undefined, onError: () => undefined }).catch((error: unknown) => {
        this.joined.delete(runtimeId);
        this.log.warn('could not join a swarm', { cid: this.video.cid, stream: runtimeId, error: errorMessage(error) });
      });
    }
  }

  /** The disk cache gained or lost a segment of this video: its stream's peers are told. */
  segmentChanged(path: string): void {
    const mapped = this.map.find(this.video.urlOf(path), undefined);
    if (!mapped) return;
    const stream = this.core.getStream(mapped.streamRuntimeId);
    if (!stream) return;
    this.storage.backingChanged(`v2-${this.video.cid}-${stream.type}-${stream.index}`);
    this.joinAll();
  }

  /** Tells every stream's peers what we hold (after the upload cap refused some of them). */
  announceAll(): void {
    for (const playlist of [...(this.video.main?.playlists ?? []), ...this.audioPlaylists()]) {
      const stream = playlist.resolvedUri === undefined ? undefined : this.core.getStream(playlist.resolvedUri);
      if (stream) this.storage.backingChanged(`v2-${this.video.cid}-${stream.type}-${stream.index}`);
    }
  }

  destroy(): void {
    clearInterval(this.rejoinTimer);
    this.core.destroy();
  }

  private pathOf(url: string): string {
    return this.cached.identityOf(url, undefined);
  }

  private audioPlaylists() {
    return Object.values(this.video.main?.mediaGroups?.AUDIO ?? {}).flatMap((group) => Object.values(group).flatMap((rendition) => rendition.playlists ?? []));
  }
}
