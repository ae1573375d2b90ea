/**
 * The CPU a CID check of one segment costs, apart from fetching blocks: the plugin's own verifier
 * (the same module the browser loads) runs in this process over every segment of the sample,
 * once to fetch and cache the blocks it needs, then three more times, timed, with every block in hand. In
 * the browser `stats.verification.checkMs` also counts the wait for a segment's file root block.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BlockFetcher } from '../../packages/videojs-spk-p2p/src/integrity/block-fetcher.js';
import { CidVerifier } from '../../packages/videojs-spk-p2p/src/integrity/cid-verifier.js';
import { percentile, round } from './metrics.js';

/** Passes over the segments that are timed: one is only 30 samples, and a GC pause then moves the p95. */
const TIMED_PASSES = 3;

export interface CheckCpu {
  segments: number;
  /** Checks timed (segments × passes). */
  samples: number;
  /** Process CPU (user + system) per segment check, ms. */
  cpuMs: { p50: number | null; p95: number | null };
  /** Wall time of the same checks, ms. */
  wallMs: { p50: number | null; p95: number | null };
}

function segmentPaths(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => statSync(join(folder, name)).isDirectory())
    .flatMap((rendition) => readdirSync(join(folder, rendition)).filter((name) => name.endsWith('.ts')).map((name) => `${rendition}/${name}`));
}

/** `folder` holds the video's files; `gateway` serves the blocks of `cid`. */
export async function measureCheckCpu(gateway: string, cid: string, folder: string): Promise<CheckCpu> {
  const verifier = new CidVerifier(cid, new BlockFetcher([gateway]));
  await verifier.ready();
  const segments = segmentPaths(folder).map((path) => ({ path, bytes: new Uint8Array(readFileSync(join(folder, path))) }));
  for (const { path, bytes } of segments) {
    if ((await verifier.verify(path, bytes)) !== 'ok') throw new Error(`${path} failed its CID check`);
  }
  const cpu: number[] = [];
  const wall: number[] = [];
  for (const { path, bytes } of Array.from({ length: TIMED_PASSES }, () => segments).flat()) {
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await verifier.verify(path, bytes);
    wall.push(performance.now() - wallBefore);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  const stat = (values: number[]) => ({ p50: round(percentile(values, 50), 2), p95: round(percentile(values, 95), 2) });
  return { segments: segments.length, samples: cpu.length, cpuMs: stat(cpu), wallMs: stat(wall) };
}
