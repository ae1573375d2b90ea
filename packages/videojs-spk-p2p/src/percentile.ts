/** `sorted` ascending; rounded to `decimals` places. */
export function percentile(sorted: readonly number[], p: number, decimals = 0): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  const scale = 10 ** decimals;
  return Math.round((sorted[index] as number) * scale) / scale;
}
