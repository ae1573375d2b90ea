/** Messages per second over the last ten seconds, from one counter bumped per message and a 1 s tick. */
export class MessageRate {
  private current = 0;
  private readonly buckets: number[] = [];

  count(): void {
    this.current++;
  }

  tick(): void {
    this.buckets.push(this.current);
    this.current = 0;
    if (this.buckets.length > 10) this.buckets.shift();
  }

  perSecond(): number {
    if (this.buckets.length === 0) return this.current;
    let sum = 0;
    for (const value of this.buckets) sum += value;
    return Math.round((sum / this.buckets.length) * 10) / 10;
  }
}
