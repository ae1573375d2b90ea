/** `spk-signal`: serve (default), `token` to issue a room token, `payouts` for contributions. */
import { parseArgs } from 'node:util';
import { ConfigError, parseServeConfig, serveUsage } from './config.js';
import { createRoomToken } from './room-token.js';
import { createSignalServer } from './server.js';
import { OptionError } from './options.js';
import { runPayoutsCommand } from './contributions/payouts-cli.js';
import { attachContributions, CONTRIBUTIONS_SERVE_USAGE, takeContributionsFlags } from './contributions/mount.js';
import { OEMBED_SERVE_USAGE, registerOembedRoute, takeOembedFlags } from './oembed.js';

const io = { stdout: (text: string) => process.stdout.write(`${text}\n`), stderr: (text: string) => process.stderr.write(`${text}\n`) };

async function serve(argv: string[]): Promise<number> {
  const { config: contributionsConfig, rest } = takeContributionsFlags(argv, process.env);
  const { config: oembedConfig, rest: serveArgs } = takeOembedFlags(rest, process.env);
  const config = parseServeConfig(serveArgs, process.env);
  if (config.help) {
    io.stdout(`${serveUsage()}\n\n${CONTRIBUTIONS_SERVE_USAGE}\n\n${OEMBED_SERVE_USAGE}`);
    return 0;
  }
  const server = createSignalServer(config.options);
  if (oembedConfig) registerOembedRoute(server.router, oembedConfig);
  const contributions = contributionsConfig.enabled ? await attachContributions(server, contributionsConfig.options) : undefined;
  const address = await server.listen(config.port, config.host);
  server.logger.info({ signalUrl: address.signalUrl }, 'ready');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.logger.info({ signal }, 'stopping');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      server.close().then(() => contributions?.close()).then(resolve, (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  return 0;
}

function token(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { cid: { type: 'string' }, ttl: { type: 'string', default: '3600' }, secret: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    io.stdout('Usage: spk-signal token --cid <cid> [--ttl <seconds, default 3600>] [--secret <s> | env SPK_SIGNAL_ROOM_TOKEN_SECRET]');
    return 0;
  }
  const secret = values.secret ?? process.env.SPK_SIGNAL_ROOM_TOKEN_SECRET?.split(',')[0];
  if (!values.cid) throw new ConfigError('token: --cid is required');
  if (!secret) throw new ConfigError('token: give --secret or set SPK_SIGNAL_ROOM_TOKEN_SECRET');
  if (!/^\d+$/.test(values.ttl ?? '')) throw new ConfigError('token: --ttl must be a whole number of seconds');
  const expiresAtMs = Date.now() + Number(values.ttl) * 1000;
  io.stdout(JSON.stringify({ cid: values.cid, token: createRoomToken(secret, values.cid, expiresAtMs), expiresAt: new Date(expiresAtMs).toISOString() }));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'token') return token(rest);
    if (command === 'payouts') return await runPayoutsCommand(rest, process.env, io);
    if (command === 'serve') return await serve(rest);
    if (command === 'help') return await serve(['--help']);
    return await serve(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof OptionError || (error instanceof TypeError && 'code' in error)) {
      io.stderr(`spk-signal: ${error.message}\n\n${serveUsage()}`);
      return 2;
    }
    if (error instanceof TypeError) {
      io.stderr(`spk-signal: ${error.message}`);
      return 2;
    }
    io.stderr(`spk-signal: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
