/** HBD amounts as integer milli-HBD (bigint), so no sum is ever off by a floating-point cent. */

export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmountError';
  }
}

/** Parses `"100.000 HBD"` (1–3 decimals, the symbol is required) into milli-HBD. */
export function parseHbd(text: string): bigint {
  const match = /^\s*(\d{1,15})(?:\.(\d{1,3}))?\s+HBD\s*$/.exec(text);
  if (!match) throw new AmountError(`"${text}" is not an HBD amount like "100.000 HBD"`);
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(3, '0'));
  return whole * 1000n + fraction;
}

/** Hive's asset format: exactly three decimals, a space, the symbol. */
export function formatHbd(milli: bigint): string {
  if (milli < 0n) throw new AmountError('negative amount');
  const whole = milli / 1000n;
  const fraction = (milli % 1000n).toString().padStart(3, '0');
  return `${whole}.${fraction} HBD`;
}
