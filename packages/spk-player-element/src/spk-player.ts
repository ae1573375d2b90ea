import { LitElement, html, nothing, type PropertyValues } from 'lit';
import {
  autoplayConverter,
  parseHttpUrl,
  onOffConverter,
  parseAspectRatio,
  parsePreload,
  parseSignalUrl,
  parseStartTime,
  type AutoplayValue,
} from './attributes.js';
import { DEFAULT_SIGNAL_URL } from './defaults.js';
import { SpkPlayerError, describeError } from './errors.js';
import { FORWARDED_MEDIA_EVENTS } from './media-events.js';
import { checkSourceAttributes, resolveSource, type ResolvedSource } from './resolve-source.js';
import { loadP2pPlugin, loadRuntime, videoJsSheet, type Runtime } from './runtime-loader.js';
import type { VhsStartHandle } from './early-start.js';
import { startEarlyFetch, type EarlyFetch } from './early-fetch.js';
import { playerStyles } from './styles.js';
import { gatewayOfUrl, recordGateway } from 'videojs-spk-p2p/gateway-health';
import type { SpkP2pInstance, SpkP2pStats, VhsResponseHook, VjsPlayer } from './videojs-types.js';

export type SpkPlayerState = 'idle' | 'loading' | 'ready' | 'error';

/** Detail of the `spk-source` event: what the element is playing and from where. */
export interface SpkSourceDetail {
  url: string;
  gatewayIndex: number;
  candidates: string[];
  videoCid: string | undefined;
  title: string | undefined;
}

/** Detail of the element's own `error` event and value of `element.error`. */
export interface SpkErrorDetail {
  code: string;
  title: string;
  message: string;
  retriable: boolean;
}

/** Detail of `spk-p2p-unavailable` and value of `element.p2pUnavailable`: why this video plays without P2P. */
export interface SpkP2pUnavailableDetail {
  reason: 'no-video-cid' | 'plugin-unavailable' | 'plugin-error';
  message: string;
}

/**
 * Public properties that are plain accessors (not Lit reactive properties, which Lit itself
 * carries over): a page may set them before the element's module has loaded, and that own
 * property would otherwise hide the accessor for good.
 */
const PLAIN_PROPERTIES = ['p2pOptions', 'currentTime', 'volume'] as const;

/** Attributes that decide what is played: a change starts over. */
const SOURCE_PROPERTIES = ['src', 'cid', 'v', 'gateway', 'hiveApi', 'p2p', 'signal'] as const;

/**
 * VHS answers a dead gateway mid-playback by retrying other renditions forever, never raising
 * a player error; this many failed requests in a row (with no success between) move playback
 * to the next gateway.
 */
const GATEWAY_FAILURE_LIMIT = 3;

/** Start loading a little before the element scrolls into view so the poster is there in time. */
const LAZY_ROOT_MARGIN = '300px';

const playIcon = html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 4l15 8-15 8z"></path></svg>`;

/**
 * `<spk-player>`: one tag that plays an SPK Network / 3Speak video with Video.js, sharing its
 * segments with other viewers over WebRTC (the `spkP2p` plugin) and falling back to the CDN.
 *
 * @fires play, pause, playing, waiting, timeupdate, ended, … - re-dispatched media events
 * @fires error - CustomEvent<SpkErrorDetail> when the element shows its error state
 * @fires spk-p2p-stats - CustomEvent<SpkP2pStats>, periodically while playing with P2P
 * @fires spk-source - CustomEvent<SpkSourceDetail> when a source (or a fallback gateway) is set
 * @fires spk-ready - the Video.js player exists and has its source
 * @fires spk-p2p-unavailable - CustomEvent<SpkP2pUnavailableDetail> when P2P is on but cannot work for this video
 * @csspart frame, player, placeholder, poster, play-button, title, error, error-title, error-detail, retry
 * @csspart video, control-bar, big-play-button, title-bar - Video.js's own components
 * @cssprop --spk-accent, --spk-background, --spk-color, --spk-font-family, --spk-radius,
 *   --spk-error-background, --spk-error-color, --spk-control-bar-background
 */
export class SpkPlayer extends LitElement {
  static override styles = playerStyles;

