import { CID } from 'multiformats/cid';

/** Helia's trustless-gateway broker refuses larger blocks too: no importer profile makes them. */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024;
const SHA2_256 = 0x12;
const RAW_BLOCK_TYPE = 'application/vnd.ipld.raw';

export class BlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockError';
  }
}

export async function sha256(data: Uint8Array | ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `bytes` hash to the multihash in `cid` (sha2-256 only: what every UnixFS importer uses). */
export async function blockMatches(cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== SHA2_256) throw new BlockError(`block ${cid} uses hash 0x${cid.multihash.code.toString(16)}, only sha2-256 is supported`);
  return sameBytes(await sha256(bytes), cid.multihash.digest);
}

/** A block over the size asked for: the gateway is not at fault when the limit is a caller's own. */
class OversizeBlockError extends BlockError {}

async function readLimited(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('Content-Length') ?? NaN);
  if (declared > limit) {
    void response.body?.cancel();
    throw new OversizeBlockError(`block of ${declared} bytes is over the ${limit}-byte limit`);
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      void reader.cancel();
      throw new OversizeBlockError(`block over the ${limit}-byte limit`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Fetches IPFS blocks from trustless gateways and checks each against its CID, so no gateway has
 * to be trusted. Gateways are tried in order; a verified block is cached for the session.
 */
export class BlockFetcher {
  private readonly cache = new Map<string, Promise<Uint8Array>>();
  /** Bytes of verified blocks fetched, for the stats and the benchmark. */
  bytesFetched = 0;
  blocksFetched = 0;

  /** `gateways` are bases below which `/ipfs/<cid>` resolves, e.g. `https://ipfs.io`. */
  constructor(
    private readonly gateways: readonly string[],
    /** Told about every gateway that failed a block, even when the next one then served it. */
    private readonly onProblem?: (message: string) => void,
  ) {}

  /** `maxBytes`: a block declared or found larger is refused (and not cached), for fetches that are only hints. */
  get(cid: CID, maxBytes = MAX_BLOCK_BYTES): Promise<Uint8Array> {
    const key = cid.toV1().toString();
    let block = this.cache.get(key);
    // A hint's smaller limit must not fail a check that allows more: that one fetches it again.
    if (block && maxBytes >= MAX_BLOCK_BYTES) return block.catch((error: unknown) => (error instanceof OversizeBlockError ? this.get(cid) : Promise.reject(error)));
    if (!block) {
      block = this.fetchVerified(cid, maxBytes);
      // A failure is not cached: a later segment may find a gateway that answers.
      block.catch(() => this.cache.delete(key));
      this.cache.set(key, block);
    }
    return block;
  }

  private async fetchVerified(cid: CID, maxBytes: number): Promise<Uint8Array> {
    if (this.gateways.length === 0) throw new BlockError(`no IPFS gateway to fetch block ${cid} from`);
    const problems: string[] = [];
    for (const gateway of this.gateways) {
      const url = `${gateway.replace(/\/+$/, '')}/ipfs/${cid.toString()}?format=raw`;
      try {
        const response = await fetch(url, { headers: { Accept: RAW_BLOCK_TYPE }, credentials: 'omit' });
        if (!response.ok) throw new BlockError(`HTTP ${response.status}`);
        const type = (response.headers.get('Content-Type') ?? '').split(';')[0]?.trim();
        if (type !== RAW_BLOCK_TYPE) throw new BlockError(`answered ${type || 'no content type'} instead of ${RAW_BLOCK_TYPE} (no trustless-gateway support?)`);
        const bytes = await readLimited(response, maxBytes);
        if (!(await blockMatches(cid, bytes))) throw new BlockError(`sent ${bytes.length} bytes that do not hash to the CID (wrong or truncated block)`);
        this.bytesFetched += bytes.length;
        this.blocksFetched += 1;
        return bytes;
      } catch (error) {
        // A hint's own small limit: every gateway would send the same block, and none did wrong.
        if (error instanceof OversizeBlockError && maxBytes < MAX_BLOCK_BYTES) throw error;
        const problem = `${url}: ${error instanceof Error ? error.message : String(error)}`;
        problems.push(problem);
        this.onProblem?.(problem);
      }
    }
    throw new BlockError(`no gateway gave a valid block ${cid}: ${problems.join('; ')}`);
  }
}
