/**
 * `videojs-spk-p2p/hlsjs`: our defaults for players built on hls.js rather than VHS, through
 * p2p-media-loader-hlsjs 2.3.1 (whose swarms our Video.js 8 viewers share, see stream-ids.ts):
 * Video.js 10's hls.js media element, or any page that owns an hls.js instance. Same signal
 * server rooms (`cid` + `session` in the tracker URL), swarm id = CID, ICE servers, integrity
 * (sha256 map / CID, as the plugin), stats and contribution reports. No Video.js 8 import.
 */
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import type { CoreConfig, SegmentErrorDetails } from 'p2p-media-loader-core';
import { checkSegment, enableVerifiedP2P } from './integrity/p2p-gate.js';
import { SegmentVerifier } from './integrity/segment-verifier.js';
import { DEFAULTS, iceServersOf, validateOptions, type ResolvedOptions, type SpkP2pOptions } from './options.js';
import { StatsCollector, type SpkP2pStats } from './stats.js';
import { createSessionSecret, trackerUrlFor } from './swarm.js';
import { ContributionReporter } from './contributions/reporter.js';
import { reporterOptionsFor } from './contributions/settings.js';

export { HlsJsP2PEngine };

export interface SpkHlsJsOptions extends SpkP2pOptions {
  /** The video's CID: swarm id and signal-server room. Required: without it there is no swarm. */
  videoCid: string;
  /** Absolute master playlist URL (where the sha256 map and the block gateway are found). */
  masterUrl: string;
}

/** hls.js config entries that route its fragment and playlist loads through the P2P engine. */
export type HlsJsLoaderConfig = ReturnType<HlsJsP2PEngine['getConfigForHlsJs']>;

/**
 * One video's P2P session for an hls.js player. Create it once per source, merge
 * `hlsJsConfig` into the hls.js config, `bind()` the hls.js instance (or a getter for it), and
 * `destroy()` it with the source. Fires `segmentloaded`, `peerconnect`, `peerclose`,
 * `integrityfailure` and `stats` (every `statsInterval`) as CustomEvents.
 */
export class SpkHlsJsP2P extends EventTarget {
  readonly engine: HlsJsP2PEngine;
  readonly hlsJsConfig: HlsJsLoaderConfig;
  readonly session = createSessionSecret();
  readonly options: Readonly<ResolvedOptions>;
  private readonly collector = new StatsCollector();
  private readonly verifier: SegmentVerifier;
  private readonly reporter: ContributionReporter | undefined;
  private readonly started = new Map<string, number>();
  private readonly mismatched = new Set<string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private destroyed = false;

  constructor(options: SpkHlsJsOptions) {
    super();
    const { masterUrl, ...rest } = options;
    this.options = validateOptions({ ...DEFAULTS, ...rest });
    const resolved = this.options;
    const cid = options.videoCid;
    this.verifier = new SegmentVerifier({
      policy: resolved.integrity,
      masterUrl,
      videoCid: cid,
      integrityUrl: resolved.integrityUrl,
      gateways: resolved.ipfsGateways,
      onProblem: (message) => this.emit('integrityproblem', { message }),
    });
    const core: Partial<CoreConfig> = {
      swarmId: cid,
      announceTrackers: resolved.trackerUrls.map((url) => trackerUrlFor(url, cid, this.session)),
      rtcConfig: { iceServers: iceServersOf(resolved) },
      // No peer download until the verifier knows how to check peer bytes, as in the plugin.
      simultaneousP2PDownloads: 0,
      p2pNotReceivingBytesTimeoutMs: resolved.cdnFallbackDelay,
      highDemandTimeWindow: resolved.tuning.highDemandWindow,
      p2pDownloadTimeWindow: resolved.tuning.p2pWindow,
      httpDownloadTimeWindow: resolved.tuning.httpWindow,
      segmentMemoryStorageLimit: resolved.storageLimitMiB,
      isP2PUploadDisabled: !resolved.enabled,
      isP2PDisabled: !resolved.enabled,
      validateP2PSegment: this.validateP2PSegment,
      validateHTTPSegment: this.validateHTTPSegment,
    };
    this.engine = new HlsJsP2PEngine({ core });
    this.hlsJsConfig = this.engine.getConfigForHlsJs();
    this.listen();
    const reporterOptions = reporterOptionsFor(resolved.contributions, resolved.trackerUrls, this.session, cid);
    if (reporterOptions) this.reporter = new ContributionReporter(reporterOptions);
    const engine = this.engine;
    void enableVerifiedP2P(
      this.verifier,
      { applyDynamicConfig: (config) => engine.applyDynamicConfig({ core: config }) },
      resolved.maxPeers,
      () => !this.destroyed,
    );
    this.timer = setInterval(() => this.emit('stats', this.stats()), resolved.statsInterval);
  }

