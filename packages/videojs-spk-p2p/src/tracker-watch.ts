import { signalHttpUrlFor } from './swarm.js';

/** Probe delays after a tracker failure: quick at first (a restart), then no more than every 15 s. */
const PROBE_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000];
/** Rebuilding the swarm drops connected peers: only with this much buffer, or with none connected. */
const SAFE_BUFFER_S = 10;
const RECHECK_MS = 2_000;
/** How often a viewer asks the signal server whether it still knows this viewer's connection. */
const PRESENCE_INTERVAL_MS = 15_000;
/** A failure this long after the last rejoin starts the back-off afresh. */
const QUIET_MS = 60_000;

export interface TrackerWatchOptions {
  trackerUrls: readonly string[];
  videoCid: string;
  /** This page's session secret, as in the tracker URL. */
  secret: string;
  peerCount(): number;
  bufferAheadSeconds(): number;
  /** The signal server answers again: join the swarm anew. */
  rejoin(): void;
}

/**
 * Notices a signal server that went away and brings the swarm back when it returns. The engine's
 * tracker client waits 10 s to 5 min before it retries, so a server restarted within seconds
 * left viewers without new peers for minutes. Two signs start a rejoin:
 * - the engine reports a tracker error or warning (a refused or broken socket): the watch then
 *   probes `/healthz` (an opaque no-cors request: it only needs to know that something answers)
 *   with a short back-off until it does;
 * - a socket closed without an error (a killed or restarted server) says nothing to the engine,
 *   so every 15 s the watch asks the server's `/api/p2p/presence` whether it still knows this
 *   viewer's connection in the room. A server without that route (older ones) is not asked again.
 */
export class TrackerWatch {
  private failures = 0;
  private lastRejoinAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private presenceTimer: ReturnType<typeof setInterval> | undefined;
  private disposed = false;

  constructor(private readonly options: TrackerWatchOptions) {
    const trackerUrl = options.trackerUrls[0];
    if (trackerUrl !== undefined) {
      const presenceUrl = signalHttpUrlFor(trackerUrl, '/api/p2p/presence');
      this.presenceTimer = setInterval(() => void this.checkPresence(presenceUrl), PRESENCE_INTERVAL_MS);
    }
  }

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
    this.stopPresence();
  }

  private stopPresence(): void {
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
  }

  private async checkPresence(url: string): Promise<void> {
    // A probe or a rejoin is already under way.
    if (this.timer !== undefined) return;
    let connected: unknown;
    try {
      const response = await fetch(url, {
        method: 'POST',
        // text/plain keeps it a simple cross-origin request: no preflight.
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify({ cid: this.options.videoCid, session: this.options.secret }),
        cache: 'no-store',
        credentials: 'omit',
      });
      if (!response.ok) {
        this.stopPresence();
        return;
      }
      connected = ((await response.json()) as { connected?: unknown }).connected;
    } catch {
      if (!this.disposed) this.trackerFailed();
      return;
    }
    if (this.disposed) return;
    if (connected === false) this.rejoinWhenSafe();
    else if (connected !== true) this.stopPresence();
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
