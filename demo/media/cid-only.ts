/**
 * The sample as a real upload has it: the video's files and nothing else (no segments-sha256.json),
 * so its CID is the only source of trust. Used by the CID tests and `npm run bench:integrity`.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_DIR } from './sample.js';
import { buildUnixfsDag } from './unixfs-dag.js';

export interface CidOnlyMedia {
  /** Media root for the local CDN (`<root>/ipfs/<cid>/…`); remove it when done. */
  root: string;
  /** The folder's CID under kubo's classic defaults (CIDv0, dag-pb leaves). */
  cid: string;
  /** The same folder under kubo's `unixfs-v1-2025` (CIDv1, raw leaves); the local gateway serves it too. */
  cidV1: string;
}

export async function cidOnlyMediaRoot(): Promise<CidOnlyMedia> {
  const root = mkdtempSync(join(tmpdir(), 'spk-cid-only-'));
  const staging = join(root, 'staging');
  cpSync(SAMPLE_DIR, staging, { recursive: true, filter: (path) => !path.endsWith('segments-sha256.json') });
  const [v0, v1] = [await buildUnixfsDag(staging, 'kubo-v0'), await buildUnixfsDag(staging, 'kubo-v1')];
  cpSync(staging, join(root, 'ipfs', v0.rootCid), { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  return { root, cid: v0.rootCid, cidV1: v1.rootCid };
}
