/**
 * Token bucket for uploads. Peers ask for whole segments, so a grant is a whole segment: one is
 * granted while the bucket is not in debt and its size is then charged. Over any window the bytes
 * sent stay within `rate × window + one segment`.
 *
 * A refused peer forgets that we hold the segment, so the limiter reports when it is blocked and
 * when the debt is paid, and the plugin then re-announces its segments.
 */
export class UploadLimiter {
  private tokens = 0;
  private lastRefill: number;
  private blocked = false;
  private unblockTimer: ReturnType<typeof setTimeout> | undefined;

  /** `bytesPerSecond` 0 means unlimited. */
  constructor(
    private readonly bytesPerSecond: number,
    private readonly onBlockedChange: (blocked: boolean) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastRefill = this.now();
  }

  get limit(): number {
    return this.bytesPerSecond;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Returns true and charges `bytes` when an upload of that size may start now. */
  tryTake(bytes: number): boolean {
    if (this.bytesPerSecond <= 0) return true;
    this.refill();
    if (this.tokens < 0) return false;
    this.tokens -= bytes;
    if (this.tokens < 0) this.block();
    return true;
  }

  dispose(): void {
    if (this.unblockTimer !== undefined) clearTimeout(this.unblockTimer);
    this.unblockTimer = undefined;
  }

  private block(): void {
    if (this.unblockTimer !== undefined) clearTimeout(this.unblockTimer);
    const waitMs = Math.ceil((-this.tokens / this.bytesPerSecond) * 1000);
    this.unblockTimer = setTimeout(() => {
      this.unblockTimer = undefined;
      this.refill();
      if (this.tokens < 0) {
        this.block();
        return;
      }
      this.setBlocked(false);
    }, waitMs);
    this.setBlocked(true);
  }

  private setBlocked(blocked: boolean): void {
    if (blocked === this.blocked) return;
    this.blocked = blocked;
    this.onBlockedChange(blocked);
  }

  private refill(): void {
    const now = this.now();
    // No saving up while idle beyond zero: a burst after a quiet minute would break the cap.
    this.tokens = Math.min(0, this.tokens + ((now - this.lastRefill) / 1000) * this.bytesPerSecond);
    this.lastRefill = now;
  }
}
