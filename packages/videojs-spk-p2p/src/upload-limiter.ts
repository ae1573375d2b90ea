/**
 * Token bucket for uploads. Peers ask for whole segments, so the unit of a grant is a segment:
 * a request is granted only while the bucket is not in debt, and its size is then charged.
 * Over any window the bytes sent stay within `rate × window + one segment`.
 */
export class UploadLimiter {
  private tokens: number;
  private lastRefill: number;

  /** `bytesPerSecond` 0 means unlimited. */
  constructor(
    private bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = 0;
    this.lastRefill = this.now();
  }

  get limit(): number {
    return this.bytesPerSecond;
  }

  setLimit(bytesPerSecond: number): void {
    this.refill();
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = Math.min(this.tokens, 0);
  }

  /** Returns true and charges `bytes` when an upload of that size may start now. */
  tryTake(bytes: number): boolean {
    if (this.bytesPerSecond <= 0) return true;
    this.refill();
    if (this.tokens < 0) return false;
    this.tokens -= bytes;
    return true;
  }

  private refill(): void {
    const now = this.now();
    // No saving up while idle beyond zero: a burst after a quiet minute would break the cap.
    this.tokens = Math.min(0, this.tokens + ((now - this.lastRefill) / 1000) * this.bytesPerSecond);
    this.lastRefill = now;
  }
}
