/**
 * Server options from command-line flags and environment variables: each option has a
 * kebab-case flag and an `SPK_SIGNAL_*` variable; a flag wins over the variable.
 */
import { parseArgs } from 'node:util';
import { NUMERIC, type NumericOption, type SignalServerOptions } from './options.js';

type Kind = 'number' | 'boolean' | 'string' | 'list';

interface Setting {
  flag: string;
  env: string;
  option: keyof SignalServerOptions | 'port' | 'host';
  kind: Kind;
  help: string;
}

const setting = (option: Setting['option'], kind: Kind, help: string): Setting => {
  const flag = option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return { flag, env: `SPK_SIGNAL_${flag.replace(/-/g, '_').toUpperCase()}`, option, kind, help };
};

/** Help for every numeric option; typed over all of them, so a new option cannot lack a flag. */
const NUMBER_HELP: Record<NumericOption, string> = {
  announceIntervalS: 'announce interval sent to clients, s',
  maxMessageBytes: 'largest message, bytes',
  maxOffersPerAnnounce: 'offers per announce',
  maxNumwant: 'numwant cap',
  maxSdpLength: 'longest SDP, characters',
  maxSwarmsPerConnection: 'swarms per connection',
  maxScrapeHashes: 'info hashes per scrape',
  idleTimeoutMs: 'close silent connections after, ms',
  peerTimeoutMs: 'drop peers not re-announcing after, ms',
  offerTimeoutMs: 'relayed offers can be answered for, ms',
  pingIntervalMs: 'WebSocket ping period, ms, 0 = off',
  messageRate: 'messages/s per connection, 0 = unlimited',
  messageBurst: 'message burst per connection',
  maxBufferedBytes: 'unsent bytes to a peer before it gets no relays',
  slowPeerTimeoutMs: 'close a peer over that many unsent bytes after, ms',
  maxConnectionsPerIp: 'connections per address, 0 = unlimited',
  maxConnections: 'connections in total, 0 = unlimited',
  reportThreshold: 'distinct reporters before a peer is blocked',
  banDurationMs: 'how long a reported peer is blocked, ms',
  sessionRetentionMs: 'closed sessions stay known to contributions for, ms',
  shutdownTimeoutMs: 'graceful shutdown waits for sockets, ms',
};

function numberSettings(): Setting[] {
  return (Object.keys(NUMBER_HELP) as NumericOption[]).map((option) => setting(option, 'number', `${NUMBER_HELP[option]} (${NUMERIC[option][1]})`));
}

export const SETTINGS: Setting[] = [
  setting('port', 'number', 'port to listen on (default 8080; env PORT also works)'),
  setting('host', 'string', 'address to bind (default 127.0.0.1)'),
  setting('path', 'string', 'WebSocket path (default /api/p2p/signal)'),
  ...numberSettings(),
  setting('allowedOrigins', 'list', 'comma-separated browser origins allowed (any)'),
  setting('allowedCids', 'list', 'comma-separated CIDs open without a token'),
  setting('roomTokenSecret', 'list', 'HMAC secret(s) for room tokens, comma-separated'),
  setting('allowAnyRoomName', 'boolean', 'accept rooms that are not IPFS CIDs (development)'),
  setting('regionHeader', 'string', 'trusted proxy header carrying the client region'),
  setting('clientIpHeader', 'string', 'trusted proxy header carrying the client address'),
  setting('banAddress', 'boolean', "also block the reported peer's address"),
  setting('reportersByAddress', 'boolean', 'count reporters by address, not session (true)'),
  setting('redisUrl', 'string', 'cluster mode: Redis URL shared by all nodes (none = single node)'),
  setting('nodeId', 'string', 'node id in the cluster (hostname-pid)'),
  setting('logLevel', 'string', 'pino level: fatal, error, warn, info, debug, trace, silent (info)'),
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ServeConfig {
  port: number;
  host: string;
  options: SignalServerOptions;
  help: boolean;
}

function convert(s: Setting, raw: string | boolean): unknown {
  if (s.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${s.flag} must be true or false, got ${JSON.stringify(raw)}`);
  }
  const text = String(raw);
  if (s.kind === 'number') {
    if (!/^\d+(\.\d+)?$/.test(text)) throw new ConfigError(`--${s.flag} must be a non-negative number, got ${JSON.stringify(text)}`);
    return Number(text);
  }
  if (s.kind === 'list') return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return text;
}

export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv): ServeConfig {
  const flagOptions: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of SETTINGS) {
    flagOptions[s.flag] = { type: s.kind === 'boolean' ? 'boolean' : 'string' };
    if (s.kind === 'boolean') flagOptions[`no-${s.flag}`] = { type: 'boolean' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: flagOptions, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const result: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    let raw: string | boolean | undefined = values[s.flag];
    if (s.kind === 'boolean' && values[`no-${s.flag}`] === true) raw = false;
    if (raw === undefined) raw = env[s.env];
    if (raw === undefined && s.option === 'port') raw = env.PORT;
    if (raw === undefined) continue;
    result[s.option] = convert(s, raw);
  }
  const { port = 8080, host = '127.0.0.1', ...options } = result as { port?: number; host?: string } & SignalServerOptions;
  if (!Number.isInteger(port) || port > 65535) throw new ConfigError(`--port must be an integer from 0 to 65535, got ${port}`);
  return { port, host, options, help: values.help === true };
}

export function serveUsage(): string {
  const rows = SETTINGS.map((s) => `  --${(s.flag + (s.kind === 'boolean' ? '' : ' <v>')).padEnd(30)} ${s.env.padEnd(38)} ${s.help}`);
  return [
    'Usage: spk-signal [serve] [flags]          run the signal server',
    '       spk-signal token --cid <cid> [--ttl <seconds>] [--secret <s>]   print a room token',
    '       spk-signal payouts ...             contribution payouts (spk-signal payouts --help)',
    '',
    'Flags (environment variable in the second column; a flag wins):',
    ...rows,
    '  --help',
  ].join('\n');
}
