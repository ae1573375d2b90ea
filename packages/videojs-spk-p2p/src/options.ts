import { INTEGRITY_POLICIES, type IntegrityPolicy } from './integrity/policy.js';
/** A TURN server as RTCIceServer wants it; username/credential are optional for URL-embedded auth. */
export interface TurnServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Scheduling knobs, in seconds of media (scaled by playback rate) unless named `Ms`. The
 * defaults aim at high offload without stalls; benchmarks may tune them.
 */
export interface SpkP2pTuning {
  /** With peers: segments this close to the playhead come from the CDN. */
  highDemandWindow?: number;
  /** Alone in the swarm: the same window, as deep as a normal player's buffer. */
  highDemandWindowAlone?: number;
  /** How far ahead peers prefetch. */
  p2pWindow?: number;
  /** How far ahead random CDN downloads seed the swarm with segments nobody has. */
  httpWindow?: number;
  /** How long after start the narrow window is kept while peers are being found. */
  discoveryGraceMs?: number;
  /**
   * Where both prefetch windows start when the engine joins; they widen with playback, a second
   * per second, to `p2pWindow` and `httpWindow`. 0 (default): no ramp, the full windows at once.
   */
  prefetchRamp?: number;
}

export interface SpkP2pOptions {
  /** Turn P2P off entirely (segments then come from the CDN through VHS's own XHR). */
  enabled?: boolean;
  /** Swarm id: viewers of one video share a swarm whatever gateway or CDN host each one uses. */
  videoCid?: string;
  /** WebSocket signal server / tracker URLs. No public tracker is ever used by default. */
  trackerUrls?: string[];
  stunServers?: string[];
  turnServers?: TurnServer[];
  /** Maximum simultaneous segment downloads from peers. */
  maxPeers?: number;
  /** Milliseconds a segment may spend on the P2P path before the plugin fetches it from the CDN itself. */
  segmentTimeout?: number;
  /** Milliseconds without bytes (or without a download starting) before the CDN takes over. */
  cdnFallbackDelay?: number;
  /** Upload cap in bytes per second; 0 means unlimited. */
  uploadLimit?: number;
  /** URL of the sha256 map; `false` disables the integrity check; unset means beside the master playlist. */
  integrityUrl?: string | false;
  /**
   * How peer and gateway bytes are checked (see integrity/segment-verifier.ts): `auto` (default:
   * the IPFS CID, else the sha256 map, else no P2P download), `cid`, `sha256`, or `off` (trust peers).
   */
  integrity?: IntegrityPolicy;
  /**
   * IPFS gateways (base URLs below which `/ipfs/<cid>` resolves): where segments of an IPFS
   * video may also be fetched, ranked by measured health, and where the CID check's blocks come
   * from. Empty means only the master playlist's own gateway. See README "Gateway health".
   */
  ipfsGateways?: string[];
  /**
   * Milliseconds an HTTP segment download the player waits on may run before the same request
   * also goes to the next-ranked gateway (at least 3× that gateway's usual time); 0 turns
   * hedging off. Default 1500.
   */
  gatewayHedgeDelay?: number;
  /** Show the small stats overlay. */
  overlay?: boolean;
  /** Let VHS use ManagedMediaSource (iOS 17.1+). Must be set before the source is loaded. */
  useManagedMediaSource?: boolean;
  /** Interval of the `stats` event while playing, in milliseconds. */
  statsInterval?: number;
  /** Segment memory kept for sharing, in MiB. */
  storageLimitMiB?: number;
  /**
   * Report bytes shared with each peer to the signal server (`POST /api/p2p/contribution`) for
   * bandwidth rewards. `true` uses the first tracker's host; unacknowledged reports wait in IndexedDB.
   */
  contributions?: boolean | ContributionsOption;
  /**
   * Keep played segments in IndexedDB so a rewatch plays without the CDN and peers can be served
   * from them while the page is open. `false` opts out. See README "Persistent segment cache".
   */
  persistentCache?: boolean | PersistentCacheOption;
}

export interface PersistentCacheOption {
  /** Bytes the cache may hold across all videos (least recently used go first). Default 256 MiB. */
  maxBytes?: number;
  /** IndexedDB database name; default `spk-p2p-segments`. */
  databaseName?: string;
}

/** `true` means these. */
export const DEFAULT_PERSISTENT_CACHE_BYTES = 256 * 1024 * 1024;

export interface ContributionsOption {
  /** Full URL of the contribution endpoint; default beside the first tracker URL. */
  endpoint?: string;
  /** Milliseconds between periodic reports (default 30 000). */
  intervalMs?: number;
}

export type ResolvedOptions = Required<Omit<SpkP2pOptions, 'videoCid' | 'integrityUrl' | 'tuning'>> & {
  tuning: Required<SpkP2pTuning>;
  videoCid: string | undefined;
  integrityUrl: string | false | undefined;
};

export const DEFAULT_STUN_SERVERS: readonly string[] = ['stun:stun.l.google.com:19302'];

export const DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  enabled: true,
  videoCid: undefined,
  trackerUrls: [],
  stunServers: [...DEFAULT_STUN_SERVERS],
  turnServers: [],
  maxPeers: 3,
  segmentTimeout: 6000,
  cdnFallbackDelay: 600,
  uploadLimit: 0,
  integrityUrl: undefined,
  integrity: 'auto',
  ipfsGateways: [],
  gatewayHedgeDelay: 1500,
  overlay: false,
  useManagedMediaSource: false,
  statsInterval: 1000,
  storageLimitMiB: 256,
  contributions: false,
  persistentCache: true,
  tuning: Object.freeze({
    highDemandWindow: 5,
    highDemandWindowAlone: 20,
    p2pWindow: 120,
    httpWindow: 60,
    discoveryGraceMs: 2000,
    prefetchRamp: 0,
  }),
});

