/**
 * Wiring into the signal server: `attachContributions` mounts the API on its router with its
 * session directory; `takeContributionsFlags` pulls this module's flags out of the `serve`
 * command line before the server's own (strict) flag parser sees them.
 */
import { parseArgs } from 'node:util';
import { clientAddress } from '../admission.js';
import type { SignalServer } from '../server.js';
import { createContributions, type Contributions, type ContributionsOptions } from './index.js';
import { DEFAULT_SQLITE_PATH } from './database.js';

export async function attachContributions(server: SignalServer, options: Omit<ContributionsOptions, 'directory'> = {}): Promise<Contributions> {
  const contributions = await createContributions({
    onError: (error, where) => server.logger.error({ err: error, where }, 'contributions request failed'),
    clientAddress: (req) => clientAddress(req, server.options),
    ...options,
    directory: server.sessions,
  });
  server.router.mount(contributions.handle);
  server.logger.info({ database: contributions.database.describe }, 'contributions API mounted');
  return contributions;
}

export interface ContributionsServeConfig {
  enabled: boolean;
  options: Omit<ContributionsOptions, 'directory'>;
}

export const CONTRIBUTIONS_SERVE_USAGE = [
  'Contributions (POST /api/p2p/contribution, leaderboard, Hive links):',
  `  --db <file>                     SPK_SIGNAL_DB                          SQLite file (${DEFAULT_SQLITE_PATH}); DATABASE_URL=postgres://… selects PostgreSQL`,
  '  --same-address-cap <bytes>      SPK_SIGNAL_SAME_ADDRESS_CAP            bytes one pair on one address can earn per period (0; Infinity = no cap)',
  '  --hive-api <url,...>            SPK_SIGNAL_HIVE_API                    Hive API node(s) for account links (https://api.hive.blog)',
  '  --no-contributions              SPK_SIGNAL_CONTRIBUTIONS=false         do not open a database or serve the contributions API',
].join('\n');

/** Returns this module's settings and the argv without its flags. Throws TypeError with a message on bad values. */
export function takeContributionsFlags(argv: string[], env: NodeJS.ProcessEnv): { config: ContributionsServeConfig; rest: string[] } {
  const { tokens } = parseArgs({ args: argv, strict: false, tokens: true, allowPositionals: true });
  const ours = new Set(['db', 'same-address-cap', 'hive-api', 'no-contributions']);
  const values: Record<string, string | boolean> = {};
  const drop = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !ours.has(token.name)) continue;
    drop.add(token.index);
    if (token.name === 'no-contributions') {
      values[token.name] = true;
      continue;
    }
    let value = token.value;
    if (value === undefined) {
      // `--db file`: parseArgs without a schema reads the value as the next positional.
      const next = argv[token.index + 1];
      if (next === undefined || next.startsWith('--')) throw new TypeError(`--${token.name} needs a value`);
      value = next;
      drop.add(token.index + 1);
    }
    values[token.name] = value;
  }
  const rest = argv.filter((_, index) => !drop.has(index));

  const enabledEnv = env.SPK_SIGNAL_CONTRIBUTIONS;
  const enabled = values['no-contributions'] !== true && !(enabledEnv !== undefined && /^(0|false|no|off)$/i.test(enabledEnv));
  const capText = (values['same-address-cap'] as string | undefined) ?? env.SPK_SIGNAL_SAME_ADDRESS_CAP;
  if (capText !== undefined && !/^(\d{1,15}|Infinity)$/.test(capText)) throw new TypeError('--same-address-cap must be a number of bytes or Infinity');
  const hiveApi = ((values['hive-api'] as string | undefined) ?? env.SPK_SIGNAL_HIVE_API)?.split(',').map((url) => url.trim()).filter(Boolean);
  const options: Omit<ContributionsOptions, 'directory'> = {
    databaseUrl: env.DATABASE_URL,
    sqlitePath: (values.db as string | undefined) ?? env.SPK_SIGNAL_DB,
  };
  if (capText !== undefined) options.credit = { sameAddressPairCapBytes: Number(capText) };
  if (hiveApi && hiveApi.length > 0) options.hiveApi = hiveApi;
  return { config: { enabled, options }, rest };
}
