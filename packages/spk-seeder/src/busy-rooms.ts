/**
 * `--rooms-from`: which videos have viewers now, by the signal server's own counts. Without
 * `--rooms-candidates` the server's list of its busiest rooms (`GET /api/p2p/rooms`, over the
 * whole cluster) is ranked; with it, only the CIDs the file names (read again at every refresh,
 * so a cron job may rewrite it from a trending feed), each asked about by
 * `GET /api/p2p/rooms/:cid`. The seeder seeds the `top` with the most viewers.
 *
 * - A viewer is a signal connection in the room other than the seeder's own (one per video it
 *   seeds, once it has joined a swarm), so a room the seeder is in is not busy because of it.
 * - A room is left when two refreshes in a row find it outside the top: the seeder's connection
 *   may be opening but not yet counted, and a viewer between two videos should not make it drop
 *   a room it will want again.
 * - An answer that cannot be used (unreachable, an HTTP error, JSON of another shape) changes
 *   nothing: a warning is logged and the seeder keeps what it seeds until an answer can be used.
 */
import { isCid } from 'videojs-spk-p2p/node';
import { readCidsFile, type RoomsConfig } from './config.js';
import { errorMessage, type Logger } from './log.js';

const REQUEST_TIMEOUT_MS = 5_000;
/** Room questions in flight at once: a long candidate file must not flood the signal server. */
const CONCURRENCY = 4;
/** Refreshes in a row a room may be outside the top before it is left. */
const MISSES_BEFORE_LEAVING = 2;
const MAX_ANSWER_BYTES = 1024 * 1024;
/** The most rooms the signal server lists in one answer. */
const BUSIEST_LIMIT = 100;

export interface RoomChanges {
  /** Newly busy rooms, busiest first, with their viewer counts. */
  join: Array<{ cid: string; viewers: number }>;
  leave: string[];
}

class AnswerError extends Error {
  override name = 'AnswerError';
}

async function getJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers: { Accept: 'application/json' } });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is its cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    throw new AnswerError(`${url}: ${String(cause?.code ?? cause?.message ?? errorMessage(error))}`);
  }
  if (!response.ok) throw new AnswerError(`${url}: HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) throw new AnswerError(`${url}: answer of ${text.length} bytes is too large`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AnswerError(`${url}: not JSON (${JSON.stringify(text.slice(0, 60))})`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export class BusyRooms {
  /** Rooms chosen from the API and being seeded. */
  private readonly chosen = new Set<string>();
  private readonly misses = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** For the test and the logs: refreshes that could not use the answer in a row. */
  failures = 0;

  constructor(
    private readonly config: RoomsConfig,
    /** CIDs seeded anyway (`--cid`, `--cids-file`): never chosen nor left here. */
    private readonly pinned: ReadonlySet<string>,
    /** The seeder's own signal connections in a room (0 until its video joined a swarm). */
    private readonly ownConnections: (cid: string) => number,
    private readonly apply: (changes: RoomChanges) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    const run = () => {
      void this.refresh().finally(() => {
        if (!this.stopped) this.timer = setTimeout(run, this.config.intervalMs);
      });
    };
    run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** One look at the counts; never throws (a failure is logged and changes nothing). */
  async refresh(): Promise<void> {
    let viewers: Map<string, number>;
    try {
      viewers = await this.count();
    } catch (error) {
      this.failures += 1;
      this.log.warn('rooms API unusable: keeping the rooms seeded', {
        url: this.config.apiUrl,
        error: errorMessage(error),
        seeding: [...this.chosen],
        failures: this.failures,
        retryInMs: this.config.intervalMs,
      });
      return;
    }
    if (this.stopped) return;
    this.failures = 0;
    // Busiest first; a tie keeps what is seeded already, then the file's order.
    const ranked = [...viewers].filter(([, count]) => count > 0).sort(([a, x], [b, y]) => y - x || Number(this.chosen.has(b)) - Number(this.chosen.has(a)));
    const top = new Map(ranked.slice(0, this.config.top));
    const changes: RoomChanges = { join: [], leave: [] };
    for (const [cid, count] of top) {
      this.misses.delete(cid);
      if (!this.chosen.has(cid)) {
        this.chosen.add(cid);
        changes.join.push({ cid, viewers: count });
      }
    }
    for (const cid of this.chosen) {
      if (top.has(cid)) continue;
      const missed = (this.misses.get(cid) ?? 0) + 1;
      if (missed < MISSES_BEFORE_LEAVING) {
        this.misses.set(cid, missed);
        continue;
      }
      this.misses.delete(cid);
      this.chosen.delete(cid);
      changes.leave.push(cid);
    }
    this.log.debug('room counts', { viewers: Object.fromEntries(viewers), seeding: [...this.chosen] });
    if (changes.join.length > 0 || changes.leave.length > 0) this.apply(changes);
  }

  /** Viewers per room; throws when any answer cannot be used, so a half answer changes nothing. */
  private async count(): Promise<Map<string, number>> {
    return this.config.candidatesFile === undefined ? this.countBusiest() : this.countCandidates(this.config.candidatesFile);
  }

  /** The server's busiest rooms, as many as it lists (seeded and pinned ones take places in it). */
  private async countBusiest(): Promise<Map<string, number>> {
    const url = `${this.config.apiUrl}/api/p2p/rooms?limit=${BUSIEST_LIMIT}`;
    const answer = await getJson(url);
    const rooms = isObject(answer) && Array.isArray(answer.rooms) ? answer.rooms : undefined;
    if (rooms === undefined || !rooms.every((room) => isObject(room) && typeof room.cid === 'string' && isCount(room.peers))) {
      throw new AnswerError(`${url}: not the signal server's room list (no "rooms" of "cid" and "peers"; a server older than this seeder lists none: give --rooms-candidates)`);
    }
    const viewers = new Map<string, number>();
    for (const room of rooms as Array<{ cid: string; peers: number }>) {
      if (!isCid(room.cid) || this.pinned.has(room.cid)) continue;
      viewers.set(room.cid, Math.max(0, room.peers - this.ownConnections(room.cid)));
    }
    return viewers;
  }

  private async countCandidates(file: string): Promise<Map<string, number>> {
    const candidates = [...new Set(readCidsFile(file, '--rooms-candidates'))];
    const bad = candidates.filter((cid) => !isCid(cid));
    if (bad.length > 0) this.log.warn('--rooms-candidates: lines that are not CIDs are skipped', { file, lines: bad.slice(0, 5) });
    const asked = candidates.filter((cid) => isCid(cid) && !this.pinned.has(cid));
    const stats = await getJson(`${this.config.apiUrl}/api/p2p/stats`);
    if (!isObject(stats) || !isCount(stats.rooms) || !isCount(stats.peers)) throw new AnswerError(`${this.config.apiUrl}/api/p2p/stats: not the signal server's stats (no "rooms" and "peers" counts)`);
    const viewers = new Map<string, number>();
    // No room has a connection: nothing to ask about each candidate.
    if (stats.rooms === 0) {
      for (const cid of asked) viewers.set(cid, 0);
      return viewers;
    }
    let next = 0;
    const worker = async () => {
      while (next < asked.length) {
        const cid = asked[next++]!;
        const url = `${this.config.apiUrl}/api/p2p/rooms/${cid}`;
        const room = await getJson(url);
        if (!isObject(room) || room.cid !== cid || !isCount(room.peers)) throw new AnswerError(`${url}: not a room of the signal server (no "cid" and "peers")`);
        viewers.set(cid, Math.max(0, room.peers - this.ownConnections(cid)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, asked.length) }, worker));
    return viewers;
  }
}
