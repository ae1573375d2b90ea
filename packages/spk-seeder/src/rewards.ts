/**
 * Rewards: the seeder reports its uploads to the signal server's `POST /api/p2p/contribution`
 * with the viewers' own ContributionReporter, so the server credits its operator exactly as it
 * credits a browser: only for the segments each downloader confirms with its receipts.
 *
 * - One reporter per video, each with the video's own signal session (a report names one video,
 *   and the server binds a session to one room).
 * - One viewer secret for all of them, kept in `<cache-dir>/viewer-secret` (mode 0600): the
 *   server adds up credits per viewer and hangs the Hive link on it, so it must survive restarts.
 * - Reports go out as in a browser: 5 s after the first upload, every 30 s, and at stop. A report
 *   the server did not acknowledge is retried at the next one; at stop the seeder waits for the
 *   answer at most STOP_FLUSH_TIMEOUT_MS (a dead signal server must not hold the stop).
 */
import './node-globals.js';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContributionReporter, contributionEndpointFor, publicViewerIdOf, signalHttpUrlFor } from 'videojs-spk-p2p/node';
import { errorMessage, type Logger } from './log.js';

/** A new reporter every day: the server refuses a report whose session lasted over 7 days. */
const REPORTER_LIFETIME_MS = 24 * 3600 * 1000;
const STOP_FLUSH_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** What the contributions API takes as a secret. */
const SECRET = /^[A-Za-z0-9_-]{16,128}$/;

/*
 * The reporter is written for a page: it listens for `visibilitychange` and `pagehide` to send
 * a last report by beacon. A process has no page to hide; these do nothing, and its stop flushes
 * instead. The beacon is kept working (a plain POST) for a report taken after that flush.
 */
const scope = globalThis as { document?: unknown; window?: Record<string, unknown>; navigator?: Record<string, unknown> };
const noListeners = { addEventListener: () => undefined, removeEventListener: () => undefined };
scope.document ??= { visibilityState: 'visible', ...noListeners };
if (scope.window) for (const [name, method] of Object.entries(noListeners)) scope.window[name] ??= method;
if (scope.navigator) {
  scope.navigator.sendBeacon ??= (url: string, body: Blob) => {
    void fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } }).catch(() => undefined);
    return true;
  };
}

