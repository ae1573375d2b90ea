import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SampleDescription {
  cid: string;
  cidV1: string;
  durationSeconds: number;
  segmentSeconds: number;
  renditions: string[];
  segmentsPerRendition: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const sample = JSON.parse(readFileSync(join(here, 'sample.json'), 'utf8')) as SampleDescription;

/** The folder the local CDN serves as `/ipfs/…` (it holds one directory per video CID). */
export const MEDIA_ROOT = here;
/** The folder's CID as kubo's classic defaults make it (CIDv0, 256 KiB dag-pb leaves), as 3Speak's uploads have. */
export const SAMPLE_CID = sample.cid;
/** The same files under kubo's `unixfs-v1-2025` profile (CIDv1, 1 MiB raw leaves); the local gateway serves both. */
export const SAMPLE_CID_V1 = sample.cidV1;
export const SAMPLE_DIR = join(here, 'ipfs', sample.cid);
export const SAMPLE_DURATION_S = sample.durationSeconds;
export const SAMPLE_SEGMENT_S = sample.segmentSeconds;
export const SAMPLE_RENDITIONS: readonly string[] = sample.renditions;
export const SAMPLE_SEGMENTS_PER_RENDITION = sample.segmentsPerRendition;
/** Path of the master playlist below a gateway, as 3Speak lays it out: `<gateway>/ipfs/<cid>/manifest.m3u8`. */
export const SAMPLE_MANIFEST_PATH = `/ipfs/${sample.cid}/manifest.m3u8`;
