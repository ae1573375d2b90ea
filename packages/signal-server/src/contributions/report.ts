/**
 * The contribution report a viewer's browser sends, and its validation. Anything outside the
 * schema is refused with a message naming the field, so a client bug shows up as a clear 400.
 */
import { PEER_ID_HEX_PATTERN, SECRET_PATTERN } from './identity.js';

export interface PeerClaim {
  /** Remote peer id, 40 lowercase hex characters. */
  peerId: string;
  /** Bytes this viewer sent to that peer during the report's interval. */
  uploaded: number;
  /** Bytes this viewer received from that peer during the report's interval. */
  downloaded: number;
  /**
   * The whole segments this viewer received from that peer and verified: what confirms the
   * peer's upload. Only receipts earn the peer credit; `downloaded` alone confirms nothing.
   */
  receipts?: SegmentReceipt[];
}

/** One segment received from a peer, named as it is below the video's folder (`480p/480p_3.ts`, `#start-end` for a byte range). */
export interface SegmentReceipt {
  segment: string;
  bytes: number;
}

export interface ContributionReport {
  /** Client-chosen id; a report sent twice is stored once. */
  reportId: string;
  /** The secret carried in the signal connection URL: binds the report to the peers it announced. */
  session: string;
  /** A long-lived per-browser secret; Hive names are linked to it. Defaults to the session. */
  viewer?: string;
  videoCid: string;
  /** Interval covered, epoch milliseconds (client clock; informative only). */
  startedAt: number;
  endedAt: number;
  sessionDurationMs: number;
  segmentsShared: number;
  segmentsReceived: number;
  cdnBytes: number;
  peers: PeerClaim[];
}

export const MAX_PEERS_PER_REPORT = 256;
/** 64 GiB in one report interval is far beyond any real pair: larger numbers are typos or lies. */
export const MAX_BYTES_PER_CLAIM = 64 * 1024 ** 3;
const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;
/** A 10 s 4K segment at 50 Mbit/s is ~62 MB: a larger single segment is not a real one. */
export const MAX_BYTES_PER_SEGMENT = 128 * 1024 ** 2;
/** Receipts per report, all peers together: a 64 KiB body holds about this many; 30 s of 1 s segments is far below it. */
export const MAX_RECEIPTS_PER_REPORT = 1024;
/** A path below the video folder, printable ASCII without spaces. */
const SEGMENT_PATTERN = /^[!-~]{1,512}$/;

const ALLOWED_KEYS = new Set([
  'reportId', 'session', 'viewer', 'videoCid', 'startedAt', 'endedAt', 'sessionDurationMs',
  'segmentsShared', 'segmentsReceived', 'cdnBytes', 'peers',
]);

export class ReportValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportValidationError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new ReportValidationError(`\`${field}\` must be an integer from 0 to ${max}`);
  }
  return value;
}

function pattern(value: unknown, field: string, re: RegExp, what: string): string {
  if (typeof value !== 'string' || !re.test(value)) throw new ReportValidationError(`\`${field}\` must be ${what}`);
  return value;
}

function parseReceipts(input: unknown[], field: string): SegmentReceipt[] {
  const seen = new Set<string>();
  return input.map((entry, index): SegmentReceipt => {
    const at = `${field}[${index}]`;
    if (!isObject(entry)) throw new ReportValidationError(`\`${at}\` must be an object`);
    for (const key of Object.keys(entry)) {
      if (key !== 'segment' && key !== 'bytes') throw new ReportValidationError(`unknown field \`${at}.${key}\``);
    }
    const segment = pattern(entry.segment, `${at}.segment`, SEGMENT_PATTERN, 'a segment path (1–512 printable characters, no spaces)');
    if (seen.has(segment)) throw new ReportValidationError(`segment ${segment} appears twice in \`${field}\``);
    seen.add(segment);
    const bytes = count(entry.bytes, `${at}.bytes`, MAX_BYTES_PER_SEGMENT);
    if (bytes === 0) throw new ReportValidationError(`\`${at}.bytes\` must be more than 0`);
    return { segment, bytes };
  });
}