export class SpkP2pOptionsError extends TypeError {
  constructor(message: string) {
    super(`videojs-spk-p2p: ${message}`);
    this.name = 'SpkP2pOptionsError';
  }
}

function isNonNegativeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Checks options once, up front, so a typo surfaces as one clear error instead of a swarm
 * that silently never forms. Unknown keys are ignored to stay forward compatible.
 */
export function validateOptions(merged: Record<string, unknown>): ResolvedOptions {
  const fail = (message: string): never => {
    throw new SpkP2pOptionsError(message);
  };
  if (typeof merged.enabled !== 'boolean') fail('`enabled` must be a boolean');
  if (merged.videoCid !== undefined && (typeof merged.videoCid !== 'string' || merged.videoCid === '')) {
    fail('`videoCid` must be a non-empty string');
  }
  if (!isStringArray(merged.trackerUrls)) fail('`trackerUrls` must be an array of ws:// or wss:// URLs');
  for (const url of merged.trackerUrls as string[]) {
    if (!/^wss?:\/\//i.test(url)) fail(`tracker URL "${url}" is not a ws:// or wss:// URL`);
  }
  if (!isStringArray(merged.stunServers)) fail('`stunServers` must be an array of strings');
  if (!Array.isArray(merged.turnServers)) fail('`turnServers` must be an array');
  for (const server of merged.turnServers as unknown[]) {
    const urls = (server as TurnServer | null)?.urls;
    if (typeof urls !== 'string' && !isStringArray(urls)) fail('every `turnServers` entry needs `urls`');
  }
  for (const key of ['maxPeers', 'segmentTimeout', 'cdnFallbackDelay', 'uploadLimit', 'statsInterval', 'storageLimitMiB', 'gatewayHedgeDelay']) {
    if (!isNonNegativeNumber(merged[key])) fail(`\`${key}\` must be a non-negative number`);
  }
  if ((merged.maxPeers as number) < 1) fail('`maxPeers` must be at least 1');
  if ((merged.statsInterval as number) < 100) fail('`statsInterval` must be at least 100 ms');
  if (merged.integrityUrl !== undefined && merged.integrityUrl !== false && typeof merged.integrityUrl !== 'string') {
    fail('`integrityUrl` must be a URL string or false');
  }
  if (!INTEGRITY_POLICIES.includes(merged.integrity as IntegrityPolicy)) fail(`\`integrity\` must be one of ${INTEGRITY_POLICIES.join(', ')}`);
  if (!isStringArray(merged.ipfsGateways)) fail('`ipfsGateways` must be an array of gateway URLs');
  const tuning = merged.tuning as Record<string, unknown> | null;
  if (tuning === null || typeof tuning !== 'object') fail('`tuning` must be an object');
  for (const key of ['highDemandWindow', 'highDemandWindowAlone', 'p2pWindow', 'httpWindow', 'discoveryGraceMs', 'prefetchRamp']) {
    if (!isNonNegativeNumber((tuning as Record<string, unknown>)[key])) fail(`\`tuning.${key}\` must be a non-negative number`);
  }
  for (const key of ['overlay', 'useManagedMediaSource']) {
    if (typeof merged[key] !== 'boolean') fail(`\`${key}\` must be a boolean`);
  }
  const contributions = merged.contributions;
  if (typeof contributions !== 'boolean') {
    const option = contributions as ContributionsOption | null;
    if (typeof option !== 'object' || option === null) fail('`contributions` must be a boolean or { endpoint, intervalMs }');
    else {
      if (option.endpoint !== undefined && (typeof option.endpoint !== 'string' || !/^https?:\/\//i.test(option.endpoint))) fail('`contributions.endpoint` must be an http(s) URL');
      if (option.intervalMs !== undefined && (!isNonNegativeNumber(option.intervalMs) || option.intervalMs < 1000)) fail('`contributions.intervalMs` must be at least 1000 ms');
    }
  }
  const cache = merged.persistentCache;
  if (typeof cache !== 'boolean') {
    const option = cache as PersistentCacheOption | null;
    if (typeof option !== 'object' || option === null) fail('`persistentCache` must be a boolean or { maxBytes, databaseName }');
    else {
      if (option.maxBytes !== undefined && !isNonNegativeNumber(option.maxBytes)) fail('`persistentCache.maxBytes` must be a non-negative number of bytes');
      if (option.databaseName !== undefined && (typeof option.databaseName !== 'string' || option.databaseName === '')) fail('`persistentCache.databaseName` must be a non-empty string');
    }
  }
  return merged as unknown as ResolvedOptions;
}

export function iceServersOf(options: ResolvedOptions): RTCIceServer[] {
  const servers: RTCIceServer[] = [];
  if (options.stunServers.length > 0) servers.push({ urls: [...options.stunServers] });
  for (const turn of options.turnServers) {
    const server: RTCIceServer = { urls: turn.urls };
    if (turn.username !== undefined) server.username = turn.username;
    if (turn.credential !== undefined) server.credential = turn.credential;
    servers.push(server);
  }
  return servers;
}