/** Reads the seeder's viewer secret, or makes one on first start. */
export async function loadViewerSecret(cacheDir: string): Promise<string> {
  const path = join(cacheDir, 'viewer-secret');
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (!SECRET.test(text)) throw new Error(`${path} does not hold a viewer secret (16-128 of A-Z a-z 0-9 _ -); move it away to start a new viewer`);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(24).toString('hex');
  await mkdir(cacheDir, { recursive: true });
  // `wx`: two seeders started on one cache at once keep one secret, the second fails here.
  await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

interface Entry {
  reporter: ContributionReporter;
  session: string;
  bornAt: number;
}

export class Rewards {
  private readonly entries = new Map<string, Entry>();
  private readonly endpoint: string;
  private readonly renewTimer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly signalUrl: string,
    private readonly viewerSecret: string,
    readonly viewerId: string,
    private readonly log: Logger,
  ) {
    this.endpoint = contributionEndpointFor(signalUrl);
    this.renewTimer = setInterval(() => this.renewOld(), REPORTER_LIFETIME_MS / 24);
    this.renewTimer.unref();
  }

  static async open(cacheDir: string, signalUrl: string, log: Logger): Promise<Rewards> {
    const secret = await loadViewerSecret(cacheDir);
    const rewards = new Rewards(signalUrl, secret, await publicViewerIdOf(secret), log);
    log.info('reporting uploads', { endpoint: rewards.endpoint, viewer: rewards.viewerId, credits: signalHttpUrlFor(signalUrl, `/api/p2p/contributions/${rewards.viewerId}`) });
    return rewards;
  }

  /** A video's swarms joined with `session`: its uploads are reported from now on. */
  join(cid: string, session: string): void {
    if (this.entries.has(cid)) return;
    this.entries.set(cid, { reporter: this.reporter(cid, session), session, bornAt: Date.now() });
  }

  upload(cid: string, peerId: string, bytes: number): void {
    this.entries.get(cid)?.reporter.recordUpload(peerId, bytes);
  }

  /** The video is no longer seeded: what it uploaded is reported, then its reporter stops. */
  async leave(cid: string): Promise<void> {
    const entry = this.entries.get(cid);
    if (!entry) return;
    this.entries.delete(cid);
    await this.finish(cid, entry.reporter);
  }

  async stop(): Promise<void> {
    clearInterval(this.renewTimer);
    const entries = [...this.entries];
    this.entries.clear();
    await Promise.all(entries.map(([cid, entry]) => this.finish(cid, entry.reporter)));
  }

  /**
   * Asks the signal server for a challenge that links `account` to this viewer, and logs it:
   * the operator signs it with the account's posting key (Hive Keychain's "sign message", or any
   * tool that signs sha256(message)) and posts the signature. The seeder holds no Hive key.
   */
  async requestHiveLink(account: string): Promise<void> {
    const summaryUrl = signalHttpUrlFor(this.signalUrl, `/api/p2p/contributions/${this.viewerId}`);
    try {
      const summary = await fetch(summaryUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (summary.ok) {
        const linked = ((await summary.json().catch(() => ({}))) as { hiveUsername?: unknown }).hiveUsername;
        if (linked === account) {
          this.log.info('hive account linked', { account, viewer: this.viewerId });
          return;
        }
      }
      const response = await fetch(signalHttpUrlFor(this.signalUrl, '/api/p2p/hive/challenge'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ viewer: this.viewerSecret, username: account }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => ({}))) as { challengeId?: unknown; message?: unknown; expiresAt?: unknown; error?: unknown };
      if (response.status !== 201 || typeof body.challengeId !== 'string' || typeof body.message !== 'string') {
        throw new Error(`HTTP ${response.status}${typeof body.error === 'string' ? `: ${body.error}` : ''}`);
      }
      this.log.info('hive link: sign this message with the posting key of the account, then post the signature', {
        account,
        viewer: this.viewerId,
        message: body.message,
        challengeId: body.challengeId,
        expiresAt: body.expiresAt,
        post: signalHttpUrlFor(this.signalUrl, '/api/p2p/hive/link'),
        body: '{"viewer": "<contents of viewer-secret in the cache dir>", "challengeId": "<challengeId>", "signature": "<130 hex characters>"}',
      });
    } catch (error) {
      this.log.warn('hive link: no challenge from the signal server (restart the seeder to ask again)', { account, error: errorMessage(error) });
    }
  }

  private reporter(cid: string, session: string): ContributionReporter {
    return new ContributionReporter({ endpoint: this.endpoint, session, videoCid: cid, viewerSecret: this.viewerSecret });
  }

  private async finish(cid: string, reporter: ContributionReporter): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_FLUSH_TIMEOUT_MS)));
    const state = await Promise.race([reporter.flush(), timeout]);
    clearTimeout(timer);
    reporter.dispose();
    if (state === 'timeout' || state.pending > 0) {
      // 404: a signal server run without its contributions API; the operator can stop trying.
      const hint = state !== 'timeout' && state.lastStatus === 404 ? { hint: 'this signal server has no contributions API: --contributions off stops reporting' } : {};
      this.log.warn('uploads not reported: the contributions API did not acknowledge them', { cid, endpoint: this.endpoint, ...(state === 'timeout' ? { timeoutMs: STOP_FLUSH_TIMEOUT_MS } : { status: state.lastStatus, pending: state.pending }), ...hint });
    } else this.log.debug('uploads reported', { cid, acknowledged: state.acknowledged });
  }

  /** Reporters older than a day hand over to new ones (same session, same viewer). */
  private renewOld(): void {
    const now = Date.now();
    for (const [cid, entry] of this.entries) {
      if (now - entry.bornAt < REPORTER_LIFETIME_MS) continue;
      const old = entry.reporter;
      this.entries.set(cid, { reporter: this.reporter(cid, entry.session), session: entry.session, bornAt: now });
      void this.finish(cid, old);
    }
  }
}
