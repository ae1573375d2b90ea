/**
 * `spk-seeder`: flags and SPK_SEEDER_* variables in, JSON log lines out, a graceful stop on
 * SIGTERM/SIGINT (swarms left with a goodbye to the signal server, cache index written).
 */
import { ConfigError, parseConfig, usage } from './config.js';
import { errorMessage, jsonLogger } from './log.js';

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`spk-seeder: ${error.message}\n`);
  process.exit(2);
}
if (config === 'help') {
  process.stdout.write(usage());
  process.exit(0);
}

const log = jsonLogger(config.logLevel);
// Loaded only now: the P2P engine and WebRTC are not needed to print help or refuse a flag.
const { Seeder } = await import('./seeder.js');
const seeder = await Seeder.start(config, log).catch((error: unknown) => {
  log.error('cannot start', { error: errorMessage(error), cacheDir: config.cacheDir });
  process.exit(1);
});
log.info('ready', {
  videos: config.cids.length,
  signal: config.signalUrl,
  gateways: config.gateways,
  metricsPort: seeder.metricsPort,
  ...(config.rooms ? { roomsFrom: config.rooms.apiUrl, roomsTop: config.rooms.top } : {}),
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { signal });
  seeder.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error('unclean stop', { error: errorMessage(error) });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
