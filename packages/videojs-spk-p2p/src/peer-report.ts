import { peerIdToHex, reportUrlFor } from './swarm.js';

export interface PeerReport {
  trackerUrls: readonly string[];
  cid: string | undefined;
  /** This page's secret for the signal server: what ties the report to this viewer. */
  session: string;
  peerId: string;
  reason: string;
}

/**
 * Tells every signal server that a peer misbehaved (POST /api/p2p/reports). `onAnswer` gets each
 * server's status, 0 when it could not be reached. Comes with the engine (engine-parts.ts).
 */
export async function reportPeer(report: PeerReport, onAnswer: (url: string, status: number) => void): Promise<void> {
  const body = JSON.stringify({ cid: report.cid, session: report.session, peerId: peerIdToHex(report.peerId), reason: report.reason });
  for (const trackerUrl of report.trackerUrls) {
    const url = reportUrlFor(trackerUrl);
    let status = 0;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, keepalive: true, credentials: 'omit' });
      status = response.status;
    } catch {
      status = 0;
    }
    onAnswer(url, status);
  }
}
