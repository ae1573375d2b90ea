import videojs from 'video.js';
import type { Core, CoreConfig, PeerDetails, Segment, SegmentErrorDetails } from 'p2p-media-loader-core';
import type { SegmentVerifier } from './integrity/segment-verifier.js';
import { checkSegment, enableVerifiedP2P } from './integrity/p2p-gate.js';
import { iceServersOf, type ResolvedOptions } from './options.js';
import type { HttpAlternates } from './http-alternates.js';
import { gatewayOfUrl, healthOf, recordGateway, sourceGateways } from './gateway-health.js';
import { cdnSegmentFetch, fetchFromCdn } from './cdn-fetch.js';
import type { CdnFallbackReason, LoadedSegment, SegmentLoader } from './segment-loader.js';
import type { MappedSegment, SegmentMap } from './segment-map.js';
import type { LimitedSegmentStorage } from './segment-storage.js';
import { gatewayStats, StatsCollector, type SegmentSource } from './stats.js';
import { trackerUrlFor } from './swarm.js';
import type { TrackerWatch } from './tracker-watch.js';
import type { SchedulingWindows } from './scheduling-windows.js';
import type { UploadLimiter } from './upload-limiter.js';
import type { ContributionReporter, ContributionReporterOptions } from './contributions/reporter.js';
import { reporterOptionsFor } from './contributions/settings.js';
import type { ReceiptRecorder } from './contributions/receipts.js';
import { SessionCache } from './persistent-cache/session-cache.js';
import type { SegmentFetch } from './segment-xhr.js';
import type { PlayerLike, VhsHandle } from './videojs-types.js';
import { afterFirstFrame } from './after-first-frame.js';

/** Data of the `segmentloaded` event. */
export interface SegmentLoadedEvent {
  source: SegmentSource;
  bytes: number;
  url: string;
  peerId?: string;
  durationMs: number;
  /** For peer segments: what their bytes were checked against before VHS got them (`off`: not checked, by policy). */
  verifiedBy?: 'cid' | 'sha256' | 'off';
}

/** Data of the `cdnfallback` event: the plugin is fetching a segment the player waits on from the CDN. */
export interface CdnFallbackEvent {
  url: string;
  reason: CdnFallbackReason;
}

/** Data of the `gatewayintegrityfailure` event: bytes from this URL failed the integrity check. */
export interface GatewayIntegrityFailureEvent {
  url: string;
  /** The bytes had already been played: a segment VHS fetched itself, checked once the verifier loaded. */
  played?: true;
}

/** A segment VHS fetched itself, waiting for the verifier. */
interface UncheckedFetch {
  url: string;
  byteRange: { start: number; end: number } | undefined;
  data: ArrayBuffer;
}

/**
 * Normally one (the first segment), but until the engine is up VHS fetches everything itself, up
 * to its 30 s buffer goal on a slow machine; the bound keeps memory small if the engine never
 * loads. A segment over it is played but neither checked nor kept in the persistent cache.
 */
const MAX_UNCHECKED_FETCHES = 16;
/**
 * A segment request that comes while the engine is starting (it starts after the first frame)
 * waits for it at most this long, and only while the buffer holds ENGINE_WAIT_SPARE_S more than
 * the wait: without it every joiner took its second segment from the CDN a few hundred ms before
 * its swarm was there (bench:swarm: `0C 1C 2P …` for each of them, 89 % of the best offload).
 */
const ENGINE_WAIT_MAX_MS = 1500;
const ENGINE_WAIT_SPARE_S = 3;
/** Shorter waits are not worth holding a request for. */
const ENGINE_WAIT_MIN_MS = 250;
/** Records kept for the contribution reporter until its chunk loads: one per segment or chunk event, seconds' worth. */
const MAX_REPORTER_BACKLOG = 2_000;

/** Why P2P is off for a source (`modechange` data `reason`). */
export type CdnOnlyReason = 'no-video-cid' | 'engine-error' | 'bad-source-url';

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

/** What a session needs from the plugin that owns it. */
export interface SessionHost {
  readonly player: PlayerLike;
  readonly options: Readonly<ResolvedOptions>;
  /** This page's secret for the signal server. */
  readonly secret: string;
  trigger(event: string, data?: object): void;
  /** P2P cannot work for this source: the plugin switches to `cdn-only` and says why. */
  fallBackToCdn(reason: CdnOnlyReason, message: string): void;
}

