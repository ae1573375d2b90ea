/**
 * The per-address connection cap across a cluster. One Redis hash per client address,
 * `spk:ip:<address>`, one field per node process (`<node>/<incarnation>`) whose value is
 * `<open connections>:<expiry ms>`. Redis 7.0 has no per-field expiry, so the expiry rides in the
 * value: readers skip (and delete) fields past it, and each node rewrites its fields every refresh
 * period. A dead node's counts stop counting once their expiry passes; a restarted node with the
 * same id has a new incarnation, so the old process's fields are not mistaken for its own.
 *
 * A node states its absolute count for an address, never an increment: writes from one node go
 * in order on one connection, so the last one always carries its latest count, and a refresh
 * cannot double-count an upgrade still in flight.
 */
import type { Redis } from 'ioredis';

/** Sums the live fields of the other nodes, adds this node's count after the upgrade, and records it only if within the cap. */
const ADMIT = `
local now = tonumber(ARGV[3])
local total = tonumber(ARGV[2])
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local field = fields[i]
  if field ~= ARGV[1] then
    local value = fields[i + 1]
    local sep = string.find(value, ':', 1, true)
    local expiry = sep and tonumber(string.sub(value, sep + 1)) or 0
    if expiry > now then
      total = total + (tonumber(string.sub(value, 1, sep - 1)) or 0)
    else
      redis.call('HDEL', KEYS[1], field)
    end
  end
end
if total > tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. (now + tonumber(ARGV[5])))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

type Batch = ReturnType<Redis['pipeline']>;

interface WithAdmit {
  spkAdmitAddress(key: string, field: string, count: number, now: number, cap: number, ttlMs: number): Promise<number>;
}

const addressKey = (address: string) => `spk:ip:${address}`;

export class AddressCaps {
  constructor(
    private readonly redis: Redis,
    private readonly field: string,
    private readonly ttlMs: number,
    /** A Redis answer slower than this admits on the local cap alone. */
    private readonly answerWithinMs = 500,
  ) {
    redis.defineCommand('spkAdmitAddress', { numberOfKeys: 1, lua: ADMIT });
  }

  /**
   * Whether `count` connections here (this upgrade included) plus every other node's stay within
   * `cap`; when yes, Redis records `count` for this node. `undefined`: Redis did not answer.
   */
  async admit(address: string, count: number, cap: number): Promise<boolean | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.answerWithinMs);
    });
    try {
      // defineCommand adds the method at run time; ioredis's types cannot know it.
      const asked = (this.redis as unknown as WithAdmit).spkAdmitAddress(addressKey(address), this.field, count, Date.now(), cap, this.ttlMs);
      const verdict = await Promise.race([asked.then((ok) => ok === 1), late]);
      asked.catch(() => undefined);
      return verdict;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** This node's count for an address after a close (0 removes its field). */
  set(address: string, count: number): void {
    const key = addressKey(address);
    if (count <= 0) {
      this.redis.hdel(key, this.field).catch(() => undefined);
      return;
    }
    // The key may have expired meanwhile: HSET alone would recreate it without a TTL, and it
    // would outlive this process if it died before its next refresh.
    this.redis.pipeline().hset(key, this.field, `${count}:${Date.now() + this.ttlMs}`).pexpire(key, this.ttlMs).exec().catch(() => undefined);
  }

  /** The periodic rewrite: keeps live fields from expiring and refills an emptied Redis. */
  write(batch: Batch, counts: Iterable<[string, number]>, now: number): void {
    const value = `:${now + this.ttlMs}`;
    for (const [address, count] of counts) {
      batch.hset(addressKey(address), this.field, `${count}${value}`);
      batch.pexpire(addressKey(address), this.ttlMs);
    }
  }

  /** Graceful stop: this process's counts leave at once instead of at their expiry. */
  forget(batch: Batch, addresses: Iterable<string>): void {
    for (const address of addresses) batch.hdel(addressKey(address), this.field);
  }
}
