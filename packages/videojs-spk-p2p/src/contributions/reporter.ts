/**
 * Counts, per remote peer, the bytes this viewer sent and received (from the P2P core's chunk
 * events) and reports them to the signal server's `POST /api/p2p/contribution`: periodically,
 * on `flush()`, and with `sendBeacon` when the page is hidden or left. Every report is written
 * to IndexedDB before it is sent and removed only when the server acknowledges it.
 */
import { randomHex } from '../hex.js';
import { peerIdToHex } from '../swarm.js';
import { openReportQueue, type QueuedReport, type ReportQueue } from './report-queue.js';

export interface ContributionReporterOptions {
  /** Full URL of `POST /api/p2p/contribution`. */
  endpoint: string;
  /** The session secret this page put in its signal connection URL. */
  session: string;
  videoCid: string;
  /** Milliseconds between periodic reports. Default 30 000. */
  intervalMs?: number;
  /** IndexedDB database holding unacknowledged reports and the viewer secret. */
  databaseName?: string;
  /**
   * The viewer's long-lived secret, for a host that keeps its own (the Node seeder, which has no
   * IndexedDB to keep one in); unset, the browser's is read from, or made in, IndexedDB.
   */
  viewerSecret?: string;
}

export interface ReporterState {
  /** Reports written but not yet acknowledged (this page's view of the queue). */
  pending: number;
  /** Reports the server acknowledged (accepted or already had). */
  acknowledged: number;
  /** Reports the server refused for good (malformed, or the id belongs to someone else). */
  rejected: number;
  lastStatus: number | null;
}

interface PeerCounters {
  uploaded: number;
  downloaded: number;
  /** Segments received whole from that peer, by identity, and their sizes. */
  receipts: Map<string, number>;
}

/** The server takes at most this many receipts in one report (a 64 KiB body); the rest wait for the next. */
const MAX_RECEIPTS_PER_REPORT = 1000;
/** Receipt names the server accepts: printable ASCII without spaces, at most 512 characters. */
const RECEIPT_NAME = /^[!-~]{1,512}$/;

/** Refused reports are dropped after this many tries or this age: they will never be credited. */
const MAX_ATTEMPTS = 20;
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_INTERVAL_MS = 30_000;
/**
 * The first report goes out soon after the first peer bytes: the server binds this session's
 * peer ids when it accepts a report, and a binding made early survives the tab closing.
 */
const FIRST_REPORT_DELAY_MS = 5_000;

export class ContributionReporter {
  private readonly options: Required<Omit<ContributionReporterOptions, 'databaseName' | 'viewerSecret'>> & { databaseName: string | undefined };
  private readonly startedAt = Date.now();
  private periodStartedAt = Date.now();
  private peers = new Map<string, PeerCounters>();
  private cdnBytes = 0;
  private segmentsShared = 0;
  private segmentsReceived = 0;
  private readonly queue: Promise<ReportQueue>;
  private readonly viewer: Promise<string>;
  private sending: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  private firstReport: ReturnType<typeof setTimeout> | undefined;
  private firstReportDone = false;
  private readonly state_: ReporterState = { pending: 0, acknowledged: 0, rejected: 0, lastStatus: null };

  constructor(options: ContributionReporterOptions) {
    this.options = {
      endpoint: options.endpoint,
      session: options.session,
      videoCid: options.videoCid,
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
      databaseName: options.databaseName,
    };
    this.queue = openReportQueue(options.databaseName);
    const given = options.viewerSecret;
    this.viewer = given !== undefined ? Promise.resolve(given) : this.queue.then((queue) => queue.viewerSecret(() => randomHex(24)));
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
    document.addEventListener('visibilitychange', this.onVisibilityChange);
    window.addEventListener('pagehide', this.onPageHide);
    // Reports a previous visit could not deliver go out first.
    this.sending = this.queue.then(() => this.sendPending()).catch(() => {});
  }

  /** The long-lived secret identifying this browser's viewer (its Hive link hangs on it). */
  viewerSecret(): Promise<string> {
    return this.viewer;
  }

  state(): ReporterState {
    return { ...this.state_ };
  }

  recordUpload(peerId: string, bytes: number): void {
    this.counters(peerId).uploaded += bytes;
    this.scheduleFirstReport();
  }

  recordDownload(peerId: string, bytes: number): void {
    this.counters(peerId).downloaded += bytes;
    this.scheduleFirstReport();
  }

  /** A whole segment received from a peer: the receipt that confirms that peer's upload. */
  recordReceipt(peerId: string, segment: string, bytes: number): void {
    if (!RECEIPT_NAME.test(segment) || !Number.isSafeInteger(bytes) || bytes <= 0) return;
    this.counters(peerId).receipts.set(segment, bytes);
    this.scheduleFirstReport();
  }

  recordCdn(bytes: number): void {
    this.cdnBytes += bytes;
  }

  recordSegmentReceived(): void {
    this.segmentsReceived += 1;
  }

  recordSegmentShared(): void {
    this.segmentsShared += 1;
  }

