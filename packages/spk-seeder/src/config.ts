/**
 * Seeder settings from command-line flags and `SPK_SEEDER_*` environment variables (a flag wins
 * over its variable). Every value is checked here, so a bad one stops the process at start with
 * a message naming the flag, never later with a stack trace.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isCid } from 'videojs-spk-p2p/node';

export interface SeederConfig {
  cids: string[];
  gateways: string[];
  /** The signal server's WebSocket URL (`wss://host/api/p2p/signal`). */
  signalUrl: string;
  cacheDir: string;
  cacheMaxBytes: number;
  /** 0: unlimited. */
  maxUploadBytesPerSecond: number;
  maxPeers: number;
  maxMemoryBytes: number;
  /** Unset: no metrics server. 0: any free port (tests). */
  metricsPort: number | undefined;
  metricsHost: string;
  logLevel: LogLevel;
  /** `--rooms-from`: seed the busiest of the candidate rooms as the signal server counts them. */
  rooms: RoomsConfig | undefined;
  /** Report uploads to the signal server's contributions API, as viewers do. */
  contributions: boolean;
  /** Hive account the operator links to the seeder's viewer (a challenge to sign is logged). */
  hiveAccount: string | undefined;
}

export interface RoomsConfig {
  /** HTTP base of the signal server's API (`https://host`). */
  apiUrl: string;
  /** File of candidate CIDs, read again at every refresh; unset, the server's own list of its busiest rooms. */
  candidatesFile: string | undefined;
  top: number;
  intervalMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

type Kind = 'list' | 'string' | 'bytes' | 'integer';

interface Setting {
  flag: string;
  env: string;
  kind: Kind;
  help: string;
  /** Shown in the help; applied when neither flag nor variable is given. */
  fallback?: string;
}

const setting = (flag: string, kind: Kind, help: string, fallback?: string): Setting => ({
  flag,
  env: `SPK_SEEDER_${flag.replace(/-/g, '_').toUpperCase()}`,
  kind,
  help,
  ...(fallback !== undefined ? { fallback } : {}),
});

const SETTINGS: readonly Setting[] = [
  setting('cid', 'list', 'video CID to seed; repeat the flag (the variable takes a comma-separated list)'),
  setting('cids-file', 'string', 'file with one CID a line (# starts a comment)'),
  setting('gateway', 'list', 'trustless IPFS gateway base URL, tried in order; repeatable', 'https://ipfs-3speak.b-cdn.net'),
  setting('signal', 'string', 'signal server WebSocket URL, e.g. wss://host/api/p2p/signal'),
  setting('cache-dir', 'string', 'folder for verified segments and the cache index', './spk-seeder-cache'),
  setting('cache-max-bytes', 'bytes', 'disk cache cap; least recently used segments go first', '10GiB'),
  setting('max-upload-bytes-per-second', 'bytes', 'upload cap for all peers together, 0 = unlimited', '0'),
  setting('max-peers', 'integer', 'WebRTC peers connected at once, over all videos', '100'),
  setting('max-memory-bytes', 'bytes', 'segments kept in memory to serve from (disk is the source of truth)', '256MiB'),
  setting('metrics-port', 'integer', 'serve Prometheus /metrics on this port (off when unset)'),
  setting('metrics-host', 'string', 'address for the metrics server', '127.0.0.1'),
  setting('log-level', 'string', 'debug, info, warn or error', 'info'),
  setting('rooms-from', 'string', 'signal server HTTP base (https://host): also seed its busiest rooms (GET /api/p2p/rooms)'),
  setting('rooms-candidates', 'string', 'with --rooms-from: only rank these CIDs (file, one a line, read again at every refresh)'),
  setting('rooms-top', 'integer', 'with --rooms-from: how many of the busiest rooms to seed', '10'),
  setting('rooms-interval-seconds', 'integer', 'with --rooms-from: seconds between two looks at the room counts', '60'),
  setting('contributions', 'string', 'on or off: report uploads to the signal server so the operator is credited', 'on'),
  setting('hive-account', 'string', 'Hive account to link to this seeder\'s viewer id (logs the challenge to sign)'),
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** `1048576`, `512MiB`, `10GB`, `1.5G` (K/M/G/T alone are binary). */
export function parseBytes(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new ConfigError(`${what}: "${text}" is not a size (e.g. 1048576, 512MiB, 10GB)`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new ConfigError(`${what}: "${text}" is too large`);
  return bytes;
}

function parseInteger(text: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new ConfigError(`${what}: "${text}" is not a whole number`);
  return Number(text);
}

function parseHttpUrl(text: string, what: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${what}: "${text}" is not a URL`);
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(`${what}: "${text}" must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return url.href.replace(/\/+$/, '');
}

/** CIDs of a `--cids-file` (or `--rooms-candidates`): one a line, blank lines and `#` comments skipped. */
export function readCidsFile(path: string, flag = '--cids-file'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SeederConfig | 'help' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string', multiple: s.kind === 'list' }] as const)),
      },
    });
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  if (parsed.values.help) return 'help';

  /** The flag's values, else the variable's (lists comma-separated), else the default. */
  const values = (flag: string): string[] => {
    const s = SETTINGS.find((candidate) => candidate.flag === flag);
    if (!s) throw new Error(`unknown setting ${flag}`);
    const given = parsed.values[flag];
    if (given !== undefined) return (Array.isArray(given) ? given : [given]).map(String);
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return s.kind === 'list' ? fromEnv.split(',').map((v) => v.trim()).filter(Boolean) : [fromEnv];
    return s.fallback === undefined ? [] : [s.fallback];
  };
  const one = (flag: string): string | undefined => values(flag)[0];