export function parseReport(input: unknown): ContributionReport {
  if (!isObject(input)) throw new ReportValidationError('the body must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!ALLOWED_KEYS.has(key)) throw new ReportValidationError(`unknown field \`${key}\``);
  }
  const reportId = pattern(input.reportId, 'reportId', /^[A-Za-z0-9_-]{8,64}$/, '8–64 characters A–Z a–z 0–9 _ -');
  const session = pattern(input.session, 'session', SECRET_PATTERN, '16–128 URL-safe characters');
  const viewer = input.viewer === undefined ? undefined : pattern(input.viewer, 'viewer', SECRET_PATTERN, '16–128 URL-safe characters');
  const videoCid = pattern(input.videoCid, 'videoCid', /^[A-Za-z0-9]{8,128}$/, 'a CID (8–128 alphanumerics)');
  const startedAt = count(input.startedAt, 'startedAt', Number.MAX_SAFE_INTEGER);
  const endedAt = count(input.endedAt, 'endedAt', Number.MAX_SAFE_INTEGER);
  if (endedAt < startedAt) throw new ReportValidationError('`endedAt` is before `startedAt`');
  const sessionDurationMs = count(input.sessionDurationMs, 'sessionDurationMs', MAX_DURATION_MS);
  const segmentsShared = count(input.segmentsShared, 'segmentsShared', 10_000_000);
  const segmentsReceived = count(input.segmentsReceived, 'segmentsReceived', 10_000_000);
  const cdnBytes = count(input.cdnBytes, 'cdnBytes', MAX_BYTES_PER_CLAIM);
  if (!Array.isArray(input.peers)) throw new ReportValidationError('`peers` must be an array');
  if (input.peers.length > MAX_PEERS_PER_REPORT) throw new ReportValidationError(`\`peers\` has more than ${MAX_PEERS_PER_REPORT} entries`);
  const seen = new Set<string>();
  let receiptCount = 0;
  const peers = input.peers.map((entry, index): PeerClaim => {
    const field = `peers[${index}]`;
    if (!isObject(entry)) throw new ReportValidationError(`\`${field}\` must be an object`);
    for (const key of Object.keys(entry)) {
      if (key !== 'peerId' && key !== 'uploaded' && key !== 'downloaded' && key !== 'receipts') throw new ReportValidationError(`unknown field \`${field}.${key}\``);
    }
    const peerId = pattern(entry.peerId, `${field}.peerId`, PEER_ID_HEX_PATTERN, '40 lowercase hex characters');
    if (seen.has(peerId)) throw new ReportValidationError(`peer ${peerId} appears twice`);
    seen.add(peerId);
    const claim: PeerClaim = {
      peerId,
      uploaded: count(entry.uploaded, `${field}.uploaded`, MAX_BYTES_PER_CLAIM),
      downloaded: count(entry.downloaded, `${field}.downloaded`, MAX_BYTES_PER_CLAIM),
    };
    if (entry.receipts !== undefined) {
      if (!Array.isArray(entry.receipts)) throw new ReportValidationError(`\`${field}.receipts\` must be an array`);
      receiptCount += entry.receipts.length;
      if (receiptCount > MAX_RECEIPTS_PER_REPORT) throw new ReportValidationError(`more than ${MAX_RECEIPTS_PER_REPORT} receipts in one report`);
      claim.receipts = parseReceipts(entry.receipts, `${field}.receipts`);
    }
    return claim;
  });
  const report: ContributionReport = {
    reportId, session, videoCid, startedAt, endedAt, sessionDurationMs, segmentsShared, segmentsReceived, cdnBytes, peers,
  };
  if (viewer !== undefined) report.viewer = viewer;
  return report;
}
