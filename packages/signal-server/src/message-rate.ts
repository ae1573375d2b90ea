/** Messages per second over the last ten seconds, from the hub's running message count sampled by a 1 s tick. */
export class MessageRate {
  private countAtLastTick = 0;
  private readonly buckets: number[] = [];

  tick(total: number): void {
    this.buckets.push(total - this.countAtLastTick);
    this.countAtLastTick = total;
    if (this.buckets.length > 10) this.buckets.shift();
  }

  perSecond(total: number): number {
    if (this.buckets.length === 0) return total - this.countAtLastTick;
    let sum = 0;
    for (const value of this.buckets) sum += value;
    return Math.round((sum / this.buckets.length) * 10) / 10;
  }
}
