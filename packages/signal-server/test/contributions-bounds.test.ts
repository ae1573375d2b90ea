/**
 * Reward bounds against colluders: two viewers on different addresses, each announced on the
 * signal server, who report whatever they like about each other. Before receipts, a pair's
 * credit was min(uploader's claim, downloader's count), so a pair inventing both numbers was
 * credited any amount; these tests hold the bounds the crediting now promises.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pairCredits, viewerCredits } from '../src/contributions/index.js';
import type { RecordContext } from '../src/contributions/store.js';
import { hashSecret, utcDay } from '../src/contributions/identity.js';
import type { ContributionReport, PeerClaim } from '../src/contributions/report.js';
import { DIALECTS, DirectoryTable, makeReport, randomPeerId, randomSecret, useContributionStore } from './contributions-support.js';

const MB = 1_000_000;
/** The default policy: 8 Mbit/s top bitrate, 1.5× margin, 30 s slack. */
const DEFAULT_BYTES_PER_SECOND = 8_000_000 / 8;
const POLICY = { sameAddressPairCapBytes: 0 };

function allowance(lifetimeMs: number, bytesPerSecond = DEFAULT_BYTES_PER_SECOND): number {
  return Math.floor(((lifetimeMs + 30_000) / 1000) * bytesPerSecond * 1.5);
}

