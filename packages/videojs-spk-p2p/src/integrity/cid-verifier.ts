import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import { BlockError, type BlockFetcher, blockMatches, sameBytes } from './block-fetcher.js';

const RAW_CODEC = 0x55;
const DAG_PB_CODEC = 0x70;

export type CidVerdict = 'ok' | 'mismatch';

/**
 * File root blocks fetched ahead of need, after each file resolved: the segments that come next
 * in the same folder. A peer segment is checked only once its root block is here, and a viewer
 * offers nothing on to others until then; fetched at arrival, behind the segment downloads on the
 * same gateway connections, that block took up to 1.7 s (bench:integrity, CIDv0).
 */
const PREFETCH_AHEAD = 4;
/**
 * A prefetched block larger than this is not a file's root node but the file itself (a one-chunk
 * file is a single leaf, and checking a leaf needs no block): its download is dropped.
 */
const PREFETCH_MAX_BYTES = 64 * 1024;
/** kubo's default chunk (256 KiB) in a dag-pb leaf: no larger link can be a one-chunk file of that profile. */
const DEFAULT_LEAF_TSIZE = 262_144 + 14;

/** `480p_9.ts` before `480p_10.ts`: the order segments of one rendition play in. */
const byPlayOrder = new Intl.Collator('en', { numeric: true }).compare;

function decodeNode(cid: CID, bytes: Uint8Array): { node: dagPb.PBNode; unixfs: UnixFS } {
  if (cid.code !== DAG_PB_CODEC) throw new BlockError(`block ${cid} is not dag-pb (codec 0x${cid.code.toString(16)})`);
  try {
    const node = dagPb.decode(bytes);
    if (!node.Data) throw new Error('no UnixFS data');
    return { node, unixfs: UnixFS.unmarshal(node.Data) };
  } catch (error) {
    throw new BlockError(`block ${cid} is not a UnixFS node: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The block a kubo-style importer makes for a chunk when leaves are dag-pb UnixFS files. */
function dagPbLeaf(chunk: Uint8Array): Uint8Array {
  return dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] }));
}

/**
 * Checks segment bytes against a video's root CID: the trust chains from the root directory block
 * through named links (`480p` → `480p_3.ts`) to the file's root block, each block checked against
 * its CID, and then the received bytes are cut at the file's `blockSizes` and each chunk compared
 * with its leaf CID. Works for CIDv0/dag-pb leaves and CIDv1/raw leaves, and multi-level files.
 */
export class CidVerifier {
  readonly root: CID;
  /** Verified file root CIDs, by path below the root. */
  private readonly files = new Map<string, Promise<CID>>();

  constructor(rootCid: string, private readonly blocks: BlockFetcher) {
    try {
      this.root = CID.parse(rootCid);
    } catch {
      throw new BlockError(`"${rootCid}" is not a CID`);
    }
  }

  /** Fetches and checks the root directory block: resolves when this video can be checked by CID. */
  async ready(): Promise<void> {
    const bytes = await this.blocks.get(this.root);
    const { unixfs } = decodeNode(this.root, bytes);
    if (unixfs.type !== 'directory') throw new BlockError(`root ${this.root} is a UnixFS ${unixfs.type}, not a directory`);
  }

  /** The CID of the file at `path` (`480p/480p_3.ts`), from verified directory blocks only. */
  fileCid(path: string): Promise<CID> {
    let cid = this.files.get(path);
    if (!cid) {
      cid = this.resolve(path);
      cid.catch(() => this.files.delete(path));
      this.files.set(path, cid);
    }
    return cid;
  }

  private async resolve(path: string): Promise<CID> {
    let current = this.root;
    const names = path.split('/').filter(Boolean);
    if (names.length === 0) throw new BlockError('empty path');
    for (const [depth, name] of names.entries()) {
      const { node, unixfs } = decodeNode(current, await this.blocks.get(current));
      const where = names.slice(0, depth).join('/') || current.toString();
      if (unixfs.type === 'hamt-sharded-directory') throw new BlockError(`${where} is a sharded directory, which is not supported`);
      if (unixfs.type !== 'directory') throw new BlockError(`${where} is a UnixFS ${unixfs.type}, not a directory`);
      const link = node.Links.find((candidate) => candidate.Name === name);
      if (!link) throw new BlockError(`directory ${where} has no entry "${name}"`);
      if (depth === names.length - 1) this.prefetchAfter(node, name, names.slice(0, depth).join('/'));
      current = link.Hash;
    }
    return current;
  }

  /** Starts fetching the root blocks of the files that follow `name` in its folder (see PREFETCH_AHEAD). */
  private prefetchAfter(folder: dagPb.PBNode, name: string, folderPath: string): void {
    const next = folder.Links.filter((link) => link.Name !== undefined && byPlayOrder(link.Name, name) > 0)
      .sort((a, b) => byPlayOrder(a.Name as string, b.Name as string))
      .slice(0, PREFETCH_AHEAD);
    for (const link of next) {
      const path = folderPath ? `${folderPath}/${link.Name}` : (link.Name as string);
      if (!this.files.has(path)) this.files.set(path, Promise.resolve(link.Hash));
      // A raw or small link is a one-chunk file: its check re-encodes the bytes and fetches nothing.
      if (link.Hash.code !== DAG_PB_CODEC || (link.Tsize ?? 0) <= DEFAULT_LEAF_TSIZE) continue;
      this.blocks.get(link.Hash, PREFETCH_MAX_BYTES).catch(() => {
        // A hint only: the check fetches the block again when it needs it, and reports a failure then.
      });
    }
  }

  async verify(path: string, data: Uint8Array): Promise<CidVerdict> {
    const cid = await this.fileCid(path);
    // A file of one chunk is a single leaf block (reduceSingleLeafToSelf): re-encoding checks it without fetching it.
    return (await this.chunkMatches(cid, data)) ? 'ok' : 'mismatch';
  }

  /** Whether `data` is exactly the content of the UnixFS file (or file part) `cid`. */
  private async matches(cid: CID, data: Uint8Array): Promise<boolean> {
    if (cid.code === RAW_CODEC) return blockMatches(cid, data);
    const { node, unixfs } = decodeNode(cid, await this.blocks.get(cid));
    if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new BlockError(`${cid} is a UnixFS ${unixfs.type}, not a file`);
    const own = unixfs.data ?? new Uint8Array(0);
    if (node.Links.length === 0) return sameBytes(own, data);
    if (unixfs.blockSizes.length !== node.Links.length) throw new BlockError(`file node ${cid} has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`);
    const total = own.length + unixfs.blockSizes.reduce((sum, size) => sum + Number(size), 0);
    if (total !== data.length) return false;
    if (!sameBytes(own, data.subarray(0, own.length))) return false;
    let offset = own.length;
    for (const [i, link] of node.Links.entries()) {
      const size = Number(unixfs.blockSizes[i]);
      const chunk = data.subarray(offset, offset + size);
      offset += size;
      if (!(await this.chunkMatches(link.Hash, chunk))) return false;
    }
    return true;
  }

  private async chunkMatches(cid: CID, chunk: Uint8Array): Promise<boolean> {
    if (cid.code === RAW_CODEC) return blockMatches(cid, chunk);
    // Most dag-pb children are leaves: re-encoding the chunk as one avoids fetching it.
    if (await blockMatches(cid, dagPbLeaf(chunk))) return true;
    // Otherwise it is an inner node of a deeper DAG (or the chunk is wrong): check it by its block.
    return this.matches(cid, chunk);
  }
}
