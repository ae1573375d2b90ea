/**
 * `spk-signal payouts --from <day> --to <day> --pool "100.000 HBD" --payer <account>` prints (or
 * writes with --out) the payout batch as JSON. With --sign the transfers are also signed with
 * the active key in $HIVE_ACTIVE_KEY, which is read from the environment only and never printed.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CREDIT_POLICY } from './crediting.js';
import { openContributionsDb } from './database.js';
import { AmountError, parseHbd } from './hbd.js';
import { DEFAULT_HIVE_API } from './hive-link.js';
import { buildPayoutBatch, signPayoutBatch } from './payouts.js';

export const PAYOUTS_USAGE = `Usage: spk-signal payouts --from YYYY-MM-DD --to YYYY-MM-DD --pool "100.000 HBD" --payer ACCOUNT
                         [--min "0.001 HBD"] [--out FILE] [--db FILE] [--same-address-cap BYTES]
                         [--sign [--hive-api URL]]
  Credited bytes of the days from..to (UTC, inclusive) are paid proportionally to linked Hive accounts.
  Database: $DATABASE_URL (PostgreSQL) or --db (SQLite file, default ./data/contributions.sqlite).
  --sign: sign with the active key in $HIVE_ACTIVE_KEY against the head block of --hive-api
          (default ${DEFAULT_HIVE_API}); the key is never printed.`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Returns the process exit code: 0 done, 2 bad usage, 1 failure. */
export async function runPayoutsCommand(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        pool: { type: 'string' },
        min: { type: 'string', default: '0.001 HBD' },
        payer: { type: 'string' },
        out: { type: 'string' },
        db: { type: 'string' },
        'same-address-cap': { type: 'string' },
        sign: { type: 'boolean', default: false },
        'hive-api': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n${PAYOUTS_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${PAYOUTS_USAGE}\n`);
    return 0;
  }
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const from = text('from');
  const to = text('to');
  const pool = text('pool');
  const payer = text('payer') ?? env.HIVE_PAYER;
  if (!from || !to || !pool || !payer) {
    io.stderr(`--from, --to, --pool and --payer (or $HIVE_PAYER) are required\n${PAYOUTS_USAGE}\n`);
    return 2;
  }
  let poolMilli: bigint;
  let minMilli: bigint;
  try {
    poolMilli = parseHbd(pool);
    minMilli = parseHbd(text('min') ?? '0.001 HBD');
  } catch (error) {
    io.stderr(`${error instanceof AmountError ? error.message : String(error)}\n`);
    return 2;
  }
  const capText = text('same-address-cap');
  if (capText !== undefined && !/^(\d{1,15}|Infinity)$/.test(capText)) {
    io.stderr('--same-address-cap must be a number of bytes or Infinity\n');
    return 2;
  }
  const activeKey = env.HIVE_ACTIVE_KEY;
  if (values.sign && !activeKey) {
    io.stderr('--sign needs the active key in $HIVE_ACTIVE_KEY\n');
    return 2;
  }

  const database = await openContributionsDb({ databaseUrl: env.DATABASE_URL, sqlitePath: text('db') });
  try {
    const policy = { ...DEFAULT_CREDIT_POLICY, ...(capText !== undefined ? { sameAddressPairCapBytes: Number(capText) } : {}) };
    const batch = await buildPayoutBatch(database.db, policy, { range: { from, to }, poolMilli, minMilli, payer });
    const output: Record<string, unknown> = { ...batch };
    if (values.sign && activeKey) {
      output.transactions = await signPayoutBatch(batch, activeKey, text('hive-api') ?? env.HIVE_API ?? DEFAULT_HIVE_API);
    }
    const json = `${JSON.stringify(output, null, 2)}\n`;
    const out = text('out');
    if (out) {
      writeFileSync(out, json);
      io.stderr(`wrote ${batch.operations.length} transfers (${batch.pool}) to ${out}\n`);
    } else {
      io.stdout(json);
    }
    return 0;
  } catch (error) {
    // Messages only: an error object could carry the key material it was built from.
    io.stderr(`payouts failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof RangeError ? 2 : 1;
  } finally {
    await database.close();
  }
}
