/**
 * The UnixFS DAG of a video folder, built the way kubo's `ipfs add -r --wrap-with-directory`
 * builds it, so the root CID is the one a real IPFS node would give the same files. The blocks
 * are kept in memory for the local gateway's trustless (`?format=raw`) answers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { importer, type ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import type { CID } from 'multiformats/cid';

/** kubo's classic defaults (`unixfs-v0-2015`), what 3Speak's encoder gets, and kubo's newer `unixfs-v1-2025`. */
export type DagProfile = 'kubo-v0' | 'kubo-v1';

const IMPORTER_SETTINGS: Record<DagProfile, ImporterOptions> = {
  'kubo-v0': {
    profile: 'unixfs-v0-2015',
    cidVersion: 0,
    rawLeaves: false,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: 262_144 }),
    layout: balanced({ maxChildrenPerNode: 174 }),
    wrapWithDirectory: true,
  },
  'kubo-v1': {
    profile: 'unixfs-v1-2025',
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: 1_048_576 }),
    layout: balanced({ maxChildrenPerNode: 1024 }),
    wrapWithDirectory: true,
  },
};

export interface UnixfsDag {
  readonly rootCid: string;
  /** Every block of the DAG, by the hex of its multihash (the same bytes answer a v0 or v1 spelling). */
  readonly blocks: ReadonlyMap<string, Uint8Array>;
  /** Bytes of the blocks that are not file leaves: what a verifier has to fetch besides the media. */
  readonly structureBytes: number;
}

export function multihashKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  }).sort();
}

/** Imports every file below `dir`, named by its path relative to `dir`, wrapped in one directory. */
export async function buildUnixfsDag(dir: string, profile: DagProfile): Promise<UnixfsDag> {
  const blocks = new Map<string, Uint8Array>();
  let leafBytes = 0;
  let allBytes = 0;
  const store = {
    put(cid: CID, bytes: Uint8Array): CID {
      const key = multihashKey(cid);
      if (!blocks.has(key)) {
        blocks.set(key, bytes);
        allBytes += bytes.length;
        // A raw leaf, or a dag-pb leaf (no links: 0x0a is the Data field and comes first then).
        if (cid.code === 0x55 || bytes[0] === 0x0a) leafBytes += bytes.length;
      }
      return cid;
    },
  };
  const source = listFiles(dir).map((path) => ({
    path: relative(dir, path).split(sep).join('/'),
    content: readFileSync(path),
  }));
  let root: CID | undefined;
  for await (const entry of importer(source, store, IMPORTER_SETTINGS[profile])) root = entry.cid;
  if (!root) throw new Error(`nothing to import in ${dir}`);
  return { rootCid: root.toString(), blocks, structureBytes: allBytes - leafBytes };
}
