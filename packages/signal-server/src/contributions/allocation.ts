/**
 * Splitting a pool proportionally to weights in whole milli-HBD, by largest remainder: every
 * recipient gets the floor of its exact share, and the few milli-HBD left go one each to the
 * largest remainders, ties broken by account name. The result always sums to the pool and
 * depends only on the inputs, never on their order.
 */

export interface Weight {
  account: string;
  weight: bigint;
}

export interface Share {
  account: string;
  weight: bigint;
  milli: bigint;
}

function byName(a: { account: string }, b: { account: string }): number {
  return a.account < b.account ? -1 : a.account > b.account ? 1 : 0;
}

export function largestRemainder(pool: bigint, weights: readonly Weight[]): Share[] {
  if (pool < 0n) throw new RangeError('pool must not be negative');
  const seen = new Set<string>();
  for (const entry of weights) {
    if (entry.weight < 0n) throw new RangeError(`negative weight for ${entry.account}`);
    if (seen.has(entry.account)) throw new RangeError(`duplicate account ${entry.account}`);
    seen.add(entry.account);
  }
  const positive = weights.filter((entry) => entry.weight > 0n).sort(byName);
  const total = positive.reduce((sum, entry) => sum + entry.weight, 0n);
  if (total === 0n) return [];
  const parts = positive.map((entry) => {
    const exact = pool * entry.weight;
    return { account: entry.account, weight: entry.weight, milli: exact / total, remainder: exact % total };
  });
  let left = pool - parts.reduce((sum, part) => sum + part.milli, 0n);
  const order = [...parts].sort((a, b) => (a.remainder === b.remainder ? byName(a, b) : a.remainder > b.remainder ? -1 : 1));
  for (const part of order) {
    if (left === 0n) break;
    part.milli += 1n;
    left -= 1n;
  }
  return parts.map(({ account, weight, milli }) => ({ account, weight, milli }));
}

/**
 * Like `largestRemainder`, but nobody receives less than `minimum`: while someone is below it,
 * the smallest weight (the later name on a tie) is dropped and the pool is split again among the
 * rest, whose shares only grow. Dropping one at a time keeps recipients that clear the minimum
 * once a smaller one is gone.
 */
export function allocateWithMinimum(pool: bigint, weights: readonly Weight[], minimum: bigint): Share[] {
  const candidates = weights.filter((entry) => entry.weight > 0n);
  // Smallest weight last, so dropping is a pop.
  candidates.sort((a, b) => (a.weight === b.weight ? byName(a, b) : a.weight > b.weight ? -1 : 1));
  for (;;) {
    const shares = largestRemainder(pool, candidates);
    if (shares.every((share) => share.milli >= minimum && share.milli > 0n)) return shares;
    candidates.pop();
  }
}