/**
 * Everything that belongs to one source of one player: its swarm (the P2P engine, joined early),
 * the map from VHS's segment requests to the engine's segments, integrity, scheduling tuning,
 * statistics and contribution reporting. A new `src()` ends the session and starts another, so
 * nothing of one video leaks into the next.
 */
export class SourceSession {
  readonly stats = new StatsCollector();
  private core: Core | undefined;
  private segmentLoader: SegmentLoader | undefined;
  private segmentMap: SegmentMap | undefined;
  private storage: LimitedSegmentStorage | undefined;
  private verifier: Promise<SegmentVerifier | undefined> = Promise.resolve(undefined);
  private readonly mismatchedUrls = new Set<string>();
  /** The gateways a segment can come from, ranked by health (see gateway-health.ts); made with the engine. */
  private alternates: HttpAlternates | undefined;
  /** Segment URL → the gateway the engine's HTTP download of it went to, and when. */
  private readonly engineTargets = new Map<string, { gateway: string | undefined; at: number }>();
  /** Peer segments whose bytes passed the check, by URL: what a p2p `segmentloaded` names as verified. */
  private readonly verifiedPeerUrls = new Set<string>();
  private firstSegmentDone = false;
  /** Segments VHS fetched itself before the verifier was loading; `undefined` once it is (see recordOwnFetch). */
  private uncheckedFetches: UncheckedFetch[] | undefined = [];
  /** VHS's latest segment request before the first arrived: it names the rendition whose swarm to join early. */
  private firstRequest: { uri: string; range: string | undefined } | undefined;
  /** The segment the early join asked the core for, until that ask is withdrawn. */
  private earlyJoinSegmentId: string | undefined;
  private joinedEarly = false;
  /** The latest segment VHS asked the engine for: what a rejoin announces with. */
  private lastMapped: MappedSegment | undefined;
  private coreStarted = false;
  private cancelCoreStart: (() => void) | undefined;
  private activeBitrate = 0;
  private ended = false;
  private reporter: ContributionReporter | undefined;
  /** What the `contributions` option asks for; `undefined`: no reporter. */
  private readonly reporterOptions: ContributionReporterOptions | undefined;
  /**
   * What happened before the reporter's chunk loaded (it loads with the engine, after the first
   * frame: its IndexedDB queue has no place on the start-up path), replayed into it once it has.
   * `undefined` when contributions are off or the reporter is there.
   */
  private reporterBacklog: ((reporter: ContributionReporter) => void)[] | undefined;
  /** Comes with the engine: receipts are of segments the engine loaded. */
  private receipts: ReceiptRecorder | undefined;
  /** The browser's persistent segment cache for this video, unless opted out. */
  private readonly cache: SessionCache | undefined;
  /** Resolves when the engine can take segment requests (or the session ends): see waitForEngine. */
  private readonly engineUp: Promise<void>;
  private markEngineUp: () => void = () => {};
  private cacheOpenDecided = false;
  private trackerWatch: TrackerWatch | undefined;
  private windows: SchedulingWindows | undefined;
  /** The engine's modules, once loaded. */
  private parts: typeof import('./engine-parts.js') | undefined;
  /** The `uploadLimit` cap on what peers get from this source's storage; made with the engine. */
  private limiter: UploadLimiter | undefined;

  constructor(
    private readonly host: SessionHost,
    readonly vhs: VhsHandle,
    /** Absolute master playlist URL. */
    readonly masterUrl: string,
    /**
     * The video's CID: the swarm id and the signal server room. Without one there is no swarm:
     * the session only counts what VHS fetches itself.
     */
    readonly videoCid: string | undefined,
  ) {
    this.engineUp = new Promise((resolve) => (this.markEngineUp = resolve));
    this.stats.gatewayFigures = () => gatewayStats(sourceGateways(masterUrl, host.options.ipfsGateways));
    this.cache = videoCid !== undefined && SessionCache.enabled(host.options.persistentCache) ? this.openCache(videoCid) : undefined;
    this.reporterOptions = videoCid === undefined ? undefined : reporterOptionsFor(host.options.contributions, host.options.trackerUrls, host.secret, videoCid);
    // Counting starts now, not when the reporter has loaded: the first segment's CDN bytes come first.
    if (this.reporterOptions) this.reporterBacklog = [];
  }

  get contributions(): ContributionReporter | undefined {
    return this.reporter;
  }

