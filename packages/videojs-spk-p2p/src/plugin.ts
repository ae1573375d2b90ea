import videojs from 'video.js';
import { DEFAULTS, validateOptions, type ResolvedOptions, type SpkP2pOptions } from './options.js';
import { SourceSession, type CdnOnlyReason, type SessionHost } from './source-session.js';
import { absoluteSourceUrl, cidFromUrl, isCid, withoutQuery } from './source-identity.js';
import { StatsCollector, type SpkP2pMode, type SpkP2pStats } from './stats.js';
import { createSessionSecret } from './swarm.js';
import { VhsInterception } from './vhs-interception.js';
import type { ContributionReporter } from './contributions/index.js';
import { mseAvailable } from './mse.js';
import type { ComponentLike, PlayerLike } from './videojs-types.js';

export type { SegmentLoadedEvent, CdnFallbackEvent, CdnOnlyReason, GatewayIntegrityFailureEvent } from './source-session.js';

export const VERSION = '0.1.0';

/** Data of the `modechange` event. */
export interface ModeChangeEvent {
  mode: SpkP2pMode;
  previous: SpkP2pMode;
  /** Why P2P is off for the current source, when it is. */
  reason?: CdnOnlyReason;
}

/** Data of the `sourcechange` event: a new source's swarm session started. */
export interface SourceChangeEvent {
  src: string;
  videoCid: string;
}

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
 *
 * The plugin itself only holds options, mode, events and the overlay. Each source VHS plays gets
 * a `SourceSession` (its swarm, statistics and contribution reports) with a `VhsInterception`
 * routing that source's segment requests to it; a new `src()`, `reset()` or `dispose()` ends it.
 */
export class SpkP2pPlugin extends PluginBase {
  static VERSION = VERSION;

  /** This page's secret for the signal server (reports, contributions). */
  readonly session: string = createSessionSecret();
  readonly options: Readonly<ResolvedOptions>;
  /** Set when the options were rejected; the plugin then stays `disabled` and playback is untouched. */
  readonly optionsError: Error | undefined;

  private readonly vjsPlayer: PlayerLike;
  /** What this browser and these options allow: `p2p` unless MSE is missing or P2P is off. */
  private readonly capability: SpkP2pMode;
  private mode_: SpkP2pMode;
  private source: SourceSession | undefined;
  private interception: VhsInterception | undefined;
  /** The first source hooked, without its query: `options.videoCid` names that video only. */
  private firstSourceKey: string | undefined;
  private readonly idleStats = new StatsCollector();
  private readonly warned = new Set<string>();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private overlay: ComponentLike | undefined;
  private disposed = false;

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
    this.capability = this.initialMode();
    this.mode_ = this.capability;
    if (resolved.enabled && resolved.trackerUrls.length === 0) {
      videojs.log.warn('videojs-spk-p2p: no `trackerUrls` given, so there is no swarm: segments come from the CDN.');
    }
    if (resolved.useManagedMediaSource) this.enableManagedMediaSource();

