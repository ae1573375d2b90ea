/** Command-line flags of `npm run bench:swarm`, and the flag parser all benchmarks share. */
export interface BenchSettings {
  viewers: number;
  joinGapMs: number;
  /** Added to every CDN media response. */
  latencyMs: number;
  /** Per TCP connection, bytes per second. */
  bandwidthBytesPerSec: number;
  /** Rendition height every viewer is pinned to; 0 lets ABR choose. */
  pinHeight: number;
  rate: number;
  /** Plugin's cdnFallbackDelay; undefined keeps the plugin default. */
  cdnFallbackDelay: number | undefined;
  fallback: boolean;
  outDir: string;
  /** Serve the plugin's browser bundle from this folder instead of packages/videojs-spk-p2p/dist (to try plugin changes). */
  pluginDist: string | undefined;
  /**
   * `hlsjs`: also run a mixed audience, every other viewer an hls.js + p2p-media-loader-hlsjs page
   * (stock schedule); `hlsjs-spk`: the same pages with our plugin's schedule.
   */
  mix: 'none' | 'hlsjs' | 'hlsjs-spk';
}

export const DEFAULT_SETTINGS: Readonly<BenchSettings> = {
  viewers: 6,
  joinGapMs: 3000,
  latencyMs: 100,
  // 8 Mbit/s per connection: a typical home link's share of a CDN edge, ~15× the 480p bitrate.
  bandwidthBytesPerSec: 1_000_000,
  pinHeight: 480,
  rate: 1,
  cdnFallbackDelay: undefined,
  fallback: true,
  outDir: 'bench-results',
  pluginDist: undefined,
  mix: 'none',
};

export const USAGE = `Usage: npm run bench:swarm -- [options]
  --viewers N          headless viewers per run (default 6)
  --join-gap MS        time between viewers joining (default 3000)
  --latency MS         CDN latency per media response (default 100)
  --bandwidth BPS      CDN cap per connection, bytes/s (default 1000000)
  --pin HEIGHT         rendition every viewer plays, 0 = ABR (default 480)
  --rate R             playback rate (default 1; >1 shortens the run)
  --fallback-delay MS  plugin cdnFallbackDelay (default: plugin default)
  --no-fallback        skip the peer-killed-mid-transfer measurement
  --out DIR            output folder (default bench-results)
  --plugin-dist DIR    use the plugin bundle (videojs-spk-p2p.js) from DIR, to try plugin changes
  --mix hlsjs          also run a mixed audience: every other viewer hls.js + p2p-media-loader-hlsjs
  --mix hlsjs-spk      the same, the hls.js pages with our plugin's schedule (README)`;

/** Reads a flag's value from the command line; each call consumes the next argument. */
export interface FlagValue {
  number(min: number): number;
  text(): string;
}

/** What one flag does to the settings; a flag that takes a value reads it through `value`. */
export type FlagHandlers<S> = Record<string, (settings: S, value: FlagValue) => void>;

/**
 * The command-line parser every benchmark shares: `--flag value` pairs and bare flags, each
 * applied by its handler to a copy of the defaults; `--help`, an unknown flag or a bad value
 * throws with the usage text.
 */
export function parseFlags<S extends object>(argv: readonly string[], defaults: Readonly<S>, handlers: FlagHandlers<S>, usage: string): S {
  const settings = { ...defaults } as S;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const handler = handlers[flag];
    if (flag === '--help' || flag === '-h') throw new Error(usage);
    if (!handler) throw new Error(`unknown option ${flag}\n${usage}`);
    const value: FlagValue = {
      number: (min) => {
        const raw = argv[++i];
        const parsed = Number(raw);
        if (raw === undefined || !Number.isFinite(parsed) || parsed < min) throw new Error(`${flag} needs a number ≥ ${min}\n${usage}`);
        return parsed;
      },
      text: () => {
        const raw = argv[++i];
        if (!raw) throw new Error(`${flag} needs a value\n${usage}`);
        return raw;
      },
    };
    handler(settings, value);
  }
  return settings;
}

/** An audience of viewers on the shaped local CDN: what the swarm and integrity benchmarks share. */
export type AudienceSettings = Pick<BenchSettings, 'viewers' | 'joinGapMs' | 'latencyMs' | 'bandwidthBytesPerSec' | 'pinHeight' | 'rate' | 'outDir'>;

/** The flags of AudienceSettings, with the meaning `USAGE` gives them. */
export function audienceFlags<S extends AudienceSettings>(): FlagHandlers<S> {
  return {
    '--viewers': (s, v) => { s.viewers = Math.floor(v.number(1)); },
    '--join-gap': (s, v) => { s.joinGapMs = v.number(0); },
    '--latency': (s, v) => { s.latencyMs = v.number(0); },
    '--bandwidth': (s, v) => { s.bandwidthBytesPerSec = v.number(0); },
    '--pin': (s, v) => { s.pinHeight = v.number(0); },
    '--rate': (s, v) => { s.rate = v.number(0.25); },
    '--out': (s, v) => { s.outDir = v.text(); },
  };
}

/**
 * Runs a benchmark when its file is the script node was started with: a bad command line exits
 * 2 with the usage, a failed run 1.
 */
export function runFromCommandLine<S>(meta: ImportMeta, script: string, parse: (argv: readonly string[]) => S, run: (settings: S, command: string) => Promise<unknown>): void {
  if (meta.url !== `file://${process.argv[1]}`) return;
  let settings: S;
  try {
    settings = parse(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  const command = [`npm run ${script}`, ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  run(settings, command).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

export function parseArgs(argv: readonly string[]): BenchSettings {
  return parseFlags(argv, DEFAULT_SETTINGS, {
    ...audienceFlags<BenchSettings>(),
    '--fallback-delay': (s, v) => { s.cdnFallbackDelay = v.number(0); },
    '--no-fallback': (s) => { s.fallback = false; },
    '--plugin-dist': (s, v) => { s.pluginDist = v.text(); },
    '--mix': (s, v) => {
      const value = v.text();
      if (value !== 'hlsjs' && value !== 'hlsjs-spk') throw new Error(`--mix takes hlsjs or hlsjs-spk\n${USAGE}`);
      s.mix = value;
    },
  }, USAGE);
}