  /** Peers that were turned away forgot what we hold: tell them again. */
  announceAll(): void {
    this.storage?.announceAll();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    // Requests waiting for the engine go to the CDN (or get nothing, once VHS has aborted them).
    this.markEngineUp();
    this.cancelCoreStart?.();
    this.windows?.dispose();
    this.trackerWatch?.dispose();
    this.limiter?.dispose();
    const core = this.core;
    if (core) {
      this.segmentLoader?.detach();
      this.listenToCore(core, 'removeEventListener');
      core.destroy();
    }
    this.segmentMap?.clear();
    this.cache?.close();
    this.core = undefined;
    this.segmentLoader = undefined;
    this.segmentMap = undefined;
    this.storage = undefined;
    this.stats.clearPeers();
    this.reporter?.dispose();
    this.reporterBacklog = undefined;
  }

  /**
   * A playlist request from VHS. The first decides when the persistent cache opens: now, while
   * VHS fetches its playlists, so that the first segment can come from it; or, when the page
   * answered it (`<spk-player>`'s early fetch, which answers the first segment too), with the
   * engine: nothing before the first frame can come from the cache then.
   */
  playlistRequested(answeredElsewhere: boolean): void {
    if (this.cacheOpenDecided) return;
    this.cacheOpenDecided = true;
    if (!answeredElsewhere) void this.cache?.ready;
  }

  /**
   * A media segment request from VHS. The first one starts the engine (its chunk loads only now,
   * so it never competes with the playlists) and is left to VHS: start-up never waits for peers.
   * Later ones are answered by the engine when it knows the segment.
   */
  mapForEngine(uri: string, range: string | undefined, answeredElsewhere = false): { mapped: MappedSegment; loader: SegmentLoader } | undefined {
    if (this.ended || this.videoCid === undefined) return undefined;
    if (!this.firstSegmentDone && uri) {
      this.firstRequest = { uri, range };
      if (this.coreStarted) this.joinSwarmEarly();
      else {
        this.coreStarted = true;
        const deferStart = () => {
          this.cancelCoreStart = afterFirstFrame(this.host.player, () => !this.firstSegmentDone, () => {
            if (!this.ended) void this.startCore();
          });
        };
        // A rewatch: cached bytes are checked by the verifier that comes with the engine, so the
        // engine starts now instead of after the first frame; a first viewing keeps it waiting.
        // A first segment the page answers itself cannot be a rewatch's cached one.
        if (this.cache === undefined || answeredElsewhere) deferStart();
        else {
          // A lookup that fails is a cache that is not there: the first viewing's path.
          void this.cache.holds(uri, range).catch(() => false).then((held) => {
            if (this.ended) return;
            if (held) void this.startCore();
            else deferStart();
          });
        }
      }
    }
    if (!this.firstSegmentDone || !this.core || !this.segmentLoader) return undefined;
    const mapped = this.mapRequest(uri, range);
    if (!mapped) return undefined;
    if (mapped.segment.runtimeId === this.earlyJoinSegmentId) this.earlyJoinSegmentId = undefined;
    this.lastMapped = mapped;
    this.updateActiveBitrate(mapped);
    return { mapped, loader: this.segmentLoader };
  }

  /** A stand-in for a segment request VHS would send itself: the persistent cache, else the CDN. */
  fromPersistentCache(uri: string, range: string | undefined): SegmentFetch | undefined {
    return this.ended ? undefined : this.cache?.segmentFetch(uri, range);
  }

  /**
   * How long a segment request may wait for the engine that is starting: none before the first
   * segment is in or once the engine is up, and never more than the buffer can spare.
   */
  engineWaitMs(): number {
    if (this.ended || !this.firstSegmentDone || !this.coreStarted || this.segmentLoader || this.videoCid === undefined) return 0;
    const spareMs = (this.bufferAheadSeconds() - ENGINE_WAIT_SPARE_S) * 1000;
    return spareMs >= ENGINE_WAIT_MIN_MS ? Math.min(ENGINE_WAIT_MAX_MS, spareMs) : 0;
  }

