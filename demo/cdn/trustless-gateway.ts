/**
 * The trustless-gateway subset of an IPFS gateway for the local CDN: `GET /ipfs/<cid>?format=raw`
 * (or `Accept: application/vnd.ipld.raw`) answers one block of a video's UnixFS DAG, for any
 * block CID of it, and `/ipfs/<root>/<path>` resolves both the kubo-v0 and the kubo-v1 root of a
 * folder to its files. The DAGs are built from the folders under `<root>/ipfs/` on first need.
 *
 * A fault can be switched on to play a lying or broken gateway in tests.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { buildUnixfsDag, multihashKey } from '../media/unixfs-dag.js';

export const RAW_BLOCK_TYPE = 'application/vnd.ipld.raw';

/** How a broken gateway answers block requests: another block, a cut one, an oversized one, or an HTML page. */
export type BlockFault = 'none' | 'wrong-block' | 'truncated' | 'oversize' | 'html';

export interface BlockAnswer {
  status: number;
  headers: Record<string, string | number>;
  body: Uint8Array | string;
}

interface FolderDags {
  /** Root CID (either profile) → folder name under `<root>/ipfs/`. */
  readonly roots: ReadonlyMap<string, string>;
  readonly blocks: ReadonlyMap<string, Uint8Array>;
}

export function isBlockRequest(search: URLSearchParams, accept: string | undefined): boolean {
  return search.get('format') === 'raw' || (accept ?? '').split(',').some((type) => type.trim().split(';')[0] === RAW_BLOCK_TYPE);
}

export class TrustlessGateway {
  private dags: Promise<FolderDags> | undefined;
  fault: BlockFault = 'none';

  constructor(private readonly ipfsRoot: string) {}

  private load(): Promise<FolderDags> {
    this.dags ??= (async () => {
      const roots = new Map<string, string>();
      const blocks = new Map<string, Uint8Array>();
      let folders: string[] = [];
      try {
        folders = readdirSync(this.ipfsRoot, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      } catch {
        // No media folder: the gateway has no blocks, like one that never pinned the video.
      }
      for (const folder of folders) {
        for (const profile of ['kubo-v0', 'kubo-v1'] as const) {
          const dag = await buildUnixfsDag(join(this.ipfsRoot, folder), profile);
          roots.set(dag.rootCid, folder);
          for (const [key, bytes] of dag.blocks) blocks.set(key, bytes);
        }
      }
      return { roots, blocks };
    })();
    return this.dags;
  }

  /** The folder a `/ipfs/<name>/…` path means: a DAG root CID maps to its folder, anything else is taken as the folder name. */
  async folderOf(name: string): Promise<string> {
    // A folder already named by its CID (the committed sample) needs no DAG built to be served.
    if (name === '' || existsSync(join(this.ipfsRoot, name))) return name;
    const { roots } = await this.load();
    return roots.get(name) ?? name;
  }

  async block(cidText: string): Promise<BlockAnswer> {
    let cid: CID;
    try {
      cid = CID.parse(cidText);
    } catch {
      return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `invalid CID "${cidText}"\n` };
    }
    const { blocks } = await this.load();
    const bytes = blocks.get(multihashKey(cid));
    if (!bytes) return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'block not found\n' };
    const headers = {
      'Content-Type': RAW_BLOCK_TYPE,
      'Cache-Control': 'public, max-age=29030400, immutable',
      'X-Content-Type-Options': 'nosniff',
    };
    switch (this.fault) {
      case 'wrong-block': {
        const other = [...blocks.values()].find((candidate) => candidate !== bytes) ?? new Uint8Array([0]);
        return { status: 200, headers, body: other };
      }
      case 'truncated':
        return { status: 200, headers, body: bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))) };
      case 'oversize': {
        const big = new Uint8Array(2 * 1024 * 1024 + 1);
        big.set(bytes);
        return { status: 200, headers, body: big };
      }
      case 'html':
        return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<!doctype html><title>Gateway</title><p>Loading your file…</p>\n' };
      default:
        return { status: 200, headers, body: bytes };
    }
  }
}