    this.vjsPlayer.on('xhr-hooks-ready', this.onHooksReady);
    this.vjsPlayer.on('loadstart', this.onLoadStart);
    this.vjsPlayer.on('playerreset', this.endSource);
    this.vjsPlayer.on(['timeupdate', 'seeking', 'ratechange'], this.onPlayback);
    this.vjsPlayer.on('playing', this.startStatsTimer);
    this.vjsPlayer.on(['pause', 'ended'], this.stopStatsTimer);
    this.vjsPlayer.on('loadedmetadata', this.onLoadedMetadata);
    if (resolved.overlay) this.showOverlay();
    // Added after the source was set: VHS announced its hooks already, so attach now. The
    // segment VHS asks for next is then treated as the first one: it comes from the CDN.
    if (this.vjsPlayer.tech(true)?.vhs) this.onHooksReady();
    if (error) queueMicrotask(() => this.trigger('optionserror', { error }));
  }

  /** The contribution reporter of the current source, once P2P started with `contributions` enabled. */
  get contributions(): ContributionReporter | undefined {
    return this.source?.contributions;
  }

  get mode(): SpkP2pMode {
    return this.mode_;
  }

  /** The CID of the video whose swarm the player is in, if any. */
  get videoCid(): string | undefined {
    return this.source?.videoCid;
  }

  /** Statistics of the current source (they start afresh with every new source). */
  stats(): SpkP2pStats {
    return (this.source?.stats ?? this.idleStats).snapshot(this.mode_);
  }

  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vjsPlayer.off('xhr-hooks-ready', this.onHooksReady);
    this.vjsPlayer.off('loadstart', this.onLoadStart);
    this.vjsPlayer.off('playerreset', this.endSource);
    this.vjsPlayer.off(['timeupdate', 'seeking', 'ratechange'], this.onPlayback);
    this.vjsPlayer.off('playing', this.startStatsTimer);
    this.vjsPlayer.off(['pause', 'ended'], this.stopStatsTimer);
    this.vjsPlayer.off('loadedmetadata', this.onLoadedMetadata);
    this.stopStatsTimer();
    this.endSource();
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

  private setMode(mode: SpkP2pMode, reason?: CdnOnlyReason): void {
    if (mode === this.mode_) return;
    const event: ModeChangeEvent = { mode, previous: this.mode_ };
    if (reason !== undefined) event.reason = reason;
    this.mode_ = mode;
    this.trigger('modechange', event);
  }

  /** P2P cannot work for this source: one console warning per cause, and the mode says so. */
  private fallBackToCdn(reason: CdnOnlyReason, message: string): void {
    if (!this.warned.has(reason)) {
      this.warned.add(reason);
      videojs.log.warn(`videojs-spk-p2p: ${message}`);
    }
    this.setMode('cdn-only', reason);
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

  /** A new VHS source: the previous swarm is left and, when the video can be named, a new one joined. */
  private readonly onHooksReady = () => {
    const vhs = this.vjsPlayer.tech(true)?.vhs;
    if (!vhs || vhs === this.source?.vhs) return;
    this.endSource();
    const given = this.vjsPlayer.currentSource().src ?? this.vjsPlayer.currentSrc();
    const masterUrl = absoluteSourceUrl(given);
    const videoCid = this.capability === 'p2p' ? this.videoCidOfSource(given, masterUrl) : undefined;
    const host: SessionHost = {
      player: this.vjsPlayer,
      options: this.options,
      secret: this.session,
      trigger: (event, data) => {
        if (!this.disposed) this.trigger(event, data);
      },
      fallBackToCdn: (reason, message) => this.fallBackToCdn(reason, message),
    };
    // Without a swarm the session still counts what VHS fetches: stats work in every mode.
    this.source = new SourceSession(host, vhs, masterUrl ?? given, videoCid);
    this.interception = new VhsInterception(vhs, this.source);
    if (masterUrl === undefined || videoCid === undefined) return;
    this.setMode('p2p');
    const event: SourceChangeEvent = { src: masterUrl, videoCid };
    this.trigger('sourcechange', event);
  };

  /** The CID whose swarm this source joins, or why there is none (said once, and by the mode). */
  private videoCidOfSource(given: string, masterUrl: string | undefined): string | undefined {
    if (!masterUrl) {
      this.fallBackToCdn('bad-source-url', `the source ${JSON.stringify(given)} is not a URL: playing from the CDN only`);
      return undefined;
    }
    const videoCid = this.videoCidFor(masterUrl);
    if (!videoCid) {
      this.fallBackToCdn(
        'no-video-cid',
        `no video CID for ${masterUrl}: P2P needs one to find the swarm. Pass \`videoCid\` in the plugin options, ` +
          'in the source object (`player.src({ src, type, videoCid })`), or use a gateway URL with /ipfs/<CID>/. Playing from the CDN only.',
      );
      return undefined;
    }
    this.firstSourceKey ??= withoutQuery(masterUrl);
    return videoCid;
  }

  /**
   * The source object's own `videoCid` first, then a CID the URL names (`/ipfs/<cid>/`). The
   * plugin's `videoCid` option (or a `cid` in the tracker URL) names the first video only: a
   * later `src()` of another video must not join that video's swarm.
   */
  private videoCidFor(masterUrl: string): string | undefined {
    const own = this.vjsPlayer.currentSource().videoCid;
    if (typeof own === 'string' && isCid(own)) return own;
    const named = cidFromUrl(masterUrl);
    if (named) return named;
    if (this.firstSourceKey !== undefined && this.firstSourceKey !== withoutQuery(masterUrl)) return undefined;
    return this.options.videoCid ?? this.trackerUrlCid();
  }

  private trackerUrlCid(): string | undefined {
    for (const url of this.options.trackerUrls) {
      const cid = new URL(url).searchParams.get('cid');
      if (cid && isCid(cid)) return cid;
    }
    return undefined;
  }

  /** A source VHS does not play (MP4, native HLS) never announces hooks: its predecessor's swarm ends here. */
  private readonly onLoadStart = () => {
    const source = this.source;
    if (source && this.vjsPlayer.tech(true)?.vhs !== source.vhs) this.endSource();
  };

  private readonly endSource = () => {
    this.interception?.detach();
    this.interception = undefined;
    this.source?.end();
    this.source = undefined;
  };

  /** Without VHS the browser plays the HLS itself and JavaScript never sees a segment: CDN only. */
  private readonly onLoadedMetadata = () => {
    if (this.mode_ === 'p2p' && !this.vjsPlayer.tech(true)?.vhs) this.setMode('cdn-only');
  };

  private readonly onPlayback = () => {
    this.source?.updatePlayback();
  };

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
    // Opt-in, for debugging and demos: its code loads only for a player that asks for it.
    import('./overlay.js').then(
      ({ OVERLAY_COMPONENT, registerOverlay }) => {
        if (this.disposed) return;
        registerOverlay();
        this.overlay = this.vjsPlayer.addChild(OVERLAY_COMPONENT, { plugin: this });
      },
      (error: unknown) => videojs.log.warn(`videojs-spk-p2p: could not load the stats overlay (${String(error)})`),
    );
  }
}