  /** The hls.js instance, or a getter for one that does not exist yet (a media element's `engine`). */
  bind(hls: unknown): void {
    this.engine.bindHls(hls);
  }

  stats(): SpkP2pStats {
    return this.collector.snapshot(this.options.enabled ? 'p2p' : 'disabled');
  }

  get contributions(): ContributionReporter | undefined {
    return this.reporter;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.timer);
    this.engine.destroy();
    this.reporter?.dispose();
  }

  private emit(type: string, detail: object): void {
    if (!this.destroyed) this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  private listen(): void {
    const engine = this.engine;
    engine.addEventListener('onSegmentStart', ({ segment }) => this.started.set(segment.url, performance.now()));
    engine.addEventListener('onSegmentLoaded', ({ segmentUrl, bytesLength, downloadSource, peerId }) => {
      const startedAt = this.started.get(segmentUrl);
      this.started.delete(segmentUrl);
      const durationMs = startedAt === undefined ? 0 : performance.now() - startedAt;
      const source = downloadSource === 'p2p' ? 'p2p' : 'cdn';
      this.collector.recordSegment(source, bytesLength, durationMs);
      if (source === 'cdn') this.reporter?.recordCdn(bytesLength);
      this.reporter?.recordSegmentReceived();
      this.emit('segmentloaded', { source, bytes: bytesLength, url: segmentUrl, durationMs: Math.round(durationMs), ...(peerId ? { peerId } : {}) });
    });
    engine.addEventListener('onPeerConnect', ({ peerId, streamType }) => {
      this.collector.peerConnected(peerId);
      this.emit('peerconnect', { peerId, streamType });
    });
    engine.addEventListener('onPeerClose', ({ peerId, streamType }) => {
      this.collector.peerClosed(peerId);
      this.emit('peerclose', { peerId, streamType });
    });
    engine.addEventListener('onChunkUploaded', (bytes, peerId) => {
      this.collector.recordUpload(bytes);
      this.reporter?.recordUpload(peerId, bytes);
    });
    engine.addEventListener('onChunkDownloaded', (bytes, source, peerId) => {
      if (source === 'p2p' && peerId !== undefined) this.reporter?.recordDownload(peerId, bytes);
    });
    engine.addEventListener('onSegmentError', ({ error, peerId, segment }: SegmentErrorDetails) => {
      if (error.type !== 'p2p-segment-validation-failed' || !peerId || !this.mismatched.delete(segment.url)) return;
      this.emit('integrityfailure', { peerId, url: segment.url });
    });
  }

  private readonly validateP2PSegment = async (url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): Promise<boolean> => {
    const verdict = await checkSegment(this.verifier, url, byteRange, data);
    if (verdict === 'mismatch') {
      this.collector.integrityFailures += 1;
      this.mismatched.add(url);
    }
    return verdict === 'ok';
  };

  private readonly validateHTTPSegment = async (url: string, byteRange: { start: number; end: number } | undefined, data: ArrayBuffer): Promise<boolean> =>
    (await checkSegment(this.verifier, url, byteRange, data)) !== 'mismatch';
}

/**
 * The media elements of Video.js 10 that run hls.js. 10.0.0-rc.2's `<hlsjs-video>` takes the
 * hls.js config as `source.engine.hlsJs`; 10.0.0-beta.23's `<hls-video>` took it as `config`.
 * Both expose the running hls.js instance as `engine`.
 */
export interface HlsJsMediaElement extends HTMLElement {
  readonly engine: unknown;
  source?: { src: string; engine?: { hlsJs?: object } };
  config?: object;
  src: string;
}

/**
 * Plays `src` in a Video.js 10 hls.js media element with P2P. The element builds hls.js from
 * its config, so the config is set once, before the source; changing it later would rebuild
 * hls.js without our loaders.
 */
export function attachToVideojs10(element: HlsJsMediaElement, options: SpkHlsJsOptions & { hlsJs?: object }): SpkHlsJsP2P {
  const p2p = new SpkHlsJsP2P(options);
  p2p.bind(() => element.engine);
  const hlsJs = { ...options.hlsJs, ...p2p.hlsJsConfig };
  if ('source' in element) element.source = { src: options.masterUrl, engine: { hlsJs } };
  else {
    element.config = hlsJs;
    element.src = options.masterUrl;
  }
  return p2p;
}