  static override properties = {
    src: { type: String, reflect: true },
    cid: { type: String, reflect: true },
    v: { type: String, reflect: true },
    gateway: { type: String, reflect: true },
    hiveApi: { type: String, reflect: true, attribute: 'hive-api' },
    poster: { type: String, reflect: true },
    autoplay: { converter: autoplayConverter, reflect: true },
    muted: { type: Boolean, reflect: true },
    loop: { type: Boolean, reflect: true },
    controls: { converter: onOffConverter, reflect: true },
    playsinline: { converter: onOffConverter, reflect: true },
    preload: { type: String, reflect: true },
    startTime: { type: String, reflect: true, attribute: 'start-time' },
    title: { type: String, reflect: true },
    aspectRatio: { type: String, reflect: true, attribute: 'aspect-ratio' },
    loading: { type: String, reflect: true },
    p2p: { converter: onOffConverter, reflect: true },
    signal: { type: String, reflect: true },
    lang: { type: String, reflect: true },
    state: { type: String, reflect: true, attribute: 'state' },
    resolvedTitle: { state: true },
    failure: { state: true },
    near: { state: true },
  };

  declare src: string | null;
  declare cid: string | null;
  declare v: string | null;
  declare gateway: string | null;
  declare hiveApi: string | null;
  declare poster: string | null;
  declare autoplay: AutoplayValue;
  declare muted: boolean;
  declare loop: boolean;
  declare controls: boolean;
  declare playsinline: boolean;
  declare preload: string | null;
  declare startTime: string | null;
  declare title: string;
  declare aspectRatio: string | null;
  declare loading: string | null;
  declare p2p: boolean;
  declare signal: string | null;
  declare lang: string;
  /** Read-only in spirit: reflected so pages and CSS can follow the element (`spk-player[state=error]`). */
  declare state: SpkPlayerState;
  private declare resolvedTitle: string | undefined;
  private declare failure: SpkPlayerError | undefined;
  private declare near: boolean;

  private p2pOptionsValue: Record<string, unknown> = {};
  private p2pOff: SpkP2pUnavailableDetail | undefined;
  private pendingVolume: number | undefined;
  /** Set when connected before the first update: pre-upgrade properties are only restored then. */
  private attachOnFirstUpdate = false;

  private player: VjsPlayer | undefined;
  private plugin: SpkP2pInstance | undefined;
  private source: ResolvedSource | undefined;
  private gatewayIndex = 0;
  private generation = 0;
  private abort: AbortController | undefined;
  private observer: IntersectionObserver | undefined;
  /** Playlists and first segment fetched while Video.js loads, for the first source only. */
  private early: EarlyFetch | undefined;
  private runtime: Runtime | undefined;
  private wanted = false;
  private startApplied = false;
  private hadPlayback = false;
  private pendingTime: number | undefined;
  private failuresInARow = 0;
  private readyWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor() {
    super();
    this.src = null;
    this.cid = null;
    this.v = null;
    this.gateway = null;
    this.hiveApi = null;
    this.poster = null;
    this.autoplay = false;
    this.muted = false;
    this.loop = false;
    this.controls = true;
    this.playsinline = true;
    this.preload = null;
    this.startTime = null;
    this.aspectRatio = null;
    this.loading = null;
    this.p2p = true;
    this.signal = null;
    this.state = 'idle';
    this.near = false;
    for (const name of PLAIN_PROPERTIES) {
      if (!Object.prototype.hasOwnProperty.call(this, name)) continue;
      const value: unknown = this[name];
      delete this[name];
      (this as Record<string, unknown>)[name] = value;
    }
  }

  /**
   * Extra options for the `spkP2p` plugin (e.g. `{ stunServers: [] }`), merged over what the
   * attributes give. Set before the player starts; changing it later needs `reload()`.
   */
  get p2pOptions(): Record<string, unknown> {
    return this.p2pOptionsValue;
  }

