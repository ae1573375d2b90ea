/**
 * Reports of peers whose segments failed the integrity check. Each reported peer id counts
 * distinct reporters (by address or by session); at the threshold it is blocked in that room:
 * no offers to or from it until the ban expires.
 */
import type { Logger } from 'pino';
import type { ResolvedOptions } from './options.js';
import { safetyOf, type Room } from './rooms.js';
import { binaryToHex } from './ids.js';

const MAX_REPORTED_PER_ROOM = 10_000;

export interface ReportOutcome {
  count: number;
  threshold: number;
  blocked: boolean;
}

export class ReportBook {
  reportsCounted = 0;
  bansIssued = 0;

  constructor(private readonly options: ResolvedOptions, private readonly log: Logger) {}

  report(room: Room, reporterKey: string, peerId: string, now: number): ReportOutcome {
    const { reports, bannedPeers, bannedAddresses } = safetyOf(room);
    let reporters = reports.get(peerId);
    if (!reporters) {
      if (reports.size >= MAX_REPORTED_PER_ROOM) {
        const oldest = reports.keys().next();
        if (!oldest.done) reports.delete(oldest.value);
      }
      reporters = new Set();
      reports.set(peerId, reporters);
    }
    if (!reporters.has(reporterKey)) {
      reporters.add(reporterKey);
      this.reportsCounted++;
    }
    const threshold = this.options.reportThreshold;
    const until = bannedPeers.get(peerId);
    let blocked = until !== undefined && until > now;
    if (!blocked && reporters.size >= threshold) {
      blocked = true;
      this.bansIssued++;
      bannedPeers.set(peerId, now + this.options.banDurationMs);
      let address: string | undefined;
      if (this.options.banAddress) {
        for (const swarm of room.swarms.values()) {
          address = swarm.peers.get(peerId)?.conn.ip;
          if (address !== undefined) break;
        }
        if (address !== undefined) bannedAddresses.set(address, now + this.options.banDurationMs);
      }
      this.log.warn({ room: room.cid, peerId: binaryToHex(peerId), reporters: reporters.size, address }, 'peer blocked after integrity reports');
    }
    return { count: reporters.size, threshold, blocked };
  }

  /** Cluster mode: the shared book counted the report; this keeps the local view and counters in step. */
  applyShared(room: Room | undefined, peerId: string, outcome: { count: number; blocked: boolean; added: boolean }, now: number): ReportOutcome {
    if (outcome.added) this.reportsCounted++;
    if (outcome.blocked && room !== undefined) {
      const { bannedPeers } = safetyOf(room);
      const until = bannedPeers.get(peerId);
      if (until === undefined || until <= now) {
        this.bansIssued++;
        bannedPeers.set(peerId, now + this.options.banDurationMs);
        this.log.warn({ room: room.cid, peerId: binaryToHex(peerId), reporters: outcome.count }, 'peer blocked after integrity reports (cluster)');
      }
    }
    return { count: outcome.count, threshold: this.options.reportThreshold, blocked: outcome.blocked };
  }

  /** Forgets expired bans, and the reports that led to them. */
  sweep(room: Room, now: number): void {
    const safety = room.safety;
    if (safety === undefined) return;
    const { bannedPeers, bannedAddresses, reports } = safety;
    for (const [peerId, until] of bannedPeers) {
      if (until <= now) {
        bannedPeers.delete(peerId);
        reports.delete(peerId);
      }
    }
    for (const [address, until] of bannedAddresses) if (until <= now) bannedAddresses.delete(address);
    if (bannedPeers.size === 0 && bannedAddresses.size === 0 && reports.size === 0) room.safety = undefined;
  }
}
