import { bytesToHex } from '../hex.js';

export { ContributionReporter, type ContributionReporterOptions, type ReporterState } from './reporter.js';
export { openReportQueue, DEFAULT_DATABASE_NAME, type QueuedReport, type ReportQueue } from './report-queue.js';

export { contributionEndpointFor } from './settings.js';

/**
 * The public id the server shows for a viewer secret (first 24 hex characters of
 * sha256("spk-p2p:viewer:" + secret)), for pages that look their own numbers up.
 */
export async function publicViewerIdOf(viewerSecret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`spk-p2p:viewer:${viewerSecret}`));
  return bytesToHex(new Uint8Array(digest)).slice(0, 24);
}
