import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrivateKey, cryptoUtils, type SignedTransaction } from '@hiveio/dhive';
import { allocateWithMinimum, buildPayoutBatch, formatHbd, largestRemainder, openContributionsDb, parseHbd, type ContributionsDb } from '../src/contributions/index.js';
import { runPayoutsCommand } from '../src/contributions/payouts-cli.js';
import { ContributionStore } from '../src/contributions/store.js';
import { hashSecret, utcDay } from '../src/contributions/identity.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, DIALECTS, DirectoryTable, makeReport, randomPeerId, randomSecret, type TestDatabase } from './contributions-support.js';
import { DYNAMIC_GLOBAL_PROPERTIES, startHiveFixture, type HiveFixture } from './contributions-hive-fixture.js';

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

describe('HBD amounts', () => {
  it('parses and formats with exactly three decimals', () => {
    assert.equal(parseHbd('100.000 HBD'), 100_000n);
    assert.equal(parseHbd('0.5 HBD'), 500n);
    assert.equal(parseHbd('7 HBD'), 7000n);
    assert.equal(parseHbd('0.001 HBD'), 1n);
    assert.equal(formatHbd(100_000n), '100.000 HBD');
    assert.equal(formatHbd(1n), '0.001 HBD');
    assert.equal(formatHbd(0n), '0.000 HBD');
    assert.equal(formatHbd(1_234_567n), '1234.567 HBD');
  });
  it('refuses amounts that are not HBD with at most three decimals', () => {
    for (const bad of ['100', '100.0001 HBD', '-1.000 HBD', '1.000 HIVE', '1,000 HBD', 'HBD', '1e3 HBD', '']) {
      assert.throws(() => parseHbd(bad), /HBD amount/, bad);
    }
  });
});

describe('largest-remainder allocation', () => {
  it('splits 100.000 HBD three ways into amounts that sum exactly to the pool', () => {
    const shares = largestRemainder(100_000n, [
      { account: 'carol', weight: 1n },
      { account: 'alice', weight: 1n },
      { account: 'bob', weight: 1n },
    ]);
    // 33333.33… each: the one leftover milli-HBD goes to the first name on the tie.
    assert.deepEqual(shares.map((s) => [s.account, s.milli]), [['alice', 33_334n], ['bob', 33_333n], ['carol', 33_333n]]);
  });

  it('gives leftovers to the largest remainders first', () => {
    // Exact shares of 1.000 HBD: 0.1666…, 0.3333…, 0.5 → floors 166, 333, 500; 1 left; largest remainder is 0.666 (a).
    const shares = largestRemainder(1000n, [{ account: 'a', weight: 1n }, { account: 'b', weight: 2n }, { account: 'c', weight: 3n }]);
    assert.deepEqual(shares.map((s) => [s.account, s.milli]), [['a', 167n], ['b', 333n], ['c', 500n]]);
  });

  it('does not depend on input order and always sums to the pool (randomised)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 300; round++) {
      const count = 1 + (random() % 40);
      const weights = Array.from({ length: count }, (_, i) => ({ account: `user${i}`, weight: BigInt(random() % 5 === 0 ? 7 : random()) }));
      const pool = BigInt(1 + (random() % 10_000_000));
      const shares = largestRemainder(pool, weights);
      assert.equal(sum(shares.map((s) => s.milli)), pool);
      const shuffled = [...weights].sort(() => (random() % 2 === 0 ? -1 : 1));
      assert.deepEqual(largestRemainder(pool, shuffled), shares);
      const total = sum(weights.map((w) => w.weight));
      for (const share of shares) {
        const exactTimesTotal = pool * share.weight;
        // Each share is its exact value rounded down or up by less than one milli-HBD.
        assert.ok(share.milli * total <= exactTimesTotal + total && share.milli * total >= exactTimesTotal - total);
      }
    }
  });

  it('handles huge byte counts without losing precision', () => {
    const shares = largestRemainder(1_000_000n, [{ account: 'big', weight: 9_007_199_254_740_993n }, { account: 'small', weight: 1n }]);
    assert.deepEqual(shares.map((s) => s.milli), [1_000_000n, 0n]);
  });

  it('drops recipients below the minimum one at a time and splits again among the rest', () => {
    const weights = [
      { account: 'a', weight: 29n },
      { account: 'b', weight: 29n },
      { account: 'c', weight: 29n },
      { account: 'd', weight: 13n },
    ];
    const shares = allocateWithMinimum(1000n, weights, 300n);
    assert.deepEqual(shares.map((s) => [s.account, s.milli]), [['a', 334n], ['b', 333n], ['c', 333n]]);
    assert.deepEqual(allocateWithMinimum(1000n, weights, 1n).map((s) => s.milli), [290n, 290n, 290n, 130n]);
    // Everybody equal and below the minimum: the last names go first until the rest clear it.
    assert.deepEqual(allocateWithMinimum(1000n, [{ account: 'x', weight: 1n }, { account: 'y', weight: 1n }], 600n).map((s) => [s.account, s.milli]), [['x', 1000n]]);
    assert.deepEqual(allocateWithMinimum(1000n, [], 1n), []);
    assert.deepEqual(allocateWithMinimum(1000n, [{ account: 'z', weight: 0n }], 1n), []);
  });

  it('refuses negative weights and duplicate accounts', () => {
    assert.throws(() => largestRemainder(10n, [{ account: 'a', weight: -1n }]), RangeError);
    assert.throws(() => largestRemainder(10n, [{ account: 'a', weight: 1n }, { account: 'a', weight: 2n }]), RangeError);
  });
});