  /**
   * A stand-in for a segment request that came while the engine was starting: the engine, if it
   * is up within `waitMs` and knows the segment; else what VHS would have had without it.
   */
  waitForEngine(uri: string, range: string | undefined, waitMs: number): SegmentFetch {
    return async (signal) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.engineUp, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      const routed = signal.aborted ? undefined : this.mapForEngine(uri, range);
      if (routed) {
        const loaded = await routed.loader.load(routed.mapped.segment, signal);
        this.recordEngineSegment(loaded, routed.mapped.segment.url);
        return loaded;
      }
      const standIn = this.fromPersistentCache(uri, range) ?? cdnSegmentFetch(uri, range, (data, url, byteRange, durationMs) => this.recordOwnFetch(data, url, byteRange, durationMs));
      return standIn(signal);
    };
  }

  /** A segment the engine delivered to VHS. */
  recordEngineSegment(loaded: LoadedSegment, url: string): void {
    if (loaded.fallback) this.stats.cdnFallbacks += 1;
    const verifiedBy = loaded.source === 'p2p' && this.verifiedPeerUrls.has(url) ? this.stats.verification.source : undefined;
    this.recordSegment(loaded.source, loaded.data.byteLength, url, loaded.durationMs, loaded.peerId, verifiedBy);
  }

  /**
   * A segment VHS fetched over its own XHR (the first one, and any the engine did not know), or
   * the persistent cache fetched from the CDN in its place. Its bytes reached the player
   * unchecked (the verifier loads with the engine, after the first frame), so they are checked
   * as soon as the verifier is there: bad bytes name their gateway (`gatewayintegrityfailure`),
   * are never stored nor offered to peers, and that gateway is not asked for the segment again.
   * `byteRange` null: a partial response whose range cannot be read, which cannot be checked.
   */
  recordOwnFetch(data: ArrayBuffer, url: string, byteRange: { start: number; end: number } | undefined | null, durationMs: number): void {
    this.firstSegmentDone = true;
    this.recordSegment('cdn', data.byteLength, url, durationMs, undefined);
    if (this.videoCid === undefined || this.host.options.integrity === 'off' || byteRange === null) return;
    const unchecked: UncheckedFetch = { url, byteRange, data: data.slice(0) };
    if (this.uncheckedFetches === undefined) void this.checkOwnFetch(unchecked);
    else if (this.uncheckedFetches.length < MAX_UNCHECKED_FETCHES) this.uncheckedFetches.push(unchecked);
  }

  private async checkOwnFetch({ url, byteRange, data }: UncheckedFetch): Promise<void> {
    const good = await this.checkHttpBytes(url, byteRange, data, true);
    if (this.ended) return;
    if (good) {
      this.cache?.keep(url, byteRange, data);
      return;
    }
    // The check can finish before the engine's modules (and with them `alternates`) are in.
    await this.engineUp;
    this.alternates?.failed(url, gatewayOfUrl(url));
  }

  updatePlayback(): void {
    const core = this.core;
    if (!core) return;
    const player = this.host.player;
    core.updatePlayback(player.currentTime(), player.playbackRate() || 1);
    this.windows?.playbackMoved();
  }

  private async startCore(): Promise<void> {
    const { options } = this.host;
    const videoCid = this.videoCid;
    if (videoCid === undefined) return;
    // In parallel with the engine, awaited before it starts: a viewer in the swarm has its reporter.
    const reporterLoaded = this.startReporter();
    // Lazily, like the engine: the IPFS format libraries stay out of the first-frame bundle.
    this.verifier = import('./integrity/segment-verifier.js').then(
      (m) =>
        new m.SegmentVerifier({
          ...options,
          videoCid,
          policy: options.integrity,
          gateways: options.ipfsGateways,
          masterUrl: this.masterUrl,
          onProblem: this.onIntegrityProblem,
        }),
      () => undefined,
    );
    const unchecked = this.uncheckedFetches ?? [];
    this.uncheckedFetches = undefined;
    for (const fetched of unchecked) void this.checkOwnFetch(fetched);
    void this.verifier.then(async (verifier) => {
      if (!verifier) {
        this.stats.verification.source = 'none';
        return;
      }
      this.stats.verifierFigures = () => ({ blockBytes: verifier.blocks.bytesFetched, timingsMs: verifier.timingsMs });
      this.stats.verification.source = await verifier.source;
    });
    let module: typeof import('p2p-media-loader-core');
    let parts: typeof import('./engine-parts.js');
    try {
      // Loaded on demand so the first segment (always from the CDN) never waits for them.
      [module, parts] = await Promise.all([import('p2p-media-loader-core'), import('./engine-parts.js')]);
    } catch (error) {
      if (!this.ended) this.host.fallBackToCdn('engine-error', `could not load the P2P engine (${String(error)}): playing from the CDN only`);
      return;
    }
    await reporterLoaded;
    if (this.ended) return;
    this.parts = parts;

    const alternates = new parts.HttpAlternates(options.ipfsGateways);
    this.alternates = alternates;
    this.limiter = new parts.UploadLimiter(options.uploadLimit, (blocked) => {
      if (blocked) this.stats.uploadBlocks += 1;
      // Peers that were turned away forgot what we hold: tell them again once we can serve.
      else this.announceAll();
    });
    this.storage = parts.LimitedSegmentStorage.fromMiB(
      options.storageLimitMiB,
      this.limiter,
      () => {
        this.stats.uploadsRefused += 1;
      },
      // Peers running our defaults give up after cdnFallbackDelay without bytes.
      Math.round(options.cdnFallbackDelay * 0.6),
    );
    const storage = this.storage;
    this.cache?.attach(storage);
    const windows = new parts.SchedulingWindows(options.tuning, {
      peerCount: () => this.stats.peerCount(),
      cdnP95Ms: () => this.stats.snapshot('p2p').latency.cdn.p95 ?? 0,
    });
    this.windows = windows;
    const config: CoreConfig = {
      announceTrackers: options.trackerUrls.map((url) => trackerUrlFor(url, videoCid, this.host.secret)),
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
      ...windows.initial,
      segmentMemoryStorageLimit: options.storageLimitMiB,
      customSegmentStorageFactory: () => storage,
      validateP2PSegment: this.validateP2PSegment,
      validateHTTPSegment: this.validateHTTPSegment,
      httpRequestSetup: this.httpRequestSetup,
      swarmId: videoCid,
    };
    const core = new module.Core(config);
    // Without its query: viewers with signed, per-viewer URLs still name the same playlist.
    core.setManifestResponseUrl(this.masterUrl);
    this.receipts = new parts.ReceiptRecorder(this.masterUrl, (peerId, segment, bytes) => this.report((reporter) => reporter.recordReceipt(peerId, segment, bytes)));
    this.listenToCore(core, 'addEventListener');
    this.core = core;
    void this.verifier.then((verifier) => enableVerifiedP2P(verifier, core, options.maxPeers, () => this.core === core));
    this.trackerWatch = new parts.TrackerWatch({
      trackerUrls: options.trackerUrls,
      videoCid,
      secret: this.host.secret,
      peerCount: () => this.stats.peerCount(),
      bufferAheadSeconds: () => this.bufferAheadSeconds(),
      rejoin: () => this.rejoinSwarm(),
    });
    this.segmentMap = new parts.SegmentMap(core, module.generateStreamShortId);
    // The plugin's own CDN fetch of a segment (a late peer's, a hedge): checked like the engine's
    // HTTP downloads, and kept in the persistent cache like them (the engine never sees these
    // bytes, so without this a rewatch fetched every fallen-back segment again).
    const fetchOwn = (segment: Segment, signal: AbortSignal, avoidGateway?: string) =>
      parts
        .fetchChecked(alternates, segment, signal, fetchFromCdn, (url, data) => this.checkHttpBytes(url, segment.byteRange, data), avoidGateway)
        .then((data) => {
          // A copy: VHS transfers the buffer it is given to its transmuxer.
          if (!this.ended) this.cache?.keep(segment.url, segment.byteRange, data.slice(0));
          return data;
        });
    this.segmentLoader = new parts.SegmentLoader(core, {
      cdnFallbackDelay: options.cdnFallbackDelay,
      segmentTimeout: options.segmentTimeout,
      bufferAheadSeconds: () => this.bufferAheadSeconds(),
      storedSource: (segment) => this.cache?.storedSource(segment),
      onFallback: (segment, reason) => {
        const event: CdnFallbackEvent = { url: segment.url, reason };
        this.host.trigger('cdnfallback', event);
      },
      fetchFallback: (segment, signal) => fetchOwn(segment, signal),
      hedgeAfterMs: this.hedgeAfterMs,
      fetchHedge: (segment, signal) => fetchOwn(segment, signal, this.engineTargets.get(segment.url)?.gateway),
      onHedgeWon: (segment) => {
        // The engine's download never answered in time: for ranking, that is a timeout.
        const target = this.engineTargets.get(segment.url);
        recordGateway(target?.gateway, false);
        this.stats.hedgesWon += 1;
        this.host.trigger('gatewayhedge', { url: segment.url, gateway: target?.gateway });
      },
    });
    this.markEngineUp();
    this.updatePlayback();
    this.joinSwarmEarly();
    windows.attach(core);
    this.host.trigger('coreready');
  }

  /** One list of the engine events a session follows, for attaching and detaching alike. */
  private listenToCore(core: Core, method: 'addEventListener' | 'removeEventListener'): void {
    core[method]('onPeerConnect', this.onPeerConnect);
    core[method]('onPeerClose', this.onPeerClose);
    core[method]('onSegmentError', this.onCoreSegmentError);
    core[method]('onChunkUploaded', this.onChunkUploaded);
    core[method]('onChunkDownloaded', this.onChunkDownloaded);
    const receipts = this.receipts;
    if (receipts) {
      core[method]('onSegmentStart', receipts.onSegmentStart);
      core[method]('onSegmentLoaded', receipts.onSegmentLoaded);
    }
    // A refused or broken WebSocket reaches the engine as a tracker warning.
    core[method]('onTrackerError', this.onTrackerError);
    core[method]('onTrackerWarning', this.onTrackerError);
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
    if (this.joinedEarly || !core || !request) return;
    const first = this.mapRequest(request.uri, request.range);
    const next = first && this.segmentMap?.following(first);
    // Starting at the last segment there is nothing to ask for: the swarm is joined later.
    if (!next) return;
    this.joinedEarly = true;
    this.askAndWithdraw(core, next.segment.runtimeId, 'could not join the swarm early; it is joined at the next segment');
  }

  /**
   * Asks the core for a segment and withdraws the ask as soon as it is queued: the core then
   * (re)joins that segment's swarm without downloading anything.
   */
  private askAndWithdraw(core: Core, runtimeId: string, failure: string): void {
    this.earlyJoinSegmentId = runtimeId;
    const withdraw = () => {
      // VHS may have asked for this segment itself meanwhile: that request must stand.
      if (this.earlyJoinSegmentId !== runtimeId || this.core !== core) return;
      this.earlyJoinSegmentId = undefined;
      core.abortSegmentLoading(runtimeId);
    };
    core.loadSegment(runtimeId, { onSuccess: () => undefined, onError: () => undefined }).then(withdraw, (error: unknown) => {
      this.earlyJoinSegmentId = undefined;
      videojs.log.warn(`videojs-spk-p2p: ${failure}`, error);
    });
  }

  /**
   * The tracker client of the engine retries a lost signal server only after 10 s to 5 min; a
   * swarm with nobody connected, or with a safe buffer, is rejoined as soon as the server
   * answers again. Switching P2P off and on rebuilds the engine's stream loader and tracker
   * client, keeping its segment storage.
   */
  private rejoinSwarm(): void {
    const core = this.core;
    if (!core || this.ended) return;
    core.applyDynamicConfig({ isP2PDisabled: true });
    core.applyDynamicConfig({ isP2PDisabled: false });
    this.stats.clearPeers();
    // The rebuilt stream loader announces when asked for a segment; a player that has buffered
    // to the end asks for none, so the last segment VHS took is asked for (it is in storage).
    if (this.lastMapped) this.askAndWithdraw(core, this.lastMapped.segment.runtimeId, 'could not rejoin the swarm; it is rejoined at the next segment');
    this.host.trigger('swarmrejoin', { cid: this.videoCid });
  }

  private mapRequest(uri: string, range: string | undefined): MappedSegment | undefined {
    const map = this.segmentMap;
    if (!map) return undefined;
    let mapped = map.find(uri, range);
    if (!mapped) {
      map.sync(this.vhs.playlists?.main);
      mapped = map.find(uri, range);
    }
    return mapped;
  }

  private updateActiveBitrate(mapped: MappedSegment): void {
    const media = this.vhs.playlists?.media?.();
    const bitrate = media?.attributes?.BANDWIDTH;
    if (bitrate && bitrate !== this.activeBitrate && (media.resolvedUri ?? media.id) === mapped.streamRuntimeId) {
      this.activeBitrate = bitrate;
      this.core?.setActiveLevelBitrate(bitrate);
    }
  }

  private recordSegment(
    source: SegmentSource,
    bytes: number,
    url: string,
    durationMs: number,
    peerId: string | undefined,
    verifiedBy?: 'pending' | 'cid' | 'sha256' | 'none' | 'off',
  ): void {
    this.stats.recordSegment(source, bytes, durationMs);
    if (source === 'cdn') {
      this.windows?.swarmChanged();
      this.report((reporter) => reporter.recordCdn(bytes));
    }
    this.report((reporter) => reporter.recordSegmentReceived());
    const event: SegmentLoadedEvent = { source, bytes, url, durationMs: Math.round(durationMs) };
    if (peerId !== undefined) event.peerId = peerId;
    if (verifiedBy === 'cid' || verifiedBy === 'sha256' || verifiedBy === 'off') event.verifiedBy = verifiedBy;
    this.host.trigger('segmentloaded', event);
  }

  /**
   * Seconds of playback the buffer holds from the current position, at the current rate. With the
   * rest of the video buffered it is infinite: such a player needs no further segment (a seeder
   * that had played to the end once waited forever for the buffer its tracker watch asks for
   * before a rejoin).
   */
  private bufferAheadSeconds(): number {
    const player = this.host.player;
    const duration = player.duration();
    const videoEnd = Number.isFinite(duration) && duration > 0 ? duration : Number.POSITIVE_INFINITY;
    const position = Math.min(player.currentTime(), videoEnd);
    const buffered = player.buffered();
    for (let i = 0; i < buffered.length; i++) {
      if (buffered.start(i) > position + 0.1) continue;
      const end = buffered.end(i);
      if (end >= videoEnd - 0.1) return Number.POSITIVE_INFINITY;
      if (end > position) return (end - position) / (player.playbackRate() || 1);
    }
    return 0;
  }

  private readonly validateP2PSegment = async (
    url: string,
    byteRange: { start: number; end: number } | undefined,
    data: ArrayBuffer,
  ): Promise<boolean> => {
    const verdict = await checkSegment(await this.verifier, url, byteRange, data);
    const counts = this.stats.verification;
    counts.peerChecked += 1;
    if (verdict === 'ok') {
      counts.peerVerified += 1;
      this.verifiedPeerUrls.add(url);
      if (this.verifiedPeerUrls.size > 2000) this.verifiedPeerUrls.delete(this.verifiedPeerUrls.values().next().value as string);
    }
    if (verdict === 'mismatch') {
      counts.peerRejected += 1;
      this.stats.integrityFailures += 1;
      this.mismatchedUrls.add(url);
    }
    // Bytes that cannot be checked are never taken from a peer; HTTP and serving go on.
    if (verdict === 'unverifiable') this.core?.applyDynamicConfig({ simultaneousP2PDownloads: 0 });
    return verdict === 'ok';
  };

  /** A lying gateway or CDN: its bytes are neither shared nor played, and the core retries them elsewhere. */
  private readonly validateHTTPSegment = async (
    url: string,
    byteRange: { start: number; end: number } | undefined,
    data: ArrayBuffer,
  ): Promise<boolean> => {
    const target = this.engineTargets.get(url);
    // Timed before the check: the verifier may still be fetching its blocks.
    const tookMs = target ? performance.now() - target.at : 0;
    const good = await this.checkHttpBytes(url, byteRange, data);
    if (target) recordGateway(target.gateway, good ? tookMs : false);
    if (!good) this.alternates?.failed(url, target?.gateway ?? gatewayOfUrl(url));
    return good;
  };

  /**
   * How long the engine's HTTP download of a segment may run before it is hedged: the
   * `gatewayHedgeDelay` floor, or three times what its gateway usually takes if that is longer,
   * so a big segment on a slow but healthy gateway is not fetched twice. Never with one gateway.
   */
  private readonly hedgeAfterMs = (segment: { url: string }): number | undefined => {
    const delay = this.host.options.gatewayHedgeDelay;
    const gateway = this.engineTargets.get(segment.url)?.gateway;
    if (delay <= 0 || gateway === undefined || !this.alternates?.ranked(segment.url).some((g) => g !== gateway)) return undefined;
    return Math.max(delay, 3 * Math.max(0, healthOf(gateway)?.l ?? 0));
  };

  /**
   * The engine's HTTP downloads go to the best-ranked gateway (and, after bad bytes, not to the
   * one that lied); where each went is kept to record its outcome.
   */
  private readonly httpRequestSetup = async (
    url: string,
    _segmentRange: { start: number; end: number } | undefined,
    signal: AbortSignal,
    requestRange: { start: number; end?: number } | undefined,
  ): Promise<Request | undefined> => {
    const target = this.alternates?.current(url) ?? url;
    this.engineTargets.delete(url);
    this.engineTargets.set(url, { gateway: gatewayOfUrl(target), at: performance.now() });
    if (this.engineTargets.size > 500) this.engineTargets.delete(this.engineTargets.keys().next().value as string);
    if (target === url) return undefined;
    const headers: Record<string, string> = {};
    if (requestRange) headers.Range = `bytes=${requestRange.start}-${requestRange.end ?? ''}`;
    return new Request(target, { headers, signal, credentials: 'omit' });
  };

  /** `played`: the bytes were already handed to the player (a segment VHS fetched itself). */
  private async checkHttpBytes(url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer, played = false): Promise<boolean> {
    const verdict = await checkSegment(await this.verifier, url, byteRange, data);
    this.stats.verification.httpChecked += 1;
    if (verdict === 'mismatch') {
      this.stats.verification.httpRejected += 1;
      const event: GatewayIntegrityFailureEvent = { url };
      if (played) event.played = true;
      if (!this.ended) this.host.trigger('gatewayintegrityfailure', event);
    }
    return verdict !== 'mismatch';
  };

  private readonly onIntegrityProblem = (message: string) => {
    videojs.log.warn(`videojs-spk-p2p: ${message}`);
    if (!this.ended) this.host.trigger('integrityproblem', { message });
  };

  /** The core drops a peer whose segment failed validation; here it is also reported. */
  private readonly onCoreSegmentError = ({ error, peerId, segment, downloadSource }: SegmentErrorDetails) => {
    // An HTTP error or timeout counts against its gateway; bad bytes were counted by the validator.
    if (downloadSource === 'http' && error.type !== 'abort' && error.type !== 'http-segment-validation-failed') {
      recordGateway(this.engineTargets.get(segment.url)?.gateway, false);
    }
    // A failed peer download of a segment the player is already waiting on goes to the CDN
    // now; the core itself would retry it over HTTP only once the segment became urgent.
    if (peerId) this.segmentLoader?.failFast(segment.runtimeId);
    if (error.type !== 'p2p-segment-validation-failed' || !peerId || !this.mismatchedUrls.delete(segment.url)) return;
    this.host.trigger('integrityfailure', { peerId, url: segment.url });
    const report = { trackerUrls: this.host.options.trackerUrls, cid: this.videoCid, session: this.host.secret, peerId, reason: 'integrity' };
    void this.parts?.reportPeer(report, (url, status) => {
      if (!this.ended) this.host.trigger('peerreport', { peerId, reason: report.reason, url, status });
    });
  };

  private readonly onPeerConnect = ({ peerId, streamType }: PeerDetails) => {
    this.stats.peerConnected(peerId);
    this.windows?.swarmChanged();
    this.host.trigger('peerconnect', { peerId, streamType });
  };

  private readonly onPeerClose = ({ peerId, streamType }: PeerDetails) => {
    this.stats.peerClosed(peerId);
    this.windows?.swarmChanged();
    this.host.trigger('peerclose', { peerId, streamType });
  };

  private readonly onTrackerError = () => {
    this.trackerWatch?.trackerFailed();
  };

  private readonly onChunkUploaded = (bytes: number, peerId: string) => {
    this.report((reporter) => reporter.recordUpload(peerId, bytes));
    this.stats.recordUpload(bytes);
  };

  /** What this viewer received from each peer is what confirms that peer's upload claims. */
  private readonly onChunkDownloaded = (bytes: number, source: 'http' | 'p2p', peerId?: string) => {
    if (source === 'p2p' && peerId !== undefined) this.report((reporter) => reporter.recordDownload(peerId, bytes));
  };

  private openCache(videoCid: string): SessionCache {
    return new SessionCache({
      option: this.host.options.persistentCache,
      videoCid,
      masterUrl: this.masterUrl,
      verify: async (url, byteRange, data) => checkSegment(await this.verifier, url, byteRange, data),
      segmentsOfStream: (streamKey) => this.segmentMap?.segmentsOfStream(streamKey),
      bandwidth: () => this.vhs.bandwidth,
      onFetched: (data, url, byteRange, durationMs) => this.recordOwnFetch(data, url, byteRange, durationMs),
      onServed: (source, bytes, url, durationMs) => {
        this.firstSegmentDone = true;
        this.recordSegment('cache', bytes, url, durationMs, undefined);
      },
      onCorrupt: (segment) => {
        if (!this.ended) this.host.trigger('persistentcachecorrupt', { segment });
      },
    });
  }

  private report(record: (reporter: ContributionReporter) => void): void {
    if (this.reporter) record(this.reporter);
    else if (this.reporterBacklog && this.reporterBacklog.length < MAX_REPORTER_BACKLOG) this.reporterBacklog.push(record);
  }

  private async startReporter(): Promise<void> {
    const options = this.reporterOptions;
    if (!options || this.reporterBacklog === undefined) return;
    let module: typeof import('./contributions/reporter.js');
    try {
      module = await import('./contributions/reporter.js');
    } catch (error) {
      videojs.log.warn('videojs-spk-p2p: could not load the contribution reporter; this session is not reported', error);
      this.reporterBacklog = undefined;
      return;
    }
    const backlog = this.reporterBacklog;
    if (this.ended || backlog === undefined) return;
    const reporter = new module.ContributionReporter(options);
    this.reporter = reporter;
    this.reporterBacklog = undefined;
    for (const record of backlog) record(reporter);
  }
}
