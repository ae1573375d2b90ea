/**
 * Linking a Hive account to a viewer: the server issues a one-time challenge, the viewer signs
 * it with Hive Keychain (`requestSignBuffer(name, message, 'Posting')`), and the server
 * recovers the public key from the signature and looks for it among the account's posting
 * keys on a Hive API node.
 */
import { randomBytes } from 'node:crypto';
import { Client, Signature, cryptoUtils } from '@hiveio/dhive';
import type { Kysely } from 'kysely';
import { publicViewerId } from './identity.js';
import type { ContributionsDatabase } from './schema.js';

export const HIVE_USERNAME_PATTERN = /^(?=.{3,16}$)[a-z][a-z0-9-]*[a-z0-9](\.[a-z][a-z0-9-]*[a-z0-9])*$/;
export const DEFAULT_HIVE_API = 'https://api.hive.blog';
export const CHALLENGE_TTL_MS = 5 * 60_000;

export class HiveLinkError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 409 | 502, message: string) {
    super(message);
    this.name = 'HiveLinkError';
  }
}

export interface Challenge {
  challengeId: string;
  message: string;
  expiresAt: number;
}

interface AccountLike {
  name?: unknown;
  posting?: { key_auths?: unknown };
}

export class HiveLinker {
  private readonly client: Client;

  constructor(
    private readonly db: Kysely<ContributionsDatabase>,
    hiveApi: string | string[] = DEFAULT_HIVE_API,
    private readonly now: () => number = Date.now,
  ) {
    // One attempt per node with a short timeout: a dead API node must answer the viewer quickly.
    this.client = new Client(hiveApi, { timeout: 10_000, failoverThreshold: 1 });
  }

  async createChallenge(viewerId: string, username: string): Promise<Challenge> {
    if (!HIVE_USERNAME_PATTERN.test(username)) throw new HiveLinkError(400, '`username` is not a valid Hive account name');
    const challengeId = randomBytes(16).toString('hex');
    const expiresAt = this.now() + CHALLENGE_TTL_MS;
    const message = [
      'SPK P2P: link this Hive account to my viewer for bandwidth rewards.',
      `account: ${username}`,
      `viewer: ${publicViewerId(viewerId)}`,
      `challenge: ${challengeId}`,
      `expires: ${new Date(expiresAt).toISOString()}`,
    ].join('\n');
    await this.db.deleteFrom('hive_challenges').where('expires_at', '<', this.now()).execute();
    await this.db.insertInto('hive_challenges').values({ id: challengeId, viewer_id: viewerId, username, message, expires_at: expiresAt, used_at: null }).execute();
    return { challengeId, message, expiresAt };
  }

  /** Verifies the signature and stores the link; a challenge is spent by its first attempt, right or wrong. */
  async link(viewerId: string, challengeId: string, signature: string): Promise<{ hiveUsername: string; publicKey: string }> {
    const challenge = await this.db.selectFrom('hive_challenges').selectAll().where('id', '=', challengeId).executeTakeFirst();
    if (!challenge || challenge.viewer_id !== viewerId) throw new HiveLinkError(404, 'unknown challenge');
    if (challenge.used_at !== null) throw new HiveLinkError(409, 'challenge already used');
    if (Number(challenge.expires_at) < this.now()) throw new HiveLinkError(403, 'challenge expired');
    const spent = await this.db
      .updateTable('hive_challenges')
      .set({ used_at: this.now() })
      .where('id', '=', challengeId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new HiveLinkError(409, 'challenge already used');

    let recovered: string;
    try {
      recovered = Signature.fromString(signature).recover(cryptoUtils.sha256(challenge.message)).toString();
    } catch {
      throw new HiveLinkError(400, '`signature` is not a valid Hive signature');
    }
    const postingKeys = await this.postingKeysOf(challenge.username);
    if (!postingKeys.includes(recovered)) throw new HiveLinkError(403, `signature does not match a posting key of @${challenge.username}`);

    const linkedAt = this.now();
    await this.db
      .insertInto('hive_links')
      .values({ viewer_id: viewerId, hive_username: challenge.username, public_key: recovered, linked_at: linkedAt })
      .onConflict((oc) => oc.column('viewer_id').doUpdateSet({ hive_username: challenge.username, public_key: recovered, linked_at: linkedAt }))
      .execute();
    return { hiveUsername: challenge.username, publicKey: recovered };
  }

  private async postingKeysOf(username: string): Promise<string[]> {
    let accounts: unknown;
    try {
      accounts = await this.client.call('condenser_api', 'get_accounts', [[username]]);
    } catch (error) {
      throw new HiveLinkError(502, `Hive API node failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const account = (Array.isArray(accounts) ? accounts : []).find((entry: AccountLike) => entry?.name === username) as AccountLike | undefined;
    if (!account) throw new HiveLinkError(404, `Hive account @${username} not found`);
    const auths = account.posting?.key_auths;
    if (!Array.isArray(auths)) return [];
    return auths.flatMap((auth: unknown) => (Array.isArray(auth) && typeof auth[0] === 'string' ? [auth[0]] : []));
  }
}
