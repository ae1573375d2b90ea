import videojs from 'video.js';
import type { Core, CoreConfig, PeerDetails, SegmentErrorDetails } from 'p2p-media-loader-core';
import type { SegmentVerifier } from './integrity/segment-verifier.js';
import { checkSegment, enableVerifiedP2P } from './integrity/p2p-gate.js';
import { DEFAULTS, iceServersOf, validateOptions, type ResolvedOptions, type SpkP2pOptions } from './options.js';
import { SegmentLoader, type CdnFallbackReason } from './segment-loader.js';
import { SegmentMap, type MappedSegment } from './segment-map.js';
import { LimitedSegmentStorage } from './segment-storage.js';
import { SegmentXhr } from './segment-xhr.js';
import { StatsCollector, type SegmentSource, type SpkP2pMode, type SpkP2pStats } from './stats.js';
import { createSessionSecret, peerIdToHex, reportUrlFor, trackerUrlFor } from './swarm.js';
import { UploadLimiter } from './upload-limiter.js';
import { ContributionReporter, contributionEndpointFor } from './contributions/index.js';
import { mseAvailable } from './mse.js';
import { OVERLAY_COMPONENT, registerOverlay } from './overlay.js';
import type { ComponentLike, PlayerLike, VhsHandle, VhsRequest, VhsRequestOptions, VhsResponse } from './videojs-types.js';

export const VERSION = '0.1.0';

/** Data of the `segmentloaded` event. */
export interface SegmentLoadedEvent {
  source: SegmentSource;
  bytes: number;
  url: string;
  peerId?: string;
  durationMs: number;
}

/** Data of the `cdnfallback` event: the plugin is fetching a segment the player waits on from the CDN. */
export interface CdnFallbackEvent {
  url: string;
  reason: CdnFallbackReason;
}

/*
 * Scheduling (defaults in options.ts `tuning`, seconds of media scaled by playback rate):
 * segments inside the high-demand window come from the CDN. Alone in the swarm there is nobody
 * to wait for, so the window is as deep as a normal player's buffer; with peers only the next
 * few seconds are urgent enough to force the CDN, peers prefetch far ahead, and random CDN
 * downloads of segments nobody has yet seed the swarm. Peers are usually found within a second
 * or two; until then the narrow window is kept, so a joining viewer does not fetch from the CDN
 * what its peers are about to offer.
 */
/** With a slow CDN (IPFS gateways can take seconds) the urgent window grows up to this. */
const HIGH_DEMAND_WINDOW_MAX_S = 15;
/**
 * VHS times a segment request out after 1.5 target durations and then drops to the lowest
 * rendition. A stand-in request may rightly wait longer (the core holds far-ahead segments until
 * peers have them), and the loader's watchdog already guarantees delivery before the buffer runs
 * dry, so VHS's own timeout is only kept as a last resort.
 */
const STAND_IN_TIMEOUT_MS = 60_000;
/**
 * Times the core retries a peer download of a segment before dropping that peer for it (core
 * default 3). Each retry of a silent peer waits a full cdnFallbackDelay, so with 3 a departed
 * peer delayed the CDN fallback by ~3 s in the swarm benchmark; with 1 it was ~0.6 s.
 */
const P2P_ERROR_RETRIES = 1;
/**
 * ms the core holds HTTP after it joins the swarm, so peers found meanwhile can serve the first
 * segments it is asked for (core default 0). The core joins while VHS fetches the first segment
 * itself, so this only delays prefetching, never the first frame; without it every joiner took
 * segment 1 from the CDN.
 */
const HTTP_INITIAL_TIMEOUT_MS = 800;

// The plugin base class is typed loosely by video.js; the subclass below supplies the real shape.
const PluginBase = videojs.getPlugin('plugin') as unknown as new (player: unknown) => {
  player: unknown;
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener?: (...args: unknown[]) => void): void;
  trigger(event: string, hash?: object): boolean;
  dispose(): void;
};

/**
 * Video.js advanced plugin `spkP2p`: serves VHS media segments through p2p-media-loader-core,
 * peers first and the CDN whenever peers cannot keep playback safe.
 */
export class SpkP2pPlugin extends PluginBase {
  static VERSION = VERSION;

  /** This page's secret for the signal server (reports, later contributions). */
  readonly session: string = createSessionSecret();
  readonly options: Readonly<ResolvedOptions>;
  /** Set when the options were rejected; the plugin then stays `disabled` and playback is untouched. */
  readonly optionsError: Error | undefined;

