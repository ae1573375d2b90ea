import { signalHttpUrlFor } from './swarm.js';

/** Probe delays after a tracker failure: quick at first (a restart), then no more than every 15 s. */
const PROBE_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000];
/** Rebuilding the swarm drops connected peers: only with this much buffer, or with none connected. */
const SAFE_BUFFER_S = 10;
const RECHECK_MS = 2_000;
/** A failure this long after the last rejoin starts the back-off afresh. */
const QUIET_MS = 60_000;

export interface TrackerWatchOptions {
  trackerUrls: readonly string[];
  peerCount(): number;
  bufferAheadSeconds(): number;
  /** The signal server answers again: join the swarm anew. */
  rejoin(): void;
}

/**
 * Notices a signal server that went away and brings the swarm back when it returns. The engine's
 * tracker client waits 10 s to 5 min before it retries, so a server restarted within seconds
 * left viewers without new peers for minutes. The watch probes the server's `/healthz` (an
 * opaque no-cors request: it only needs to know that something answers) with a short back-off.
 */
export class TrackerWatch {
  private failures = 0;
  private lastRejoinAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly options: TrackerWatchOptions) {}

  /** The engine reported a tracker error or warning (refused, dropped, failed announce). */
  trackerFailed(): void {
    if (this.disposed || this.timer !== undefined) return;
    if (Date.now() - this.lastRejoinAt > QUIET_MS && this.lastRejoinAt !== 0) this.failures = 0;
    this.schedule(PROBE_DELAYS_MS[Math.min(this.failures, PROBE_DELAYS_MS.length - 1)] ?? RECHECK_MS, () => void this.probe());
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number, run: () => void): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.disposed) run();
    }, ms);
  }

  private async probe(): Promise<void> {
    const answered = await Promise.all(this.options.trackerUrls.map((url) => reachable(signalHttpUrlFor(url, '/healthz'))));
    if (this.disposed) return;
    if (!answered.some(Boolean)) {
      this.failures += 1;
      this.trackerFailed();
      return;
    }
    // Kept, not reset: a server that answers HTTP but keeps failing announces must not make
    // every viewer rebuild its swarm each second.
    this.failures += 1;
    this.rejoinWhenSafe();
  }

  private rejoinWhenSafe(): void {
    if (this.options.peerCount() === 0 || this.options.bufferAheadSeconds() >= SAFE_BUFFER_S) {
      this.lastRejoinAt = Date.now();
      this.options.rejoin();
    }
    else this.schedule(RECHECK_MS, () => this.rejoinWhenSafe());
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' });
    return true;
  } catch {
    return false;
  }
}
