/**
 * A payout batch: Hive `transfer` operations for the linked accounts that earned credited bytes
 * in a period, proportional to those bytes. Built only from stored data and the arguments, so
 * running it twice for the same period gives the same batch.
 */
import { Client, PrivateKey, cryptoUtils, type Operation, type SignedTransaction, type Transaction } from '@hiveio/dhive';
import type { Kysely } from 'kysely';
import { allocateWithMinimum } from './allocation.js';
import { accountCredits, type CreditPolicy, type DayRange } from './crediting.js';
import { formatHbd } from './hbd.js';
import { HIVE_USERNAME_PATTERN } from './hive-link.js';
import type { ContributionsDatabase } from './schema.js';

export interface PayoutRequest {
  range: DayRange;
  poolMilli: bigint;
  minMilli: bigint;
  payer: string;
}

export interface PayoutRecipient {
  account: string;
  creditedBytes: number;
  amount: string;
}

export interface PayoutBatch {
  period: DayRange;
  payer: string;
  pool: string;
  minimum: string;
  totalCreditedBytes: number;
  recipients: PayoutRecipient[];
  operations: Operation[];
}

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function isValidDay(day: string): boolean {
  return DAY_PATTERN.test(day) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
}

export async function buildPayoutBatch(db: Kysely<ContributionsDatabase>, policy: CreditPolicy, request: PayoutRequest): Promise<PayoutBatch> {
  const { range, poolMilli, minMilli, payer } = request;
  if (!isValidDay(range.from) || !isValidDay(range.to)) throw new RangeError('dates must be YYYY-MM-DD');
  if (range.from > range.to) throw new RangeError('--from is after --to');
  if (!HIVE_USERNAME_PATTERN.test(payer)) throw new RangeError(`payer "${payer}" is not a valid Hive account name`);
  if (poolMilli <= 0n) throw new RangeError('the pool must be more than 0.000 HBD');

  const credits = await accountCredits(db, range, policy, payer);
  const shares = allocateWithMinimum(
    poolMilli,
    credits.map(({ account, credited }) => ({ account, weight: BigInt(credited) })),
    minMilli,
  );
  const recipients = shares.map((share) => ({ account: share.account, creditedBytes: Number(share.weight), amount: formatHbd(share.milli) }));
  const operations: Operation[] = recipients.map((recipient) => [
    'transfer',
    {
      from: payer,
      to: recipient.account,
      amount: recipient.amount,
      memo: `SPK P2P bandwidth reward ${range.from}..${range.to}: ${recipient.creditedBytes} bytes shared with other viewers`,
    },
  ]);
  return {
    period: { ...range },
    payer,
    pool: formatHbd(poolMilli),
    minimum: formatHbd(minMilli),
    totalCreditedBytes: recipients.reduce((sum, recipient) => sum + recipient.creditedBytes, 0),
    recipients,
    operations,
  };
}

/** Hive transactions stay well under their 64 KiB limit with this many short transfers. */
const OPERATIONS_PER_TRANSACTION = 100;
/** Hive allows up to an hour; keep a margin for the time it takes to broadcast. */
const EXPIRATION_SECONDS = 3000;

/**
 * Signs the batch with an active key (given by the caller from the environment, never logged),
 * referencing the API node's current head block, in as many transactions as needed.
 */
export async function signPayoutBatch(batch: PayoutBatch, activeKeyWif: string, hiveApi: string | string[], chainId?: string): Promise<SignedTransaction[]> {
  let key: PrivateKey;
  try {
    key = PrivateKey.fromString(activeKeyWif);
  } catch {
    throw new Error('the active key in the environment is not a valid WIF private key');
  }
  const client = new Client(hiveApi, { timeout: 15_000, failoverThreshold: 1, ...(chainId ? { chainId } : {}) });
  const props = await client.database.getDynamicGlobalProperties();
  const headTime = new Date(`${props.time}Z`).getTime();
  const expiration = new Date(headTime + EXPIRATION_SECONDS * 1000).toISOString().slice(0, -5);
  const refBlockNum = props.head_block_number & 0xffff;
  const refBlockPrefix = Buffer.from(props.head_block_id, 'hex').readUInt32LE(4);
  const transactions: SignedTransaction[] = [];
  for (let i = 0; i < batch.operations.length; i += OPERATIONS_PER_TRANSACTION) {
    const transaction: Transaction = {
      ref_block_num: refBlockNum,
      ref_block_prefix: refBlockPrefix,
      expiration,
      operations: batch.operations.slice(i, i + OPERATIONS_PER_TRANSACTION),
      extensions: [],
    };
    transactions.push(cryptoUtils.signTransaction(transaction, key, client.chainId));
  }
  return transactions;
}