  private readonly vjsPlayer: PlayerLike;
  private mode_: SpkP2pMode;
  private readonly stats_ = new StatsCollector();
  private readonly limiter: UploadLimiter;
  private vhs: VhsHandle | undefined;
  private core: Core | undefined;
  private segmentLoader: SegmentLoader | undefined;
  private segmentMap: SegmentMap | undefined;
  private storage: LimitedSegmentStorage | undefined;
  private verifier: Promise<SegmentVerifier | undefined> = Promise.resolve(undefined);
  private readonly mismatchedUrls = new Set<string>();
  private firstSegmentDone = false;
  /** VHS's latest segment request before the first arrived: it names the rendition whose swarm to join early. */
  private firstRequest: { uri: string; range: string | undefined } | undefined;
  /** The segment the early join asked the core for, until that ask is withdrawn. */
  private earlyJoinSegmentId: string | undefined;
  private joinedEarly = false;
  private coreStarted = false;
  private coreGeneration = 0;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private overlay: ComponentLike | undefined;
  private activeBitrate = 0;
  private highDemandWindow = 0;
  private disposed = false;
  private reporter: ContributionReporter | undefined;

  constructor(player: unknown, options: SpkP2pOptions = {}) {
    super(player);
    this.vjsPlayer = player as PlayerLike;
    let resolved: ResolvedOptions;
    let error: Error | undefined;
    try {
      resolved = validateOptions(videojs.obj.merge(DEFAULTS, options ?? {}) as Record<string, unknown>);
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
      resolved = { ...DEFAULTS, enabled: false };
      videojs.log.error(error.message);
    }
    this.options = Object.freeze(resolved);
    this.optionsError = error;
    this.limiter = new UploadLimiter(resolved.uploadLimit, (blocked) => {
      if (blocked) this.stats_.uploadBlocks += 1;
      // Peers that were turned away forgot what we hold: tell them again once we can serve.
      else this.storage?.announceAll();
    });
    this.mode_ = this.initialMode();
    if (resolved.enabled && resolved.trackerUrls.length === 0) {
      videojs.log.warn('videojs-spk-p2p: no `trackerUrls` given, so there is no swarm: segments come from the CDN.');
    }
    if (resolved.useManagedMediaSource) this.enableManagedMediaSource();

    this.vjsPlayer.on('xhr-hooks-ready', this.onHooksReady);
    this.vjsPlayer.on(['timeupdate', 'seeking', 'ratechange'], this.onPlayback);
    this.vjsPlayer.on('playing', this.startStatsTimer);
    this.vjsPlayer.on(['pause', 'ended'], this.stopStatsTimer);
    this.vjsPlayer.on('loadedmetadata', this.onLoadedMetadata);
    if (resolved.overlay) this.showOverlay();
    // Added after the source was set: VHS announced its hooks already, so attach now.
    if (this.vjsPlayer.tech(true)?.vhs) this.onHooksReady();
    if (error) queueMicrotask(() => this.trigger('optionserror', { error }));
  }

  /** The contribution reporter, once P2P started with `contributions` enabled. */
  get contributions(): ContributionReporter | undefined {
    return this.reporter;
  }

  get mode(): SpkP2pMode {
    return this.mode_;
  }

