/** Media folders for the integrity tests, made from the committed sample. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUnixfsDag } from '../../../demo/media/unixfs-dag.js';
import { SAMPLE_CID, SAMPLE_DIR } from '../../../demo/media/sample.js';

/**
 * A copy of the sample whose segments each end with an extra MPEG-TS null packet (PID 0x1FFF,
 * which demuxers skip): the bad peer plays and shares them normally, but every hash differs.
 */
export function corruptedMediaRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'spk-corrupt-'));
  const target = join(root, 'ipfs', SAMPLE_CID);
  cpSync(SAMPLE_DIR, target, { recursive: true });
  for (const rendition of readdirSync(target, { withFileTypes: true })) {
    if (!rendition.isDirectory()) continue;
    for (const file of readdirSync(join(target, rendition.name))) {
      if (!file.endsWith('.ts')) continue;
      const path = join(target, rendition.name, file);
      const nullPacket = Buffer.alloc(188, 0xff);
      nullPacket.set([0x47, 0x1f, 0xff, 0x10]);
      writeFileSync(path, Buffer.concat([readFileSync(path), nullPacket]));
    }
  }
  return root;
}

/**
 * The sample as a real upload has it: the video's files and nothing else (no segments-sha256.json),
 * so its CID is the only source of trust. Returns the media root and the folder's kubo-v0 CID.
 */
export async function cidOnlyMediaRoot(): Promise<{ root: string; cid: string }> {
  const root = mkdtempSync(join(tmpdir(), 'spk-cid-only-'));
  const staging = join(root, 'staging');
  cpSync(SAMPLE_DIR, staging, { recursive: true, filter: (path) => !path.endsWith('segments-sha256.json') });
  const { rootCid } = await buildUnixfsDag(staging, 'kubo-v0');
  cpSync(staging, join(root, 'ipfs', rootCid), { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  return { root, cid: rootCid };
}