  /** Closes the current period into a report, stores it, then sends everything unacknowledged. */
  async flush(): Promise<ReporterState> {
    const body = await this.takeReport();
    if (body) await (await this.queue).put(body);
    const run = this.sending.then(() => this.sendPending());
    this.sending = run.catch(() => {});
    await this.sending;
    return this.state();
  }

  /** Sends what is left with a beacon and stops. Unacknowledged reports stay queued for the next visit. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.firstReport !== undefined) clearTimeout(this.firstReport);
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
    window.removeEventListener('pagehide', this.onPageHide);
    void this.beacon().then(() => this.queue).then((queue) => queue.close()).catch(() => {});
  }

  private scheduleFirstReport(): void {
    if (this.firstReportDone || this.firstReport !== undefined || this.disposed) return;
    this.firstReport = setTimeout(() => {
      this.firstReportDone = true;
      void this.flush();
    }, Math.min(FIRST_REPORT_DELAY_MS, this.options.intervalMs));
  }

  private counters(peerId: string): PeerCounters {
    const key = peerIdToHex(peerId);
    let entry = this.peers.get(key);
    if (!entry) {
      entry = { uploaded: 0, downloaded: 0, receipts: new Map() };
      this.peers.set(key, entry);
    }
    return entry;
  }

  private async takeReport(): Promise<QueuedReport | undefined> {
    const peers = [...this.peers].filter(([, c]) => c.uploaded > 0 || c.downloaded > 0 || c.receipts.size > 0);
    if (peers.length === 0 && this.cdnBytes === 0 && this.segmentsShared === 0 && this.segmentsReceived === 0) return undefined;
    const now = Date.now();
    // Receipts beyond one report's share are carried into the next period.
    const carried = new Map<string, PeerCounters>();
    let budget = MAX_RECEIPTS_PER_REPORT;
    const receiptsOf = (peerId: string, counters: PeerCounters): Array<{ segment: string; bytes: number }> => {
      const all = [...counters.receipts].map(([segment, bytes]) => ({ segment, bytes }));
      const taken = all.slice(0, budget);
      budget -= taken.length;
      if (taken.length < all.length) {
        carried.set(peerId, { uploaded: 0, downloaded: 0, receipts: new Map(all.slice(taken.length).map((r) => [r.segment, r.bytes])) });
      }
      return taken;
    };
    const report = {
      reportId: randomHex(16),
      session: this.options.session,
      viewer: await this.viewer,
      videoCid: this.options.videoCid,
      startedAt: this.periodStartedAt,
      endedAt: now,
      sessionDurationMs: now - this.startedAt,
      segmentsShared: this.segmentsShared,
      segmentsReceived: this.segmentsReceived,
      cdnBytes: this.cdnBytes,
      peers: peers.map(([peerId, c]) => {
        const receipts = receiptsOf(peerId, c);
        return receipts.length > 0
          ? { peerId, uploaded: c.uploaded, downloaded: c.downloaded, receipts }
          : { peerId, uploaded: c.uploaded, downloaded: c.downloaded };
      }),
    };
    // Counters restart before any await that could let new events in, so nothing is counted twice.
    this.peers = carried;
    this.cdnBytes = 0;
    this.segmentsShared = 0;
    this.segmentsReceived = 0;
    this.periodStartedAt = now;
    return { reportId: report.reportId, endpoint: this.options.endpoint, body: JSON.stringify(report), createdAt: now, attempts: 0 };
  }

  private async sendPending(): Promise<void> {
    const queue = await this.queue;
    const pending = await queue.all();
    this.state_.pending = pending.length;
    for (const report of pending) {
      let status = 0;
      try {
        // text/plain keeps this a "simple" cross-origin request: no preflight, same as the beacon.
        const response = await fetch(report.endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
          body: report.body,
          keepalive: true,
          credentials: 'omit',
        });
        status = response.status;
      } catch {
        status = 0;
      }
      this.state_.lastStatus = status;
      if (status === 200 || status === 201) {
        await queue.delete(report.reportId);
        this.state_.acknowledged += 1;
      } else if (status === 400 || status === 409 || status === 413 || report.attempts + 1 >= MAX_ATTEMPTS || Date.now() - report.createdAt > MAX_AGE_MS) {
        await queue.delete(report.reportId);
        this.state_.rejected += 1;
      } else {
        // Network error, 403 (signal session not seen yet), 429 or 5xx: try again later.
        await queue.put({ ...report, attempts: report.attempts + 1 });
        if (status === 0 || status === 429 || status >= 500) break;
      }
    }
    this.state_.pending = (await queue.all()).length;
  }

  /** Page going away: the report goes out by beacon and is stored in case the beacon is lost. */
  private async beacon(): Promise<void> {
    const report = await this.takeReport();
    if (!report) return;
    navigator.sendBeacon(report.endpoint, new Blob([report.body], { type: 'text/plain;charset=UTF-8' }));
    await (await this.queue).put(report);
  }

  private readonly onVisibilityChange = () => {
    if (document.visibilityState === 'hidden') void this.beacon();
  };

  private readonly onPageHide = () => {
    void this.beacon();
  };
}