  stats(): SpkP2pStats {
    return this.stats_.snapshot(this.mode_);
  }

  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vjsPlayer.off('xhr-hooks-ready', this.onHooksReady);
    this.vjsPlayer.off(['timeupdate', 'seeking', 'ratechange'], this.onPlayback);
    this.vjsPlayer.off('playing', this.startStatsTimer);
    this.vjsPlayer.off(['pause', 'ended'], this.stopStatsTimer);
    this.vjsPlayer.off('loadedmetadata', this.onLoadedMetadata);
    this.stopStatsTimer();
    this.limiter.dispose();
    this.unhookVhs();
    this.destroyCore();
    this.reporter?.dispose();
    if (this.overlay) {
      if (!this.vjsPlayer.isDisposed?.()) this.vjsPlayer.removeChild(this.overlay);
      this.overlay.dispose();
      this.overlay = undefined;
    }
    super.dispose();
  }

  private initialMode(): SpkP2pMode {
    if (!this.options.enabled || this.options.trackerUrls.length === 0) return 'disabled';
    return mseAvailable(this.options.useManagedMediaSource) ? 'p2p' : 'cdn-only';
  }

  private setMode(mode: SpkP2pMode): void {
    if (mode === this.mode_) return;
    const previous = this.mode_;
    this.mode_ = mode;
    this.trigger('modechange', { mode, previous });
  }

  /** VHS reads these when the source is set; iOS 17.1+ then plays through ManagedMediaSource. */
  private enableManagedMediaSource(): void {
    const html5 = (this.vjsPlayer.options_.html5 ?? {}) as Record<string, unknown>;
    this.vjsPlayer.options_.html5 = videojs.obj.merge(html5, {
      vhs: { experimentalUseMMS: true, overrideNative: true },
      nativeAudioTracks: false,
      nativeVideoTracks: false,
    });
  }

  private readonly onHooksReady = () => {
    const vhs = this.vjsPlayer.tech(true)?.vhs;
    if (!vhs) return;
    // A new source: forget the previous swarm, its segments and its playlists.
    this.unhookVhs();
    this.destroyCore();
    this.firstSegmentDone = false;
    this.firstRequest = undefined;
    this.joinedEarly = false;
    this.coreStarted = false;
    this.vhs = vhs;
    vhs.xhr.onRequest(this.onRequest);
    vhs.xhr.onResponse(this.onResponse);
    // Now, not with the engine: the first segment's CDN bytes may arrive before the engine has loaded.
    if (this.mode_ === 'p2p') this.startReporter();
  };

  /** Without VHS the browser plays the HLS itself and JavaScript never sees a segment: CDN only. */
  private readonly onLoadedMetadata = () => {
    if (this.mode_ === 'p2p' && !this.vjsPlayer.tech(true)?.vhs) this.setMode('cdn-only');
  };

  private unhookVhs(): void {
    if (!this.vhs) return;
    this.vhs.xhr.offRequest(this.onRequest);
    this.vhs.xhr.offResponse(this.onResponse);
    this.vhs = undefined;
  }

  private async startCore(masterUrl: string): Promise<void> {
    const generation = ++this.coreGeneration;
    // Lazily, like the engine: the IPFS format libraries stay out of the first-frame bundle.
    this.verifier = import('./integrity/segment-verifier.js').then(
      (m) => new m.SegmentVerifier({ ...this.options, policy: this.options.integrity, gateways: this.options.ipfsGateways, masterUrl, onProblem: this.onIntegrityProblem }),
      () => undefined,
    );
    let module: typeof import('p2p-media-loader-core');
    try {
      // Loaded on demand so the first segment (always from the CDN) never waits for it.
      module = await import('p2p-media-loader-core');
    } catch (error) {
      videojs.log.error('videojs-spk-p2p: could not load the P2P engine, playing from the CDN only', error);
      if (generation === this.coreGeneration) this.setMode('cdn-only');
      return;
    }
    if (this.disposed || generation !== this.coreGeneration) return;

    const options = this.options;
    this.storage = LimitedSegmentStorage.fromMiB(
      options.storageLimitMiB,
      this.limiter,
      () => {
        this.stats_.uploadsRefused += 1;
      },
      // Peers running our defaults give up after cdnFallbackDelay without bytes.
      Math.round(options.cdnFallbackDelay * 0.6),
    );
    const storage = this.storage;
    const config: CoreConfig = {
      announceTrackers: options.trackerUrls.map((url) => trackerUrlFor(url, options.videoCid, this.session)),
      rtcConfig: { iceServers: iceServersOf(options) },
      // No peer download until the verifier knows how to check peer bytes (see enableVerifiedP2P).
      simultaneousP2PDownloads: 0,
      p2pNotReceivingBytesTimeoutMs: options.cdnFallbackDelay,
      // One retry, not the core's three: each retry of a silent peer costs another
      // cdnFallbackDelay, so three made a dead peer cost ~3 s before the CDN took over.
      p2pErrorRetries: P2P_ERROR_RETRIES,
      // The first segments the engine sees wait this long for peers before HTTP: the tracker
      // has only just started, and without the wait every joiner took segment 1 from the CDN.
      httpDownloadInitialTimeoutMs: HTTP_INITIAL_TIMEOUT_MS,
      highDemandTimeWindow: options.tuning.highDemandWindow,
      p2pDownloadTimeWindow: options.tuning.p2pWindow,
      httpDownloadTimeWindow: options.tuning.httpWindow,
      segmentMemoryStorageLimit: options.storageLimitMiB,
      customSegmentStorageFactory: () => storage,
      validateP2PSegment: this.validateP2PSegment,
      validateHTTPSegment: this.validateHTTPSegment,
      ...(options.videoCid !== undefined ? { swarmId: options.videoCid } : {}),
    };
    const core = new module.Core(config);
    core.setManifestResponseUrl(masterUrl);
    core.addEventListener('onPeerConnect', this.onPeerConnect);
    core.addEventListener('onPeerClose', this.onPeerClose);
    core.addEventListener('onSegmentError', this.onCoreSegmentError);
    core.addEventListener('onChunkUploaded', this.onChunkUploaded);
    core.addEventListener('onChunkDownloaded', this.onChunkDownloaded);
    this.core = core;
    void this.verifier.then((verifier) => enableVerifiedP2P(verifier, core, options.maxPeers, () => this.core === core));
    this.segmentMap = new SegmentMap(core, module.generateStreamShortId);
    this.segmentLoader = new SegmentLoader(core, {
      cdnFallbackDelay: options.cdnFallbackDelay,
      segmentTimeout: options.segmentTimeout,
      bufferAheadSeconds: () => this.bufferAheadSeconds(),
      onFallback: (segment, reason) => {
        const event: CdnFallbackEvent = { url: segment.url, reason };
        this.trigger('cdnfallback', event);
      },
    });
    this.onPlayback();
    this.joinSwarmEarly();
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      this.tuneHighDemandWindow();
    }, options.tuning.discoveryGraceMs);
    this.trigger('coreready');
  }

  private destroyCore(): void {
    this.coreGeneration += 1;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    const core = this.core;
    if (!core) return;
    this.segmentLoader?.detach();
    core.removeEventListener('onPeerConnect', this.onPeerConnect);
    core.removeEventListener('onPeerClose', this.onPeerClose);
    core.removeEventListener('onSegmentError', this.onCoreSegmentError);
    core.removeEventListener('onChunkUploaded', this.onChunkUploaded);
    core.removeEventListener('onChunkDownloaded', this.onChunkDownloaded);
    core.destroy();
    this.segmentMap?.clear();
    this.core = undefined;
    this.segmentLoader = undefined;
    this.segmentMap = undefined;
    this.storage = undefined;
    this.stats_.clearPeers();
  }

  /**
   * The core joins a swarm (connects to the tracker) only when asked for a segment, and VHS's
   * first segment never goes through it: left alone, peer discovery began only after that
   * segment had arrived from the CDN. So once VHS asks for its first segment, which names the
   * rendition, the core is asked for the segment after it and the ask is withdrawn at once. The
   * core's initial HTTP hold means nothing is downloaded meanwhile; it only starts announcing.
   * Asking for the first segment itself would make the core fetch it over HTTP as well.
   */
  private joinSwarmEarly(): void {
    const core = this.core;
    const request = this.firstRequest;
    if (this.joinedEarly || !core || !request || this.mode_ !== 'p2p') return;
    const first = this.mapRequest(request.uri, request.range);
    const next = first && this.segmentMap?.following(first);
    // Starting at the last segment there is nothing to ask for: the swarm is joined later.
    if (!next) return;
    this.joinedEarly = true;
    const { runtimeId } = next.segment;
    this.earlyJoinSegmentId = runtimeId;
    const withdraw = () => {
      // VHS may have asked for this segment itself meanwhile: that request must stand.
      if (this.earlyJoinSegmentId !== runtimeId || this.core !== core) return;
      this.earlyJoinSegmentId = undefined;
      core.abortSegmentLoading(runtimeId);
    };
    core.loadSegment(runtimeId, { onSuccess: () => undefined, onError: () => undefined }).then(withdraw, (error: unknown) => {
      this.earlyJoinSegmentId = undefined;
      videojs.log.warn('videojs-spk-p2p: could not join the swarm early; it is joined at the next segment', error);
    });
  }

  private readonly onRequest = (options: VhsRequestOptions): VhsRequestOptions => {
    if (options.requestType !== 'segment') return options;
    if (!this.firstSegmentDone && this.mode_ === 'p2p' && options.uri) {
      this.firstRequest = { uri: options.uri, range: options.headers?.Range };
      // The engine loads only now, while the first segment downloads: loaded with the source,
      // its chunk competed with the playlist requests on the way to the first frame.
      if (this.coreStarted) this.joinSwarmEarly();
      else {
        this.coreStarted = true;
        void this.startCore(this.vjsPlayer.currentSrc());
      }
    }
    // The first segment always comes straight from the CDN: start-up never waits for peers.
    if (this.mode_ !== 'p2p' || !this.firstSegmentDone || !this.core || !this.segmentLoader) return options;
    const mapped = this.mapRequest(options.uri, options.headers?.Range);
    if (!mapped) return options;
    if (mapped.segment.runtimeId === this.earlyJoinSegmentId) this.earlyJoinSegmentId = undefined;
    const loader = this.segmentLoader;
    this.updateActiveBitrate(mapped);
    options.timeout = Math.max(Number(options.timeout) || 0, STAND_IN_TIMEOUT_MS);
    options.xhr = new SegmentXhr(async (signal) => {
      const loaded = await loader.load(mapped.segment, signal);
      if (loaded.fallback) this.stats_.cdnFallbacks += 1;
      this.recordSegment(loaded.source, loaded.data.byteLength, mapped.segment.url, loaded.durationMs, loaded.peerId);
      return loaded;
    });
    return options;
  };

  /** Counts segments VHS fetched over its own XHR (the first one, and all of them without P2P). */
  private readonly onResponse = (request: VhsRequest, error: unknown, response: VhsResponse) => {
    if (request.requestType !== 'segment' || request instanceof SegmentXhr) return;
    const body = response?.body;
    if (error || !(body instanceof ArrayBuffer) || body.byteLength === 0) return;
    this.firstSegmentDone = true;
    const durationMs = request.requestTime ? Date.now() - request.requestTime : 0;
    this.recordSegment('cdn', body.byteLength, request.uri ?? '', durationMs, undefined);
  };

  private recordSegment(source: SegmentSource, bytes: number, url: string, durationMs: number, peerId: string | undefined): void {
    this.stats_.recordSegment(source, bytes, durationMs);
    if (source === 'cdn') {
      this.tuneHighDemandWindow();
      this.reporter?.recordCdn(bytes);
    }
    this.reporter?.recordSegmentReceived();
    const event: SegmentLoadedEvent = { source, bytes, url, durationMs: Math.round(durationMs) };
    if (peerId !== undefined) event.peerId = peerId;
    this.trigger('segmentloaded', event);
  }

  private mapRequest(uri: string, range: string | undefined): MappedSegment | undefined {
    const map = this.segmentMap;
    if (!map) return undefined;
    let mapped = map.find(uri, range);
    if (!mapped) {
      map.sync(this.vhs?.playlists?.main);
      mapped = map.find(uri, range);
    }
    return mapped;
  }

  private updateActiveBitrate(mapped: MappedSegment): void {
    const media = this.vhs?.playlists?.media?.();
    const bitrate = media?.attributes?.BANDWIDTH;
    if (bitrate && bitrate !== this.activeBitrate && (media.resolvedUri ?? media.id) === mapped.streamRuntimeId) {
      this.activeBitrate = bitrate;
      this.core?.setActiveLevelBitrate(bitrate);
    }
  }

  private readonly onPlayback = () => {
    const core = this.core;
    if (!core) return;
    const rate = this.vjsPlayer.playbackRate() || 1;
    core.updatePlayback(this.vjsPlayer.currentTime(), rate);
  };

  private bufferAheadSeconds(): number {
    const position = this.vjsPlayer.currentTime();
    const buffered = this.vjsPlayer.buffered();
    for (let i = 0; i < buffered.length; i++) {
      if (buffered.start(i) <= position + 0.1 && buffered.end(i) > position) {
        return (buffered.end(i) - position) / (this.vjsPlayer.playbackRate() || 1);
      }
    }
    return 0;
  }

  private readonly validateP2PSegment = async (
    url: string,
    byteRange: { start: number; end: number } | undefined,
    data: ArrayBuffer,
  ): Promise<boolean> => {
    const verdict = await checkSegment(await this.verifier, url, byteRange, data);
    if (verdict === 'mismatch') {
      this.stats_.integrityFailures += 1;
      this.mismatchedUrls.add(url);
    }
    // Bytes that cannot be checked are never taken from a peer; HTTP and serving go on.
    if (verdict === 'unverifiable') this.core?.applyDynamicConfig({ simultaneousP2PDownloads: 0 });
    return verdict === 'ok';
  };

  /** A lying gateway or CDN: its bytes are neither shared nor played, and the core retries them. */
  private readonly validateHTTPSegment = async (
    url: string,
    byteRange: { start: number; end: number } | undefined,
    data: ArrayBuffer,
  ): Promise<boolean> => {
    const verdict = await checkSegment(await this.verifier, url, byteRange, data);
    if (verdict === 'mismatch' && !this.disposed) this.trigger('gatewayintegrityfailure', { url });
    return verdict !== 'mismatch';
  };

  private readonly onIntegrityProblem = (message: string) => {
    videojs.log.warn(`videojs-spk-p2p: ${message}`);
    if (!this.disposed) this.trigger('integrityproblem', { message });
  };

  /** The core drops a peer whose segment failed validation; here it is also reported. */
  private readonly onCoreSegmentError = ({ error, peerId, segment }: SegmentErrorDetails) => {
    // A failed peer download of a segment the player is already waiting on goes to the CDN
    // now; the core itself would retry it over HTTP only once the segment became urgent.
    if (peerId) this.segmentLoader?.failFast(segment.runtimeId);
    if (error.type !== 'p2p-segment-validation-failed' || !peerId || !this.mismatchedUrls.delete(segment.url)) return;
    this.trigger('integrityfailure', { peerId, url: segment.url });
    void this.reportPeer(peerId, 'integrity');
  };

  private async reportPeer(peerId: string, reason: string): Promise<void> {
    const cid = this.options.videoCid;
    if (cid === undefined) return;
    const body = JSON.stringify({ cid, session: this.session, peerId: peerIdToHex(peerId), reason });
    for (const trackerUrl of this.options.trackerUrls) {
      const url = reportUrlFor(trackerUrl);
      let status = 0;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          keepalive: true,
          credentials: 'omit',
        });
        status = response.status;
      } catch {
        status = 0;
      }
      if (!this.disposed) this.trigger('peerreport', { peerId, reason, url, status });
    }
  }

  private readonly onPeerConnect = ({ peerId, streamType }: PeerDetails) => {
    this.stats_.peerConnected(peerId);
    this.tuneHighDemandWindow();
    this.trigger('peerconnect', { peerId, streamType });
  };

  private readonly onPeerClose = ({ peerId, streamType }: PeerDetails) => {
    this.stats_.peerClosed(peerId);
    this.tuneHighDemandWindow();
    this.trigger('peerclose', { peerId, streamType });
  };

  private tuneHighDemandWindow(): void {
    if (this.graceTimer !== undefined || !this.core) return;
    const { highDemandWindow, highDemandWindowAlone } = this.options.tuning;
    let window = highDemandWindowAlone;
    if (this.stats_.peerCount() > 0) {
      // Room for two slow CDN fetches plus a few seconds, never less than the base window.
      const cdnP95Ms = this.stats_.snapshot(this.mode_).latency.cdn.p95 ?? 0;
      const wanted = Math.ceil(3 + (2 * cdnP95Ms) / 1000);
      window = Math.max(highDemandWindow, Math.min(HIGH_DEMAND_WINDOW_MAX_S, wanted));
    }
    if (window !== this.highDemandWindow) {
      this.highDemandWindow = window;
      this.core.applyDynamicConfig({ highDemandTimeWindow: window });
    }
  }

  private readonly onChunkUploaded = (bytes: number, peerId: string) => {
    this.reporter?.recordUpload(peerId, bytes);
    this.stats_.recordUpload(bytes);
  };

  /** What this viewer received from each peer is what confirms that peer's upload claims. */
  private readonly onChunkDownloaded = (bytes: number, source: 'http' | 'p2p', peerId?: string) => {
    if (source === 'p2p' && peerId !== undefined) this.reporter?.recordDownload(peerId, bytes);
  };

  /** One reporter per plugin (its session secret), created when the first source is hooked in P2P mode. */
  private startReporter(): void {
    const option = this.options.contributions;
    const cid = this.options.videoCid;
    const trackerUrl = this.options.trackerUrls[0];
    if (this.reporter || option === false || cid === undefined || trackerUrl === undefined) return;
    const settings = option === true ? {} : option;
    this.reporter = new ContributionReporter({
      endpoint: settings.endpoint ?? contributionEndpointFor(trackerUrl),
      session: this.session,
      videoCid: cid,
      ...(settings.intervalMs !== undefined ? { intervalMs: settings.intervalMs } : {}),
    });
  }

  private readonly startStatsTimer = () => {
    if (this.statsTimer !== undefined || this.disposed) return;
    this.statsTimer = setInterval(() => this.trigger('stats', this.stats()), this.options.statsInterval);
  };

  private readonly stopStatsTimer = () => {
    if (this.statsTimer === undefined) return;
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  };

  private showOverlay(): void {
    registerOverlay();
    this.overlay = this.vjsPlayer.addChild(OVERLAY_COMPONENT, { plugin: this });
  }
}