for (const dialect of DIALECTS) {
  describe(`reward bounds against a colluding pair (${dialect})`, () => {
    const suite = useContributionStore(dialect);
    const directory = new DirectoryTable();
    // Ten minutes ago, but never yesterday: the range below covers both days either way.
    const start = Math.max(Date.now() - 600_000, Date.parse(`${utcDay(Date.now())}T00:00:00Z`));
    const range = { from: utcDay(start), to: utcDay(Date.now()) };


    async function record(report: ContributionReport, receivedAt: number): Promise<void> {
      const context: RecordContext = {
        receivedAt,
        address: directory.addressOfSession(report.session) ?? '127.0.0.1',
        announcedPeers: directory.peersOfSession(report.session),
        rawBody: JSON.stringify(report),
        roomId: report.videoCid,
      };
      const outcome = await suite.store.recordReport(report, context);
      assert.equal(outcome.status, 'accepted');
    }

    /** A report with exactly these peer entries (no receipts added for the caller). */
    function report(session: string, peers: PeerClaim[], videoCid?: string): ContributionReport {
      return makeReport(session, [], { peers, ...(videoCid ? { videoCid } : {}) });
    }

    function viewer(address: string) {
      const session = randomSecret();
      const peerId = randomPeerId();
      directory.announce(session, peerId, address);
      return { session, peerId, id: hashSecret('session', session) };
    }

    it('invented byte counts without receipts earn nothing', async () => {
      const a = viewer('198.51.100.1');
      const b = viewer('203.0.113.1');
      // 20 reports of 2 GB "sent" and 2 GB "received", both sides agreeing.
      for (let i = 0; i < 20; i++) {
        await record(report(a.session, [{ peerId: b.peerId, uploaded: 2_000 * MB, downloaded: 0 }]), start + i * 30_000);
        await record(report(b.session, [{ peerId: a.peerId, uploaded: 0, downloaded: 2_000 * MB }]), start + i * 30_000);
      }
      const pair = (await pairCredits(suite.db, range, POLICY)).find((p) => p.uploader === a.id && p.downloader === b.id);
      assert.equal(pair?.claimedUpload, 40_000 * MB);
      assert.equal(pair?.credited, 0, `credited ${pair?.credited} bytes for invented counts`);
      const credits = await viewerCredits(suite.db, range, POLICY, { viewerId: hashSecret('viewer', a.session) });
      assert.equal(credits[0]?.credited ?? 0, 0);
    });

    it('invented receipts: a segment confirms a pair once, and a downloader confirms at most what its session could have played', async () => {
      const a = viewer('198.51.100.2');
      const c = viewer('198.51.100.3');
      const b = viewer('203.0.113.2');
      const repeated = Array.from({ length: 100 }, (_, i) => ({ segment: `720p/720p_${i}.ts`, bytes: 4 * MB }));
      // Five reports naming the same 100 segments: 2 GB of receipts, 400 MB of distinct segments.
      for (let i = 0; i < 5; i++) {
        await record(report(b.session, [{ peerId: a.peerId, uploaded: 0, downloaded: 400 * MB, receipts: repeated }]), start + i * 1000);
      }
      const distinctFromA = 400 * MB;
      let confirmedFromC = 0;
      // Then 3 000 more invented segments from C (12 GB), over the next ten minutes.
      for (let i = 0; i < 3; i++) {
        const receipts = Array.from({ length: 1000 }, (_, j) => ({ segment: `1080p/invented_${i}_${j}.ts`, bytes: 4 * MB }));
        confirmedFromC += 4_000 * MB;
        await record(report(b.session, [{ peerId: c.peerId, uploaded: 0, downloaded: 4_000 * MB, receipts }]), start + 5_000 + i * 200_000);
      }
      await record(report(b.session, []), start + 600_000);
      // The uploaders claim far more than anyone confirms.
      await record(report(a.session, [{ peerId: b.peerId, uploaded: 50_000 * MB, downloaded: 0 }]), start);
      await record(report(c.session, [{ peerId: b.peerId, uploaded: 50_000 * MB, downloaded: 0 }]), start);

      const pairs = (await pairCredits(suite.db, range, POLICY)).filter((p) => p.downloader === b.id);
      const fromA = pairs.find((p) => p.uploader === a.id);
      const fromC = pairs.find((p) => p.uploader === c.id);
      assert.equal(fromA?.confirmedDownload, distinctFromA, 'repeated receipts of a segment confirm it once');
      assert.equal(fromC?.confirmedDownload, confirmedFromC);

      const session = await suite.db.selectFrom('p2p_sessions').select(['joined_at', 'last_report_at']).where('id', '=', b.id).executeTakeFirstOrThrow();
      const lifetimeMs = Number(session.last_report_at) - Number(session.joined_at);
      assert.equal(lifetimeMs, 600_000);
      const bound = allowance(lifetimeMs);
      const total = (fromA?.credited ?? 0) + (fromC?.credited ?? 0);
      assert.ok(total <= bound, `B confirmed ${total} bytes for its uploaders; its session could have played at most ${bound}`);
      // Scaled in proportion, not wiped: the bound is also what is paid (less rounding).
      assert.ok(total >= bound - 2, `credited ${total}, bound ${bound}`);
      const share = (fromA?.credited ?? 0) / total;
      assert.ok(Math.abs(share - distinctFromA / (distinctFromA + confirmedFromC)) < 0.001, `A's share ${share}`);

      // The leaderboard (SQL aggregation) gives the same numbers.
      const leaders = await viewerCredits(suite.db, range, POLICY, { creditedOnly: true });
      const fromLeaderboard = leaders.filter((l) => l.viewerId === hashSecret('viewer', a.session) || l.viewerId === hashSecret('viewer', c.session));
      assert.equal(fromLeaderboard.reduce((sum, l) => sum + l.credited, 0), total);
    });

    it('a registered video: only its segments confirm, at their real sizes, under its real top bitrate', async () => {
      const cid = 'QmRegisteredVideo00000000000000000000000000000';
      const segments = Array.from({ length: 20 }, (_, i) => ({ segment: `480p/480p_${i}.ts`, bytes: 500_000 }));
      await suite.store.registerVideo(cid, { topBitrateBps: 2_000_000, segments });
      const a = viewer('198.51.100.4');
      const b = viewer('203.0.113.4');
      const receipts = [
        ...segments.map((s) => ({ segment: s.segment, bytes: 4 * MB })),
        ...Array.from({ length: 500 }, (_, i) => ({ segment: `480p/not_in_playlist_${i}.ts`, bytes: 4 * MB })),
      ];
      await record(report(b.session, [{ peerId: a.peerId, uploaded: 0, downloaded: 2_010 * MB, receipts }], cid), start);
      await record(report(a.session, [{ peerId: b.peerId, uploaded: 9_000 * MB, downloaded: 0 }], cid), start);
      const pair = (await pairCredits(suite.db, range, POLICY)).find((p) => p.uploader === a.id && p.downloader === b.id);
      assert.equal(pair?.confirmedDownload, 20 * 500_000);
      assert.equal(pair?.credited, 20 * 500_000);

      // Its own bitrate bounds a session: 2 Mbit/s × (0 s + 30 s slack) × 1.5 = 11.25 MB.
      const d = viewer('203.0.113.5');
      const many = Array.from({ length: 200 }, (_, i) => ({ segment: `480p/480p_${i % 20}.ts`, bytes: 1 }));
      const uploaders = Array.from({ length: 10 }, (_, i) => viewer(`198.51.100.${10 + i}`));
      // Ten colluding uploaders each "deliver" the whole video to D: 10 × 10 MB = 100 MB confirmed.
      await record(report(d.session, uploaders.map((u) => ({ peerId: u.peerId, uploaded: 0, downloaded: 10 * MB, receipts: many.slice(0, 20) })), cid), start);
      for (const u of uploaders) await record(report(u.session, [{ peerId: d.peerId, uploaded: 10 * MB, downloaded: 0 }], cid), start);
      const toD = (await pairCredits(suite.db, range, POLICY)).filter((p) => p.downloader === d.id);
      assert.equal(toD.length, 10);
      assert.ok(toD.every((p) => p.confirmedDownload === 10 * MB));
      const total = toD.reduce((sum, p) => sum + p.credited, 0);
      const bound = allowance(0, 2_000_000 / 8);
      assert.ok(total <= bound && total >= bound - toD.length, `credited ${total}, bound ${bound}`);
    });
  });
}
