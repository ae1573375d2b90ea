/** Every limit of the server is an option; the defaults are meant for production. */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { hostname } from 'node:os';
import { normalizeOrigin } from './ids.js';

export interface SignalServerOptions {
  /** Attach to this server instead of creating one; other paths and upgrades are left alone. */
  server?: HttpServer;
  /** WebSocket path. Default `/api/p2p/signal`. */
  path?: string;
  /** Announce interval sent to clients, seconds. Default 120. */
  announceIntervalS?: number;
  /** Largest WebSocket message accepted, bytes; larger ones close the socket (1009). Default 64 KiB. */
  maxMessageBytes?: number;
  /** Offers allowed in one announce; more is refused. Default 10. */
  maxOffersPerAnnounce?: number;
  /** `numwant` is clamped to this. Default 20. */
  maxNumwant?: number;
  /** Longest SDP accepted in an offer or answer, characters. Default 16 KiB. */
  maxSdpLength?: number;
  /** Swarms (info_hashes) one connection may join. Default 16. */
  maxSwarmsPerConnection?: number;
  /** info_hashes in one scrape. Default 50. */
  maxScrapeHashes?: number;
  /** A connection that sends nothing for this long is closed (4408). Default 300 000 ms. */
  idleTimeoutMs?: number;
  /** A swarm member that does not re-announce for this long is dropped. Default 270 000 ms (2 intervals + 30 s). */
  peerTimeoutMs?: number;
  /** A relayed offer can be answered for this long. Default 60 000 ms. */
  offerTimeoutMs?: number;
  /** WebSocket ping period for dead-socket detection, 0 = off. Default 30 000 ms. */
  pingIntervalMs?: number;
  /** Sustained messages per second per connection, 0 = unlimited. Default 20. */
  messageRate?: number;
  /** Messages allowed at once before the sustained rate applies. Default 60. */
  messageBurst?: number;
  /** Bytes queued to one peer and not yet sent (it is not reading) above which it gets no relayed offers or answers. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A peer over `maxBufferedBytes` for this long is closed (4507). Default 10 000 ms. */
  slowPeerTimeoutMs?: number;
  /** Open connections per client address, 0 = unlimited. Default 64. */
  maxConnectionsPerIp?: number;
  /** Open connections in total, 0 = unlimited. Default 50 000. */
  maxConnections?: number;
  /** Browser origins allowed to connect (exact, e.g. `https://3speak.tv`); empty = any. Requests without `Origin` (non-browsers) are allowed. */
  allowedOrigins?: readonly string[];
  /** Video CIDs whose rooms anyone may join; with neither this nor a token secret, every valid CID is open. */
  allowedCids?: readonly string[];
  /** Secret(s) for HMAC room tokens; when set, CIDs outside `allowedCids` need a valid token. */
  roomTokenSecret?: string | readonly string[];
  /** Accept room names that are not IPFS CIDs (development). Default false. */
  allowAnyRoomName?: boolean;
  /** Header set by a trusted proxy with the client's region (e.g. `cf-ipcountry`); it wins over the `region` hint. */
  regionHeader?: string;
  /** Header set by a trusted proxy with the client address (last entry of `x-forwarded-for`). Unset = socket address. */
  clientIpHeader?: string;
  /** Distinct reporters needed before a peer is blocked in a room. Default 3. */
  reportThreshold?: number;
  /** How long a reported peer stays blocked, ms. Default 3 600 000. */
  banDurationMs?: number;
  /** Also block the address the peer connected from. Default false (NAT would hit bystanders). */
  banAddress?: boolean;
  /** Count reporters by address instead of by session, so one machine cannot outvote others. Default true. */
  reportersByAddress?: boolean;
  /** How long a closed session is still known to the contributions directory, ms. Default 600 000. */
  sessionRetentionMs?: number;
  /** pino level; default `info`, or `silent` under node's test runner. */
  logLevel?: string;
  /** Use this pino logger instead of creating one. */
  logger?: Logger;
  /** Close timeout for graceful shutdown before sockets are terminated, ms. Default 5000. */
  shutdownTimeoutMs?: number;
  /** Cluster mode: Redis URL (`redis://host:6379/0`) shared by every node; unset = one node, no Redis. */
  redisUrl?: string;
  /** This node's id in the cluster (channel name, `node` metric label). Default hostname-pid. */
  nodeId?: string;
  /** Clock, for tests of expiry. */
  now?: () => number;
}

