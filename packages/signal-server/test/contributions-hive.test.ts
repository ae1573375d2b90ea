import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrivateKey, cryptoUtils } from '@hiveio/dhive';
import { createContributions, type Contributions } from '../src/contributions/index.js';
import { publicViewerId, hashSecret } from '../src/contributions/identity.js';
import { createTestDatabase, DIALECTS, postJson, randomSecret, serveContributions, type ContributionsHttp, type TestDatabase } from './contributions-support.js';
import { startHiveFixture, type HiveFixture } from './contributions-hive-fixture.js';

/** What Hive Keychain's requestSignBuffer(name, message, 'Posting') returns: a signature of sha256(message). */
function keychainSign(key: PrivateKey, message: string): string {
  return key.sign(cryptoUtils.sha256(message)).toString();
}

for (const dialect of DIALECTS) {
  describe(`linking a Hive account with a Keychain signature (${dialect})`, () => {
    let testDb: TestDatabase;
    let hive: HiveFixture;
    let contributions: Contributions;
    let http: ContributionsHttp;
    let clock = Date.now();
    const postingKey = PrivateKey.fromSeed(`posting key made in this test ${dialect}`);
    const otherKey = PrivateKey.fromSeed(`someone else's key ${dialect}`);

    before(async () => {
      // One at a time: with Promise.all a failed database left the started fixture unassigned,
      // so after() could not close it and its open server kept the file running forever.
      hive = await startHiveFixture();
      testDb = await createTestDatabase(dialect);
      hive.setAccounts([
        { name: 'alice', postingKeys: [otherKey.createPublic().toString(), postingKey.createPublic().toString()] },
        { name: 'bob', postingKeys: [otherKey.createPublic().toString()] },
      ]);
      contributions = await createContributions({ ...testDb.options, hiveApi: hive.url, now: () => clock });
      http = await serveContributions(contributions.handle);
    });
    after(async () => {
      await http?.close();
      await contributions?.close();
      await Promise.all([testDb?.drop(), hive?.close()]);
    });

    const challenge = async (viewer: string, username: string) => {
      const { status, json } = await postJson(`${http.url}/api/p2p/hive/challenge`, { viewer, username });
      assert.equal(status, 201, JSON.stringify(json));
      return json as { challengeId: string; message: string; expiresAt: string };
    };

    it('links the account when the signature recovers to one of its posting keys, asking the API node in Hive format', async () => {
      const viewer = randomSecret();
      const { challengeId, message } = await challenge(viewer, 'alice');
      assert.match(message, /account: alice/);
      assert.match(message, new RegExp(`viewer: ${publicViewerId(hashSecret('viewer', viewer))}`));
      const { status, json } = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId, signature: keychainSign(postingKey, message) });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.hiveUsername, 'alice');
      assert.equal(json.publicKey, postingKey.createPublic().toString());
      const call = hive.calls.find((c) => c.method === 'condenser_api.get_accounts');
      assert.deepEqual(call?.params, [['alice']]);
      const link = await contributions.database.db.selectFrom('hive_links').selectAll().where('viewer_id', '=', hashSecret('viewer', viewer)).executeTakeFirst();
      assert.equal(link?.hive_username, 'alice');

      const replay = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId, signature: keychainSign(postingKey, message) });
      assert.equal(replay.status, 409, 'a challenge works once');
    });

    it('refuses a signature by a key that is not a posting key of the account, and spends the challenge', async () => {
      const viewer = randomSecret();
      const { challengeId, message } = await challenge(viewer, 'alice');
      const wrong = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId, signature: keychainSign(PrivateKey.fromSeed('random'), message) });
      assert.equal(wrong.status, 403);
      assert.match(String(wrong.json.error), /posting key of @alice/);
      const retry = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId, signature: keychainSign(postingKey, message) });
      assert.equal(retry.status, 409);
    });

    it('refuses a signature over another message, an expired challenge, another viewer, an unknown account', async () => {
      const viewer = randomSecret();
      const first = await challenge(viewer, 'bob');
      const tampered = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId: first.challengeId, signature: keychainSign(otherKey, `${first.message}!`) });
      assert.equal(tampered.status, 403);

      const second = await challenge(viewer, 'bob');
      const stolen = await postJson(`${http.url}/api/p2p/hive/link`, { viewer: randomSecret(), challengeId: second.challengeId, signature: keychainSign(otherKey, second.message) });
      assert.equal(stolen.status, 404, 'a challenge belongs to the viewer that asked for it');

      const third = await challenge(viewer, 'bob');
      clock += 6 * 60_000;
      const late = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId: third.challengeId, signature: keychainSign(otherKey, third.message) });
      assert.equal(late.status, 403);
      assert.match(String(late.json.error), /expired/);

      const ghost = await challenge(viewer, 'nobody-here');
      const missing = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId: ghost.challengeId, signature: keychainSign(otherKey, ghost.message) });
      assert.equal(missing.status, 404);
    });

    it('answers malformed link requests with 400', async () => {
      const viewer = randomSecret();
      assert.equal((await postJson(`${http.url}/api/p2p/hive/challenge`, { viewer, username: 'UPPER CASE' })).status, 400);
      assert.equal((await postJson(`${http.url}/api/p2p/hive/challenge`, { viewer: 'short', username: 'alice' })).status, 400);
      assert.equal((await postJson(`${http.url}/api/p2p/hive/challenge`, '[1,2]')).status, 400);
      assert.equal((await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId: 'x', signature: 'y' })).status, 400);
      const { challengeId } = await challenge(viewer, 'alice');
      const garbage = await postJson(`${http.url}/api/p2p/hive/link`, { viewer, challengeId, signature: 'ff'.repeat(65) });
      assert.equal(garbage.status, 400);
    });
  });
}
