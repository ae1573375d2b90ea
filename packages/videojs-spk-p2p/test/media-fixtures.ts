/** Media folders for the integrity tests, made from the committed sample. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_CID, SAMPLE_DIR } from '../../../demo/media/sample.js';

/**
 * A copy of the sample whose segments each end with an extra MPEG-TS null packet (PID 0x1FFF,
 * which demuxers skip): the bad peer plays and shares them normally, but every hash differs.
 * `only` limits the change to the segment files it accepts (by name, e.g. `480p_0.ts`).
 */
export function corruptedMediaRoot(only: (file: string) => boolean = () => true): string {
  const root = mkdtempSync(join(tmpdir(), 'spk-corrupt-'));
  const target = join(root, 'ipfs', SAMPLE_CID);
  cpSync(SAMPLE_DIR, target, { recursive: true });
  for (const rendition of readdirSync(target, { withFileTypes: true })) {
    if (!rendition.isDirectory()) continue;
    for (const file of readdirSync(join(target, rendition.name))) {
      if (!file.endsWith('.ts') || !only(file)) continue;
      const path = join(target, rendition.name, file);
      const nullPacket = Buffer.alloc(188, 0xff);
      nullPacket.set([0x47, 0x1f, 0xff, 0x10]);
      writeFileSync(path, Buffer.concat([readFileSync(path), nullPacket]));
    }
  }
  return root;
}

export { cidOnlyMediaRoot } from '../../../demo/media/cid-only.js';