  const cidsFile = one('cids-file');
  const cids = [...new Set([...values('cid'), ...(cidsFile ? readCidsFile(cidsFile) : [])])];
  const badCid = cids.find((cid) => !isCid(cid));
  if (badCid !== undefined) throw new ConfigError(`--cid: "${badCid}" is not an IPFS CID`);
  const rooms = roomsConfig(one);
  if (cids.length === 0 && rooms === undefined) throw new ConfigError('nothing to seed: give --cid (repeatable), --cids-file or --rooms-from (see --help)');

  const gateways = values('gateway').map((gateway) => parseHttpUrl(gateway, '--gateway', ['http:', 'https:']));
  const signal = one('signal');
  if (signal === undefined) throw new ConfigError('--signal is required: the signal server WebSocket URL (wss://host/api/p2p/signal)');
  const signalUrl = parseHttpUrl(signal, '--signal', ['ws:', 'wss:']);

  const logLevel = one('log-level') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level: "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  const metricsPort = one('metrics-port');
  const port = metricsPort === undefined ? undefined : parseInteger(metricsPort, '--metrics-port');
  if (port !== undefined && port > 65535) throw new ConfigError(`--metrics-port: ${port} is not a port`);

  const config: SeederConfig = {
    cids,
    gateways,
    signalUrl,
    cacheDir: resolve(one('cache-dir') ?? '.'),
    cacheMaxBytes: parseBytes(one('cache-max-bytes') ?? '', '--cache-max-bytes'),
    maxUploadBytesPerSecond: parseBytes(one('max-upload-bytes-per-second') ?? '', '--max-upload-bytes-per-second'),
    maxPeers: parseInteger(one('max-peers') ?? '', '--max-peers'),
    maxMemoryBytes: parseBytes(one('max-memory-bytes') ?? '', '--max-memory-bytes'),
    metricsPort: port,
    metricsHost: one('metrics-host') ?? '127.0.0.1',
    logLevel,
    rooms,
    contributions: onOff(one('contributions') ?? 'on', '--contributions'),
    hiveAccount: hiveAccount(one('hive-account')),
  };
  if (config.cacheMaxBytes <= 0) throw new ConfigError('--cache-max-bytes must be above 0');
  if (config.maxPeers <= 0) throw new ConfigError('--max-peers must be at least 1');
  return config;
}

/** Hive's account-name rule (the signal server checks the same one when it issues a challenge). */
const HIVE_ACCOUNT = /^(?=.{3,16}$)[a-z][a-z0-9-]*[a-z0-9](\.[a-z][a-z0-9-]*[a-z0-9])*$/;

function hiveAccount(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const name = text.trim().replace(/^@/, '').toLowerCase();
  if (!HIVE_ACCOUNT.test(name)) throw new ConfigError(`--hive-account: "${text}" is not a Hive account name`);
  return name;
}

function onOff(text: string, what: string): boolean {
  if (/^(on|true|yes|1)$/i.test(text)) return true;
  if (/^(off|false|no|0)$/i.test(text)) return false;
  throw new ConfigError(`${what}: "${text}" is not on or off`);
}

function roomsConfig(one: (flag: string) => string | undefined): RoomsConfig | undefined {
  const from = one('rooms-from');
  const candidatesFile = one('rooms-candidates');
  if (from === undefined) {
    if (candidatesFile !== undefined) throw new ConfigError('--rooms-candidates needs --rooms-from (the signal server whose room counts rank them)');
    return undefined;
  }
  const apiUrl = parseHttpUrl(from, '--rooms-from', ['http:', 'https:']);
  if (new URL(apiUrl).pathname.startsWith('/api/')) throw new ConfigError(`--rooms-from: give the server's base URL (https://host), not an API path: "${from}"`);
  if (candidatesFile !== undefined) {
    // Read once now so a missing or unreadable file is a flag error, not a warning an hour later.
    const candidates = readCidsFile(candidatesFile, '--rooms-candidates');
    const bad = candidates.find((cid) => !isCid(cid));
    if (bad !== undefined) throw new ConfigError(`--rooms-candidates: "${bad}" in ${candidatesFile} is not an IPFS CID`);
  }
  const top = parseInteger(one('rooms-top') ?? '', '--rooms-top');
  if (top <= 0 || top > 10_000) throw new ConfigError('--rooms-top must be from 1 to 10000');
  const seconds = parseInteger(one('rooms-interval-seconds') ?? '', '--rooms-interval-seconds');
  // Node runs a timer of more than 2^31 ms at once: a day is plenty.
  if (seconds <= 0 || seconds > 86_400) throw new ConfigError('--rooms-interval-seconds must be from 1 to 86400');
  return { apiUrl, candidatesFile: candidatesFile === undefined ? undefined : resolve(candidatesFile), top, intervalMs: seconds * 1000 };
}

export function usage(): string {
  const lines = SETTINGS.map((s) => {
    const value = s.kind === 'list' || s.kind === 'string' ? ' <value>' : s.kind === 'bytes' ? ' <bytes>' : ' <n>';
    const fallback = s.fallback === undefined ? '' : ` (default ${s.fallback})`;
    return `  --${s.flag}${value}\n      ${s.help}${fallback}\n      env ${s.env}`;
  });
  return [
    'Usage: spk-seeder --signal <ws url> --cid <CID> [--cid <CID> ...] [options]',
    '       spk-seeder --signal <ws url> --rooms-from <https url> --rooms-candidates <file> [options]',
    '',
    'Fetches each video once from IPFS gateways, checks every byte against its CID, keeps it on',
    'disk and serves it to browser viewers of the same videos over WebRTC (same swarms, same',
    'protocol). Sizes take B, KiB/MiB/GiB/TiB (or K/M/G/T) and KB/MB/GB/TB.',
    '',
    'Options:',
    ...lines,
    '  -h, --help\n      this text',
    '',
  ].join('\n');
}
