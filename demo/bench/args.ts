/** Command-line flags of `npm run bench:swarm`. */
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

export function parseArgs(argv: readonly string[]): BenchSettings {
  const settings: BenchSettings = { ...DEFAULT_SETTINGS };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isFinite(parsed) || parsed < min) throw new Error(`${flag} needs a number ≥ ${min}\n${USAGE}`);
    return parsed;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = () => argv[++i];
    switch (flag) {
      case '--viewers': settings.viewers = Math.floor(number(flag, next(), 1)); break;
      case '--join-gap': settings.joinGapMs = number(flag, next(), 0); break;
      case '--latency': settings.latencyMs = number(flag, next(), 0); break;
      case '--bandwidth': settings.bandwidthBytesPerSec = number(flag, next(), 0); break;
      case '--pin': settings.pinHeight = number(flag, next(), 0); break;
      case '--rate': settings.rate = number(flag, next(), 0.25); break;
      case '--fallback-delay': settings.cdnFallbackDelay = number(flag, next(), 0); break;
      case '--no-fallback': settings.fallback = false; break;
      case '--out': {
        const value = next();
        if (!value) throw new Error(`--out needs a folder\n${USAGE}`);
        settings.outDir = value;
        break;
      }
      case '--plugin-dist': {
        const value = next();
        if (!value) throw new Error(`--plugin-dist needs a folder\n${USAGE}`);
        settings.pluginDist = value;
        break;
      }
      case '--mix': {
        const value = next();
        if (value !== 'hlsjs' && value !== 'hlsjs-spk') throw new Error(`--mix takes hlsjs or hlsjs-spk\n${USAGE}`);
        settings.mix = value;
        break;
      }
      case '--help': case '-h': throw new Error(USAGE);
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return settings;
}
