import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openContributionsDb, pairCredits, viewerCredits } from '../src/contributions/index.js';
import type { RecordContext } from '../src/contributions/store.js';
import { hashSecret, utcDay } from '../src/contributions/identity.js';
import type { ContributionReport } from '../src/contributions/report.js';
import { DIALECTS, DirectoryTable, makeReport, randomPeerId, randomSecret, useContributionStore } from './contributions-support.js';

for (const dialect of DIALECTS) {
  describe(`contributions storage and crediting (${dialect})`, () => {
    const suite = useContributionStore(dialect);
    const directory = new DirectoryTable();
    const today = utcDay(Date.now());
    const range = { from: today, to: today };


    const record = (report: ContributionReport, address?: string) => {
      const context: RecordContext = {
        receivedAt: Date.now(),
        address: address ?? directory.addressOfSession(report.session) ?? '127.0.0.1',
        announcedPeers: directory.peersOfSession(report.session),
        rawBody: JSON.stringify(report),
        roomId: report.videoCid,
      };
      return suite.store.recordReport(report, context);
    };

    function viewer(address: string) {
      const session = randomSecret();
      const peerId = randomPeerId();
      directory.announce(session, peerId, address);
      return { session, peerId, id: hashSecret('session', session) };
    }

    it('migrations are idempotent: opening the same database again works and keeps data', async () => {
      const again = await openContributionsDb(suite.database.options);
      try {
        const tables = await again.db.selectFrom('p2p_sessions').select('id').execute();
        assert.ok(Array.isArray(tables));
      } finally {
        await again.close();
      }
    });

    it('stores a report once: a replay is a duplicate and changes no total', async () => {
      const a = viewer('10.0.0.1');
      const b = viewer('10.0.0.2');
      const report = makeReport(a.session, [{ peerId: b.peerId, uploaded: 5000, downloaded: 0 }]);
      assert.equal((await record(report)).status, 'accepted');
      assert.equal((await record(report)).status, 'duplicate');
      const session = await suite.db.selectFrom('p2p_sessions').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      assert.equal(Number(session.bytes_uploaded), 5000);
      assert.equal(session.peer_id, a.peerId);
      const raw = await suite.db.selectFrom('p2p_reports').select('body').where('id', '=', report.reportId).execute();
      assert.equal(raw.length, 1);
      assert.deepEqual(JSON.parse(raw[0]!.body), report, 'the raw report is kept for audit');
      const claims = await suite.db.selectFrom('p2p_claims').selectAll().where('report_id', '=', report.reportId).execute();
      assert.equal(claims.length, 1);
    });

    it('refuses a report id already used by another session, and sessions that never announced', async () => {
      const a = viewer('10.0.1.1');
      const b = viewer('10.0.1.2');
      const report = makeReport(a.session, []);
      assert.equal((await record(report)).status, 'accepted');
      assert.equal((await record({ ...report, session: b.session })).status, 'conflict');
      const stranger = makeReport(randomSecret(), []);
      assert.equal((await record(stranger)).status, 'unbound');
      const stored = await suite.db.selectFrom('p2p_reports').select('id').where('id', '=', stranger.reportId).execute();
      assert.equal(stored.length, 0, 'an unbound report leaves nothing behind');
    });

    it('credits an uploader only what its downloader confirms, whichever side inflates', async () => {
      const up = viewer('10.0.2.1');
      const down = viewer('10.0.2.2');
      // The uploader claims 10 MB; the downloader says it received 6 MB.
      await record(makeReport(up.session, [{ peerId: down.peerId, uploaded: 10_000_000, downloaded: 0 }]));
      await record(makeReport(down.session, [{ peerId: up.peerId, uploaded: 0, downloaded: 6_000_000 }]));
      // A downloader "confirming" more than the uploader claims cannot raise it either.
      const other = viewer('10.0.2.3');
      await record(makeReport(up.session, [{ peerId: other.peerId, uploaded: 1_000, downloaded: 0 }]));
      await record(makeReport(other.session, [{ peerId: up.peerId, uploaded: 0, downloaded: 9_999_999 }]));

      const pairs = await pairCredits(suite.db, range, { sameAddressPairCapBytes: 0 });
      const toDown = pairs.find((p) => p.uploader === up.id && p.downloader === down.id);
      assert.deepEqual(
        toDown && { claimed: toDown.claimedUpload, confirmed: toDown.confirmedDownload, credited: toDown.credited },
        { claimed: 10_000_000, confirmed: 6_000_000, credited: 6_000_000 },
      );
      const toOther = pairs.find((p) => p.uploader === up.id && p.downloader === other.id);
      assert.equal(toOther?.credited, 1_000);
      const credits = await viewerCredits(suite.db, range, { sameAddressPairCapBytes: 0 });
      const upViewer = credits.find((c) => c.viewerId === hashSecret('viewer', up.session));
      assert.equal(upViewer?.credited, 6_001_000);
      assert.equal(upViewer?.claimed, 10_001_000);
      // Downloaders who uploaded nothing earn nothing.
      assert.equal(credits.find((c) => c.viewerId === hashSecret('viewer', down.session)), undefined);
    });

    it('an upload nobody confirms earns nothing, and claims about oneself are ignored', async () => {
      const liar = viewer('10.0.3.1');
      const silent = viewer('10.0.3.2');
      directory.announce(liar.session, randomPeerId(), '10.0.3.1');
      const ownSecondPeer = directory.peersOfSession(liar.session)[1]!;
      await record(makeReport(liar.session, [
        { peerId: silent.peerId, uploaded: 50_000_000, downloaded: 0 },
        { peerId: ownSecondPeer, uploaded: 70_000_000, downloaded: 70_000_000 },
      ]));
      // The silent viewer reports, but confirms nothing.
      await record(makeReport(silent.session, []));
      const pairs = (await pairCredits(suite.db, range, { sameAddressPairCapBytes: 0 })).filter((p) => p.uploader === liar.id);
      assert.deepEqual(pairs.map((p) => [p.downloader, p.claimedUpload, p.credited]), [[silent.id, 50_000_000, 0]]);
      const session = await suite.db.selectFrom('p2p_sessions').selectAll().where('id', '=', liar.id).executeTakeFirstOrThrow();
      assert.equal(Number(session.bytes_uploaded), 50_000_000, 'the self claim is not counted');
    });

    it('caps pairs on one address (0 by default, configurable)', async () => {
      const a = viewer('192.0.2.7');
      const b = viewer('192.0.2.7');
      await record(makeReport(a.session, [{ peerId: b.peerId, uploaded: 4_000_000, downloaded: 0 }]));
      await record(makeReport(b.session, [{ peerId: a.peerId, uploaded: 0, downloaded: 4_000_000 }]));
      const find = (pairs: Awaited<ReturnType<typeof pairCredits>>) => pairs.find((p) => p.uploader === a.id && p.downloader === b.id);
      const capped = find(await pairCredits(suite.db, range, { sameAddressPairCapBytes: 0 }));
      assert.equal(capped?.sameAddress, true);
      assert.equal(capped?.credited, 0);
      assert.equal(find(await pairCredits(suite.db, range, { sameAddressPairCapBytes: 1_000_000 }))?.credited, 1_000_000);
      assert.equal(find(await pairCredits(suite.db, range, { sameAddressPairCapBytes: Infinity }))?.credited, 4_000_000);
    });

    it('binds a peer id to the first session that reported it: another session cannot take it over', async () => {
      const owner = viewer('10.0.4.1');
      await record(makeReport(owner.session, []));
      const thief = randomSecret();
      directory.announce(thief, owner.peerId, '10.0.4.2');
      assert.equal((await record(makeReport(thief, []))).status, 'unbound');
      const binding = await suite.db.selectFrom('p2p_peers').select('session_id').where('peer_id', '=', owner.peerId).executeTakeFirstOrThrow();
      assert.equal(binding.session_id, owner.id);
    });

    it('a session known from an earlier report can still report after the signal server forgot it', async () => {
      const a = viewer('10.0.5.1');
      await record(makeReport(a.session, []));
      directory.forget(a.session);
      assert.equal((await record(makeReport(a.session, []), '10.0.5.1')).status, 'accepted');
    });
  });
}
