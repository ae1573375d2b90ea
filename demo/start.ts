/**
 * `npm start`: the signal server, the local CDN and the demo site on loopback, one URL printed.
 * Flags: --host, --port (site + CDN, default 8080), --signal-port (default 8081), --latency MS,
 * --bandwidth BYTES_PER_S. A taken default port falls back to a free one; a taken explicit
 * port is an error.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { missingBuildOutputs, REPO_ROOT, startLocalStack, type LocalStack } from './bench/local-stack.js';
import { SAMPLE_MANIFEST_PATH } from './media/sample.js';

const DEFAULT_PORT = 8080;
const DEFAULT_SIGNAL_PORT = 8081;

const USAGE = `Usage: npm start -- [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--signal-port ${DEFAULT_SIGNAL_PORT}] [--latency 60] [--bandwidth 2000000]`;

interface StartOptions {
  host: string;
  port: number | undefined;
  signalPort: number | undefined;
  latencyMs: number;
  bandwidth: number;
}

function parseOptions(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'signal-port': { type: 'string' },
      latency: { type: 'string', default: '60' },
      bandwidth: { type: 'string', default: '2000000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`--${name} must be a whole number from 0 to ${max}\n${USAGE}`);
    return value;
  };
  return {
    host: values.host,
    port: number('port', values.port, 65535),
    signalPort: number('signal-port', values['signal-port'], 65535),
    latencyMs: number('latency', values.latency) ?? 0,
    bandwidth: number('bandwidth', values.bandwidth) ?? 0,
  };
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** Default ports are a convenience: when one is taken, any free port will do. */
async function startWithFallback(options: StartOptions, configDir: string): Promise<LocalStack> {
  const attempt = (cdnPort: number, signalPort: number) =>
    startLocalStack({
      host: options.host,
      cdnPort,
      signalPort,
      latencyMs: options.latencyMs,
      bandwidthBytesPerSec: options.bandwidth,
      staticDirs: { '/config': configDir, '/bench-results': join(REPO_ROOT, 'bench-results') },
      // The dashboard's data lives only as long as the demo unless SPK_DEMO_CONTRIBUTIONS_DB names a file.
      contributionsDb: process.env.SPK_DEMO_CONTRIBUTIONS_DB ?? ':memory:',
    });
  const cdnPort = options.port ?? DEFAULT_PORT;
  const signalPort = options.signalPort ?? DEFAULT_SIGNAL_PORT;
  try {
    return await attempt(cdnPort, signalPort);
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    if (options.port !== undefined && options.signalPort !== undefined) throw error;
    return attempt(options.port ?? 0, options.signalPort ?? 0);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const missing = missingBuildOutputs();
  if (missing.length > 0) throw new Error(`build outputs missing, run npm run build first:\n  ${missing.join('\n  ')}`);
  const configDir = await mkdtemp(join(tmpdir(), 'spk-demo-'));
  let stack: LocalStack;
  try {
    stack = await startWithFallback(options, configDir);
  } catch (error) {
    await rm(configDir, { recursive: true, force: true });
    throw error;
  }
  // The pages read where everything is from here, so nothing about ports is baked into them.
  const config = {
    cid: stack.cid,
    gateway: stack.cdn.url,
    manifestUrl: `${stack.cdn.url}${SAMPLE_MANIFEST_PATH}`,
    signalUrl: stack.signal.signalUrl,
    signalHttpUrl: stack.signal.httpUrl,
    cdn: { latencyMs: options.latencyMs, bandwidthBytesPerSec: options.bandwidth },
  };
  await writeFile(join(configDir, 'demo.json'), `${JSON.stringify(config, null, 2)}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping…`);
    await Promise.race([stack.close(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await rm(configDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  console.log(`${stack.cdn.url}/`);
  console.error('Open the URL above. Ctrl-C stops the demo.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