for (const dialect of DIALECTS) {
  describe(`payout batches (${dialect})`, () => {
    let testDb: TestDatabase;
    let handle: ContributionsDb;
    let hive: HiveFixture;
    const today = utcDay(Date.now());
    const policy = { sameAddressPairCapBytes: 0 };

    before(async () => {
      // One at a time, so after() can close whatever started when a later step fails.
      hive = await startHiveFixture();
      testDb = await createTestDatabase(dialect);
      handle = await openContributionsDb(testDb.options);
      const store = new ContributionStore(handle.db);
      const directory = new DirectoryTable();
      // Three uploaders with linked Hive names, one without, each confirmed by one downloader.
      const viewers = ['alice', 'bob', 'carol', null].map((name, i) => {
        const session = randomSecret();
        const peerId = randomPeerId();
        directory.announce(session, peerId, `10.9.${i}.1`);
        return { name, session, peerId };
      });
      const downloader = { session: randomSecret(), peerId: randomPeerId() };
      directory.announce(downloader.session, downloader.peerId, '10.9.99.1');
      const record = (report: ReturnType<typeof makeReport>) =>
        store.recordReport(report, {
          receivedAt: Date.now(),
          address: directory.addressOfSession(report.session) ?? '',
          announcedPeers: directory.peersOfSession(report.session),
          rawBody: JSON.stringify(report),
          roomId: report.videoCid,
        });
      const bytes = [3_000_000, 1_000_000, 1_000_000, 5_000_000];
      for (const [i, v] of viewers.entries()) {
        await record(makeReport(v.session, [{ peerId: downloader.peerId, uploaded: bytes[i]!, downloaded: 0 }]));
        if (v.name) {
          await handle.db.insertInto('hive_links').values({ viewer_id: hashSecret('viewer', v.session), hive_username: v.name, public_key: 'STM-test', linked_at: Date.now() }).execute();
        }
      }
      await record(makeReport(downloader.session, viewers.map((v, i) => ({ peerId: v.peerId, uploaded: 0, downloaded: bytes[i]! }))));
    });
    after(async () => {
      await handle?.close();
      await Promise.all([testDb?.drop(), hive?.close()]);
    });

    it('pays linked accounts proportionally to credited bytes, summing exactly to the pool', async () => {
      const batch = await buildPayoutBatch(handle.db, policy, { range: { from: today, to: today }, poolMilli: 100_000n, minMilli: 1n, payer: 'spk.rewards' });
      assert.deepEqual(batch.recipients, [
        { account: 'alice', creditedBytes: 3_000_000, amount: '60.000 HBD' },
        { account: 'bob', creditedBytes: 1_000_000, amount: '20.000 HBD' },
        { account: 'carol', creditedBytes: 1_000_000, amount: '20.000 HBD' },
      ]);
      assert.equal(batch.pool, '100.000 HBD');
      assert.deepEqual(batch.operations[0], [
        'transfer',
        { from: 'spk.rewards', to: 'alice', amount: '60.000 HBD', memo: `SPK P2P bandwidth reward ${today}..${today}: 3000000 bytes shared with other viewers` },
      ]);
      for (const [, op] of batch.operations) assert.match((op as { amount: string }).amount, /^\d+\.\d{3} HBD$/);
      const again = await buildPayoutBatch(handle.db, policy, { range: { from: today, to: today }, poolMilli: 100_000n, minMilli: 1n, payer: 'spk.rewards' });
      assert.deepEqual(again, batch, 'the same period gives the same batch');
    });

    it('rounds an odd pool deterministically and still sums to it', async () => {
      const batch = await buildPayoutBatch(handle.db, policy, { range: { from: today, to: today }, poolMilli: 1n * 1000n + 1n, minMilli: 1n, payer: 'spk.rewards' });
      assert.deepEqual(batch.recipients.map((r) => r.amount), ['0.601 HBD', '0.200 HBD', '0.200 HBD']);
      const milli = batch.recipients.map((r) => parseHbd(r.amount));
      assert.equal(sum(milli), 1001n);
    });

    it('an empty period gives an empty batch; bad arguments are refused', async () => {
      const batch = await buildPayoutBatch(handle.db, policy, { range: { from: '2001-01-01', to: '2001-01-31' }, poolMilli: 5000n, minMilli: 1n, payer: 'spk.rewards' });
      assert.deepEqual(batch.operations, []);
      await assert.rejects(buildPayoutBatch(handle.db, policy, { range: { from: '2001-02-30', to: '2001-03-01' }, poolMilli: 5000n, minMilli: 1n, payer: 'spk.rewards' }), RangeError);
      await assert.rejects(buildPayoutBatch(handle.db, policy, { range: { from: today, to: '2001-01-01' }, poolMilli: 5000n, minMilli: 1n, payer: 'spk.rewards' }), /after/);
      await assert.rejects(buildPayoutBatch(handle.db, policy, { range: { from: today, to: today }, poolMilli: 5000n, minMilli: 1n, payer: 'Not A Name' }), RangeError);
    });

    it('the CLI command prints the batch as JSON, honours --min, and signs with the key from the environment', async () => {
      const io = { out: '', err: '' };
      const cliIo = { stdout: (t: string) => (io.out += t), stderr: (t: string) => (io.err += t) };
      const env = testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {};
      const dbArgs = testDb.sqlitePath ? ['--db', testDb.sqlitePath] : [];
      const code = await runPayoutsCommand(['--from', today, '--to', today, '--pool', '10.000 HBD', '--min', '2.500 HBD', '--payer', 'spk.rewards', ...dbArgs], env, cliIo);
      assert.equal(code, 0, io.err);
      const printed = JSON.parse(io.out) as { recipients: { account: string; amount: string }[]; operations: unknown[] };
      // bob and carol (2.000 each) are under the 2.500 minimum: carol (the later name) is dropped
      // first, and then bob's share (2.500) clears it.
      assert.deepEqual(printed.recipients.map((r) => [r.account, r.amount]), [['alice', '7.500 HBD'], ['bob', '2.500 HBD']]);

      const key = PrivateKey.fromSeed('spk-p2p payouts test active key');
      io.out = '';
      const secretEnv = { ...env, HIVE_ACTIVE_KEY: key.toString() };
      const signed = await runPayoutsCommand(
        ['--from', today, '--to', today, '--pool', '100.000 HBD', '--payer', 'spk.rewards', '--sign', '--hive-api', hive.url, ...dbArgs],
        secretEnv,
        cliIo,
      );
      assert.equal(signed, 0, io.err);
      assert.ok(!io.out.includes(key.toString()) && !io.err.includes(key.toString()), 'the key is never printed');
      const output = JSON.parse(io.out) as { operations: unknown[]; transactions: SignedTransaction[] };
      assert.equal(output.transactions.length, 1);
      const tx = output.transactions[0]!;
      assert.deepEqual(tx.operations, output.operations);
      assert.equal(tx.ref_block_num, DYNAMIC_GLOBAL_PROPERTIES.head_block_number & 0xffff);
      assert.equal(tx.expiration, '2026-11-29T03:50:00');
      const digest = cryptoUtils.transactionDigest({ ...tx, signatures: undefined } as never);
      const { Signature } = await import('@hiveio/dhive');
      assert.equal(Signature.fromString(tx.signatures[0]!).recover(digest).toString(), key.createPublic().toString());

      // The same through the real `spk-signal payouts` command line.
      const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
      const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
      if (!testDb.databaseUrl) delete childEnv.DATABASE_URL;
      const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'payouts', '--from', today, '--to', today, '--pool', '100.000 HBD', '--payer', 'spk.rewards', ...dbArgs], { env: childEnv, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const fromCli = JSON.parse(run.stdout) as { recipients: { account: string; amount: string }[]; operations: unknown[] };
      assert.deepEqual(fromCli.recipients.map((r) => r.amount), ['60.000 HBD', '20.000 HBD', '20.000 HBD']);
      assert.deepEqual(fromCli.operations, output.operations);
      const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, 'payouts', '--from', today], { env: childEnv, encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /required/);

      const usage = await runPayoutsCommand(['--from', today, '--pool', '1 HBD'], {}, cliIo);
      assert.equal(usage, 2);
      assert.equal(await runPayoutsCommand(['--from', today, '--to', today, '--pool', '1.0000 HBD', '--payer', 'x1y'], {}, cliIo), 2);
      assert.equal(await runPayoutsCommand(['--from', today, '--to', today, '--pool', '1 HBD', '--payer', 'abc', '--sign', ...dbArgs], env, cliIo), 2);
    });
  });
}