  set p2pOptions(options: Record<string, unknown>) {
    // Pages are untyped: anything but a plain object would spread into nonsense plugin options.
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      console.warn('spk-player: p2pOptions must be an object of spkP2p plugin options; ignored', options);
      return;
    }
    this.p2pOptionsValue = options;
  }

  /** Why P2P is off for the current video although `p2p` is on, or null. */
  get p2pUnavailable(): SpkP2pUnavailableDetail | null {
    return this.p2pOff ? { ...this.p2pOff } : null;
  }

  // ---- media-element-like API -------------------------------------------------------------

  get paused(): boolean {
    return this.player ? this.player.paused() : true;
  }

  get ended(): boolean {
    return this.player ? this.player.ended() : false;
  }

  get duration(): number {
    const duration = this.player?.duration();
    return typeof duration === 'number' && duration > 0 ? duration : (this.source?.durationSeconds ?? Number.NaN);
  }

  get currentTime(): number {
    if (this.player && this.player.readyState() > 0) return this.player.currentTime();
    return this.pendingTime ?? this.safeStartTime();
  }

  set currentTime(seconds: number) {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    if (this.player && this.player.readyState() > 0) this.player.currentTime(seconds);
    else this.pendingTime = seconds;
  }

  get volume(): number {
    return this.player ? this.player.volume() : (this.pendingVolume ?? 1);
  }

  set volume(level: number) {
    if (typeof level !== 'number' || Number.isNaN(level)) return;
    const clamped = Math.min(1, Math.max(0, level));
    if (this.player) this.player.volume(clamped);
    else this.pendingVolume = clamped;
  }

  get readyState(): number {
    return this.player ? this.player.readyState() : 0;
  }

  /** The current error, or null; like HTMLMediaElement.error but with SPK codes. */
  get error(): SpkErrorDetail | null {
    const failure = this.failure;
    if (!failure) return null;
    return { code: failure.code, title: failure.title, message: failure.detail, retriable: failure.retriable };
  }

  /** The underlying Video.js player once loaded (for advanced use). */
  get videojsPlayer(): VjsPlayer | undefined {
    return this.player;
  }

  /** The plugin's current P2P statistics, or null before the player (or with P2P off). */
  stats(): SpkP2pStats | null {
    return this.plugin ? this.plugin.stats() : null;
  }

  /** Starts playback, loading the player first if needed (also for a lazy element off screen). */
  async play(): Promise<void> {
    this.wanted = true;
    await this.whenReady();
    const player = this.player;
    if (!player) throw new Error('spk-player: the player is not available');
    await player.play();
  }

  pause(): void {
    this.wanted = false;
    this.player?.pause();
  }

  /** Starts over: resolves the source again and recreates the player (the retry button does this). */
  reload(): void {
    this.startLoading();
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  override connectedCallback(): void {
    super.connectedCallback();
    // Before the first update, properties a page set before the upgrade (loading, src, …) are
    // still held by Lit: decide lazy or eager once they are in place.
    if (this.hasUpdated) this.attach();
    else this.attachOnFirstUpdate = true;
  }

  private attach(): void {
    if (this.loading === 'lazy') {
      // Moved or re-attached: wait for the viewport again rather than loading off screen.
      this.near = false;
      this.observeViewport();
    } else if (this.near) {
      // Re-attached after a disconnect tore the player down: `near` does not change, so start here.
      this.startLoading();
    } else {
      this.near = true;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.attachOnFirstUpdate = false;
    this.observer?.disconnect();
    this.observer = undefined;
    this.teardown();
    this.state = 'idle';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.attachOnFirstUpdate) {
      this.attachOnFirstUpdate = false;
      if (this.isConnected) this.attach();
    }
    if (changed.has('aspectRatio')) {
      try {
        this.style.setProperty('--_aspect-ratio', parseAspectRatio(this.aspectRatio));
      } catch {
        // Reported by validate() as a visible error; keep the default shape meanwhile.
        this.style.removeProperty('--_aspect-ratio');
      }
    }
    if (changed.has('loading') && this.loading !== 'lazy' && !this.near && this.isConnected) {
      this.observer?.disconnect();
      this.near = true;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Private reactive state is not part of keyof this, so look it up by name.
    const nearChanged = (changed as Map<PropertyKey, unknown>).has('near');
    const sourceChanged = SOURCE_PROPERTIES.some((name) => changed.has(name));
    const settingsChanged = ['aspectRatio', 'preload', 'startTime', 'poster', 'loading'].some((name) => changed.has(name as keyof SpkPlayer));
    if (nearChanged || sourceChanged || (settingsChanged && this.state === 'error')) {
      if (this.near || this.wanted) this.startLoading();
      else this.checkEarly();
    }
    if (this.player && !sourceChanged) this.applyPlaybackSettings(changed);
  }

  // ---- loading --------------------------------------------------------------------------------

  private observeViewport(): void {
    // Validate right away: a lazy element with a bad attribute shows its error without waiting.
    this.checkEarly();
    this.observer?.disconnect();
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          this.observer?.disconnect();
          this.observer = undefined;
          this.near = true;
        }
      },
      { rootMargin: LAZY_ROOT_MARGIN },
    );
    this.observer.observe(this);
  }

  private checkEarly(): void {
    try {
      this.validate();
      if (this.state === 'error') this.clearFailure('idle');
    } catch (error) {
      this.fail(error);
    }
  }

  private safeStartTime(): number {
    try {
      return parseStartTime(this.startTime);
    } catch {
      return 0;
    }
  }

  /** Everything that can be checked without the network; throws SpkPlayerError. */
  private validate(): void {
    checkSourceAttributes({ src: this.src, cid: this.cid, v: this.v, gateway: this.gateway, hiveApi: this.hiveApi, baseUrl: document.baseURI });
    parsePreload(this.preload);
    parseStartTime(this.startTime);
    parseAspectRatio(this.aspectRatio);
    if (this.signal !== null && this.signal.trim() !== '') parseSignalUrl(this.signal);
    if (this.poster !== null && this.poster.trim() !== '') parseHttpUrl('poster', this.poster, document.baseURI);
    if (this.loading !== null && this.loading !== '' && this.loading !== 'lazy' && this.loading !== 'eager') {
      throw new SpkPlayerError('invalid-attribute', `loading="${this.loading}" must be lazy or eager`);
    }
  }

  private startLoading(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    // `near` changing makes updated() call here again: load then, or the first load is cancelled
    // by a second (and its Hive request sent twice).
    if (!this.near) {
      this.near = true;
      return;
    }
    void this.load(++this.generation);
  }

  private async load(generation: number): Promise<void> {
    this.teardown();
    this.failure = undefined;
    this.p2pOff = undefined;
    this.state = 'loading';
    const abort = new AbortController();
    this.abort = abort;
    const current = () => generation === this.generation && !abort.signal.aborted;
    try {
      this.validate();
      const resolving = resolveSource(
        { src: this.src, cid: this.cid, v: this.v, gateway: this.gateway, hiveApi: this.hiveApi, baseUrl: document.baseURI },
        abort.signal,
      );
      // VHS starts fetching only once Video.js has loaded and made the player: start it now.
      if (parsePreload(this.preload) !== 'none') {
        void resolving.then((source) => {
          const url = source.candidates[0];
          if (current() && url !== undefined) this.early = startEarlyFetch(this, url, this.safeStartTime() === 0, abort.signal);
        }, () => undefined);
      }
      const [source, runtime] = await Promise.all([
        resolving,
        loadRuntime().catch((error: unknown) => {
          throw new SpkPlayerError('player-load-failed', describeError(error), { cause: error });
        }),
        this.p2p ? loadP2pPlugin() : Promise.resolve(),
      ]);
      // The stage the player goes into exists only after the first render.
      await this.updateComplete;
      if (!current()) return;
      this.source = source;
      this.resolvedTitle = source.title;
      this.gatewayIndex = 0;
      this.createPlayer(runtime, source);
    } catch (error) {
      if (current()) this.fail(error);
    }
  }

  private createPlayer(runtime: Runtime, source: ResolvedSource): void {
    const root = this.renderRoot as ShadowRoot;
    const sheet = videoJsSheet(runtime.videoJsStyles);
    if (!root.adoptedStyleSheets.includes(sheet)) {
      // Video.js's rules go first so the element's theming rules win at equal specificity.
      root.adoptedStyleSheets = [sheet, ...root.adoptedStyleSheets];
    }
    const stage = root.querySelector('.stage');
    if (!stage) throw new Error('spk-player: render root is missing its stage');
    const videoElement = document.createElement('video-js');
    videoElement.className = 'vjs-spk';
    stage.replaceChildren(videoElement);

    const poster = this.posterUrl(0);
    const player = runtime.createVideoJs(videoElement, {
      controls: this.controls,
      autoplay: this.autoplayOption(),
      muted: this.muted || this.autoplay === 'muted',
      loop: this.loop,
      preload: parsePreload(this.preload),
      playsinline: this.playsinline,
      fill: true,
      experimentalSvgIcons: true,
      errorDisplay: false,
      ...(this.lang ? { language: this.lang } : {}),
      ...(poster ? { poster } : {}),
      html5: { vhs: { overrideNative: true }, nativeAudioTracks: false, nativeVideoTracks: false },
    });
    this.player = player;
    this.runtime = runtime;
    this.startApplied = false;
    this.hadPlayback = false;
    this.exposeParts(player);
    this.updateTitleBar();
    this.forwardEvents(player);
    if (this.p2p) this.startP2p(player, source);
    if (this.pendingVolume !== undefined) player.volume(this.pendingVolume);
    this.pendingVolume = undefined;
    this.setSource(0);
    this.state = 'ready';
    this.dispatchEvent(new Event('spk-ready'));
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
  }

  /** P2P is an optimisation: when it cannot work the video still plays, and the page is told why. */
  private startP2p(player: VjsPlayer, source: ResolvedSource): void {
    const options = this.p2pOptions;
    const videoCid = source.videoCid ?? (typeof options['videoCid'] === 'string' ? options['videoCid'] : undefined);
    if (typeof player.spkP2p !== 'function') {
      this.p2pUnavailableBecause('plugin-unavailable', 'the spkP2p plugin is not registered with Video.js');
      return;
    }
    // Swarms (signal rooms) are keyed by the video's root CID; without one there is nobody to meet.
    if (videoCid === undefined) {
      this.p2pUnavailableBecause(
        'no-video-cid',
        'P2P needs the video\'s CID: set cid or v, give src as an IPFS gateway URL (…/ipfs/<cid>/…), or p2pOptions.videoCid; playing from the source only',
      );
      return;
    }
    const signal = this.signal !== null && this.signal.trim() !== '' ? parseSignalUrl(this.signal) : DEFAULT_SIGNAL_URL;
    try {
      // The plugin ranks and hedges segment requests over the same gateways the element fails over between.
      const gateways = source.gateways.length > 1 ? { ipfsGateways: source.gateways } : {};
      this.plugin = player.spkP2p({ enabled: true, trackerUrls: [signal], videoCid, ...gateways, ...options });
    } catch (error) {
      this.p2pUnavailableBecause('plugin-error', describeError(error));
      return;
    }
    this.plugin.on('stats', () => {
      const stats = this.plugin?.stats();
      if (stats) this.dispatchEvent(new CustomEvent('spk-p2p-stats', { detail: stats }));
    });
  }

  private p2pUnavailableBecause(reason: SpkP2pUnavailableDetail['reason'], message: string): void {
    this.p2pOff = { reason, message };
    console.warn(`spk-player: P2P is off for this video: ${message}`);
    this.dispatchEvent(new CustomEvent('spk-p2p-unavailable', { detail: { reason, message } }));
  }

  private setSource(index: number): void {
    const player = this.player;
    const source = this.source;
    const url = source?.candidates[index];
    if (!player || !source || url === undefined) return;
    this.gatewayIndex = index;
    this.failuresInARow = 0;
    const poster = this.posterUrl(index);
    if (poster) player.poster(poster);
    player.src({ src: url, type: 'application/x-mpegURL' });
    const detail: SpkSourceDetail = {
      url,
      gatewayIndex: index,
      candidates: [...source.candidates],
      videoCid: source.videoCid,
      title: source.title,
    };
    this.dispatchEvent(new CustomEvent('spk-source', { detail }));
  }

  private posterUrl(index: number): string | undefined {
    if (this.poster !== null && this.poster.trim() !== '') {
      try {
        const url = new URL(this.poster, document.baseURI);
        if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
      } catch {
        // An unusable poster is cosmetic: fall back to the video's thumbnail.
      }
    }
    return this.source?.posters[index];
  }

  private autoplayOption(): boolean | string {
    if (this.autoplay === 'muted') return 'muted';
    // 'any' tries with sound first and falls back to muted, as 3Speak's own player does.
    return this.autoplay ? 'any' : false;
  }

  /** Lets pages style Video.js's main controls from outside through ::part(). */
  private exposeParts(player: VjsPlayer): void {
    player.el().setAttribute('part', 'video');
    player.getChild('ControlBar')?.el().setAttribute('part', 'control-bar');
    player.getChild('BigPlayButton')?.el().setAttribute('part', 'big-play-button');
    player.getChild('TitleBar')?.el().setAttribute('part', 'title-bar');
  }

  /** Video.js's title bar shows the title over the poster and while paused. */
  private updateTitleBar(): void {
    this.player?.getChild('TitleBar')?.update?.({ title: this.title || this.resolvedTitle || '' });
  }

  private forwardEvents(player: VjsPlayer): void {
    for (const type of FORWARDED_MEDIA_EVENTS) {
      player.on(type, () => this.dispatchEvent(new Event(type)));
    }
    player.on('loadedmetadata', () => {
      if (this.startApplied) return;
      this.startApplied = true;
      const start = this.pendingTime ?? this.safeStartTime();
      this.pendingTime = undefined;
      if (start > 0) player.currentTime(start);
    });
    player.on('playing', () => {
      this.hadPlayback = true;
    });
    player.on('volumechange', () => {
      // Keep the reflected attribute in step with the mute button.
      if (player.muted() !== this.muted) this.muted = player.muted();
    });
    player.on('error', () => this.onPlayerError(player));
    // VHS makes a new request function (and hook set) for every source.
    player.on('xhr-hooks-ready', () => {
      const vhs = player.tech(true)?.vhs;
      vhs?.xhr.onResponse(this.onVhsResponse);
      // VjsTech lists only the response hooks the element itself uses.
      if (vhs && this.early && this.runtime) this.runtime.attachEarlyFetch(vhs as unknown as VhsStartHandle, this.early, this.runtime.vhsPlaylistSelector);
      this.early = undefined;
    });
  }

  private readonly onVhsResponse: VhsResponseHook = (request, error, response) => {
    if (request.aborted) return;
    const status = response?.statusCode ?? 0;
    const ok = !error && status >= 200 && status < 400;
    // Playlists only: the P2P plugin records segments itself, and the record is one for both.
    if (request.requestType !== 'segment') {
      recordGateway(gatewayOfUrl(request.uri ?? ''), ok ? Date.now() - (request.requestTime ?? Date.now()) : false);
    }
    if (ok) {
      this.failuresInARow = 0;
      return;
    }
    this.failuresInARow += 1;
    const source = this.source;
    const player = this.player;
    if (!source || !player || this.failuresInARow < GATEWAY_FAILURE_LIMIT) return;
    // On the last gateway VHS keeps retrying: a short outage then heals by itself.
    if (this.gatewayIndex + 1 >= source.candidates.length) return;
    this.failOver(player);
  };

  /** Moves to the next gateway at the current position, keeping play/pause as it was. */
  private failOver(player: VjsPlayer): void {
    const position = player.currentTime();
    const wasPlaying = this.hadPlayback && !player.paused();
    this.failuresInARow = 0;
    // Leaving a gateway counts against it, so the next video (and the plugin) rank it lower.
    recordGateway(gatewayOfUrl(this.source?.candidates[this.gatewayIndex] ?? ''), false);
    player.error(null);
    if (position > 0) this.pendingTime = position;
    this.startApplied = false;
    this.setSource(this.gatewayIndex + 1);
    if (wasPlaying || this.wanted) void player.play()?.catch(() => undefined);
  }

  /**
   * A failing gateway (unreachable, 404, broken segments) moves playback to the next one at
   * the same position; only when every gateway failed does the element show an error.
   */
  private onPlayerError(player: VjsPlayer): void {
    const mediaError = player.error();
    const source = this.source;
    if (!source || player !== this.player) return;
    const next = this.gatewayIndex + 1;
    // Code 3 is a decode error: the same bytes from another gateway would fail the same way.
    if (mediaError?.code !== 3 && next < source.candidates.length) {
      this.failOver(player);
      return;
    }
    const detail = mediaError?.message || 'the media could not be loaded';
    const code = mediaError?.code === 3 ? 'media-error' : 'gateway-unavailable';
    const tried = source.candidates.length > 1 ? ` (tried ${source.candidates.length} gateways)` : '';
    this.fail(new SpkPlayerError(code, `${detail}${tried}`));
  }

  private applyPlaybackSettings(changed: PropertyValues<this>): void {
    const player = this.player;
    if (!player) return;
    if (changed.has('muted') && player.muted() !== this.muted) player.muted(this.muted);
    if (changed.has('loop')) player.loop(this.loop);
    if (changed.has('controls')) player.controls(this.controls);
    if (changed.has('autoplay')) player.autoplay(this.autoplayOption());
    if (changed.has('playsinline')) player.playsinline(this.playsinline);
    if (changed.has('lang') && this.lang) player.language(this.lang);
    if (changed.has('title')) this.updateTitleBar();
    if (changed.has('poster')) {
      const poster = this.posterUrl(this.gatewayIndex);
      if (poster) player.poster(poster);
    }
  }

  private whenReady(): Promise<void> {
    if (this.player && this.state === 'ready') return Promise.resolve();
    if (this.state === 'error' && this.failure) return Promise.reject(this.failure);
    const promise = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this.state === 'idle') this.startLoading();
    return promise;
  }

  private fail(error: unknown): void {
    const failure =
      error instanceof SpkPlayerError ? error : new SpkPlayerError('player-load-failed', describeError(error), { cause: error });
    this.teardown();
    this.failure = failure;
    this.state = 'error';
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(failure);
    const detail = this.error;
    this.dispatchEvent(new CustomEvent('error', { detail }));
  }

  private clearFailure(state: SpkPlayerState): void {
    this.failure = undefined;
    this.state = state;
  }

  private teardown(): void {
    this.abort?.abort();
    this.early = undefined;
    this.abort = undefined;
    this.plugin = undefined;
    const player = this.player;
    this.player = undefined;
    if (player && !player.isDisposed()) player.dispose();
    this.renderRoot.querySelector?.('.stage')?.replaceChildren();
  }

  // ---- rendering ------------------------------------------------------------------------------

  protected override render() {
    const failure = this.failure;
    const title = this.title || this.resolvedTitle;
    const showPlaceholder = this.state !== 'ready' && !failure;
    // The poster image is only requested once the element is near the viewport.
    const poster = this.near ? this.posterUrl(0) : undefined;
    return html`
      <div class="frame" part="frame" lang=${this.lang || nothing}>
        <div class="stage" part="player"></div>
        ${showPlaceholder
          ? html`<div class="overlay placeholder" part="placeholder" @click=${this.onPlaceholderClick}>
              ${poster ? html`<img part="poster" src=${poster} alt="" decoding="async" />` : nothing}
              ${title ? html`<p class="title" part="title">${title}</p>` : nothing}
              <button
                class="play-button"
                part="play-button"
                type="button"
                aria-label=${title ? `Play ${title}` : 'Play video'}
                aria-busy=${this.state === 'loading' ? 'true' : 'false'}
              >
                ${playIcon}
              </button>
            </div>`
          : nothing}
        ${failure
          ? html`<div class="overlay error" part="error" role="alert">
              <p class="error-title" part="error-title">${failure.title}</p>
              <p class="error-detail" part="error-detail">${failure.detail}</p>
              ${failure.retriable
                ? html`<button class="retry" part="retry" type="button" @click=${this.onRetry}>Retry</button>`
                : nothing}
            </div>`
          : nothing}
      </div>
    `;
  }

  private readonly onPlaceholderClick = () => {
    this.wanted = true;
    if (this.state === 'idle') this.startLoading();
    void this.whenReady()
      .then(() => this.player?.play())
      .catch(() => undefined);
  };

  private readonly onRetry = (event: Event) => {
    event.stopPropagation();
    this.reload();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'spk-player': SpkPlayer;
  }
}
