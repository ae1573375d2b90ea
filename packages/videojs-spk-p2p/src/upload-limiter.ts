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
  private readonly holds = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: (granted: boolean) => void }>();
  private disposed = false;

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

  /**
   * Like `tryTake`, but a request that would fit once the current debt is paid within
   * `maxWaitMs` is held until then instead of refused: the asking peer keeps waiting (it gives
   * up only after its own no-bytes timeout) rather than going to the CDN.
   */
  take(bytes: number, maxWaitMs: number): Promise<boolean> {
    if (this.bytesPerSecond <= 0) return Promise.resolve(true);
    this.refill();
    const waitMs = this.tokens < 0 ? (-this.tokens / this.bytesPerSecond) * 1000 : 0;
    if (waitMs === 0) return Promise.resolve(this.tryTake(bytes));
    if (waitMs > maxWaitMs || this.disposed) return Promise.resolve(false);
    // Charged now, so requests queued behind this one see the debt it adds.
    this.tokens -= bytes;
    this.block();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.holds.delete(hold);
        resolve(true);
      }, waitMs);
      const hold = { timer, resolve };
      this.holds.add(hold);
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.unblockTimer !== undefined) clearTimeout(this.unblockTimer);
    this.unblockTimer = undefined;
    for (const hold of this.holds) {
      clearTimeout(hold.timer);
      hold.resolve(false);
    }
    this.holds.clear();
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