export type ResolvedOptions = Required<Omit<SignalServerOptions, 'server' | 'logger' | 'regionHeader' | 'clientIpHeader' | 'roomTokenSecret' | 'redisUrl' | 'nodeId'>> & {
  redisUrl: string | undefined;
  nodeId: string;
  regionHeader: string | undefined;
  clientIpHeader: string | undefined;
  roomTokenSecrets: readonly string[];
};

/** Every numeric option with its minimum and default; the CLI's flags are made from this table. */
export const NUMERIC = {
  announceIntervalS: [1, 120],
  maxMessageBytes: [1024, 64 * 1024],
  maxOffersPerAnnounce: [1, 10],
  maxNumwant: [1, 20],
  maxSdpLength: [64, 16 * 1024],
  maxSwarmsPerConnection: [1, 16],
  maxScrapeHashes: [1, 50],
  idleTimeoutMs: [1000, 300_000],
  peerTimeoutMs: [1000, 270_000],
  offerTimeoutMs: [1000, 60_000],
  pingIntervalMs: [0, 30_000],
  messageRate: [0, 20],
  messageBurst: [1, 60],
  maxBufferedBytes: [1024, 1024 * 1024],
  slowPeerTimeoutMs: [0, 10_000],
  maxConnectionsPerIp: [0, 64],
  maxConnections: [0, 50_000],
  reportThreshold: [1, 3],
  banDurationMs: [1000, 3_600_000],
  sessionRetentionMs: [0, 600_000],
  shutdownTimeoutMs: [0, 5000],
} satisfies Record<string, [min: number, fallback: number]>;

export type NumericOption = keyof typeof NUMERIC;

export class OptionError extends Error {
  override name = 'OptionError';
}

export function resolveOptions(options: SignalServerOptions): ResolvedOptions {
  const numbers: Record<string, number> = {};
  for (const [key, [min, fallback]] of Object.entries(NUMERIC)) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) {
      numbers[key] = fallback;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new OptionError(`option ${key} must be a number >= ${min}, got ${JSON.stringify(value)}`);
    }
    numbers[key] = value;
  }
  const path = options.path ?? '/api/p2p/signal';
  if (!path.startsWith('/')) throw new OptionError(`option path must start with "/", got ${JSON.stringify(path)}`);
  const secrets = options.roomTokenSecret === undefined ? [] : typeof options.roomTokenSecret === 'string' ? [options.roomTokenSecret] : [...options.roomTokenSecret];
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 16) throw new OptionError('option roomTokenSecret must be at least 16 characters');
  }
  const origins = (options.allowedOrigins ?? []).map((origin) => {
    if (typeof origin !== 'string') throw new OptionError('option allowedOrigins must be a list of origins');
    return normalizeOrigin(origin);
  });
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) throw new OptionError(`option nodeId must be 1-64 of A-Za-z0-9_.-, got ${JSON.stringify(nodeId)}`);
  if (options.redisUrl !== undefined && !/^rediss?:\/\//.test(options.redisUrl)) throw new OptionError('option redisUrl must start with redis:// or rediss://');
  const underTestRunner = Boolean(process.env.NODE_TEST_CONTEXT);
  return {
    ...numbers,
    path,
    allowedOrigins: origins,
    allowedCids: [...(options.allowedCids ?? [])],
    roomTokenSecrets: secrets,
    allowAnyRoomName: options.allowAnyRoomName ?? false,
    regionHeader: options.regionHeader?.toLowerCase(),
    clientIpHeader: options.clientIpHeader?.toLowerCase(),
    banAddress: options.banAddress ?? false,
    reportersByAddress: options.reportersByAddress ?? true,
    logLevel: options.logLevel ?? (underTestRunner ? 'silent' : 'info'),
    now: options.now ?? Date.now,
    redisUrl: options.redisUrl,
    nodeId,
  } as unknown as ResolvedOptions; // the numeric keys were checked one by one against NUMERIC above
}
