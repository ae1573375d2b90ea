/**
 * Makes the sample VOD every test, demo and benchmark plays, in the layout 3Speak's encoder
 * writes to IPFS: <CID>/manifest.m3u8 (master), <rendition>/index.m3u8, <rendition>/<rendition>_<n>.ts
 * (6 s MPEG-TS segments), a thumbnail, and a PeerTube-style sha256 integrity map. The folder is
 * named by its real IPFS CID, the one kubo's classic `ipfs add -r --wrap-with-directory` gives
 * (see unixfs-dag.ts); sample.json also records the CID of kubo's newer CIDv1/raw-leaves profile.
 *
 * Run once with ffmpeg installed (`node --import tsx demo/media/make-sample.ts`); its output is
 * committed so nothing else needs ffmpeg.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildUnixfsDag } from './unixfs-dag.js';

const DURATION_S = 60;
const SEGMENT_S = 6;
const FPS = 24;
/** Low bitrates keep the committed tree small while still giving ABR three real choices. */
const RENDITIONS = [
  { name: '480p', width: 854, height: 480, videoKbps: 420 },
  { name: '360p', width: 640, height: 360, videoKbps: 260 },
  { name: '240p', width: 426, height: 240, videoKbps: 130 },
] as const;
const AUDIO_KBPS = 48;

const here = dirname(fileURLToPath(import.meta.url));
const ipfsRoot = join(here, 'ipfs');
const work = mkdtempSync(join(tmpdir(), 'spk-sample-'));

const filterParts = [`[0:v]split=${RENDITIONS.length}${RENDITIONS.map((_, i) => `[s${i}]`).join('')}`];
RENDITIONS.forEach((r, i) => filterParts.push(`[s${i}]scale=${r.width}:${r.height}[v${i}]`));

const args = [
  '-hide_banner', '-loglevel', 'error', '-y',
  '-f', 'lavfi', '-i', `testsrc2=size=854x480:rate=${FPS}:duration=${DURATION_S}`,
  '-f', 'lavfi', '-i', `sine=frequency=440:beep_factor=4:sample_rate=44100:duration=${DURATION_S}`,
  '-filter_complex', filterParts.join(';'),
];
RENDITIONS.forEach((r, i) => {
  args.push('-map', `[v${i}]`, '-map', '1:a');
  args.push(
    `-c:v:${i}`, 'libx264', `-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.2)}k`,
    `-bufsize:v:${i}`, `${r.videoKbps * 2}k`,
  );
});
args.push(
  '-profile:v', 'main', '-level', '3.0', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
  // A keyframe every 2 s and no scene cuts: 6 s segments always start on a keyframe.
  '-g', String(FPS * 2), '-keyint_min', String(FPS * 2), '-sc_threshold', '0',
  '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ac', '1',
  '-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_playlist_type', 'vod', '-hls_list_size', '0',
  // ffmpeg allows %v only once in a path: segments are renamed to 3Speak's <rendition>_<n>.ts below.
  '-hls_segment_filename', join(work, '%v', 'segment_%d.ts'),
  '-master_pl_name', 'manifest.m3u8',
  '-var_stream_map', RENDITIONS.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' '),
  join(work, '%v', 'index.m3u8'),
);
execFileSync('ffmpeg', args, { stdio: 'inherit' });
for (const { name } of RENDITIONS) {
  const dir = join(work, name);
  for (const file of readdirSync(dir)) {
    if (file.startsWith('segment_')) renameSync(join(dir, file), join(dir, file.replace('segment_', `${name}_`)));
  }
  const playlist = join(dir, 'index.m3u8');
  writeFileSync(playlist, readFileSync(playlist, 'utf8').replaceAll('segment_', `${name}_`));
}
execFileSync('ffmpeg', [
  '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=1:duration=1',
  '-frames:v', '1', '-q:v', '5', join(work, 'thumbnail.jpg'),
], { stdio: 'inherit' });

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  }).sort();
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const files = listFiles(work);
const integrity: Record<string, string> = {};
for (const file of files) {
  const rel = relative(work, file);
  const digest = sha256(readFileSync(file));
  if (rel.endsWith('.ts')) integrity[rel] = digest;
}
writeFileSync(join(work, 'segments-sha256.json'), `${JSON.stringify(integrity, null, 2)}\n`);

const cid = (await buildUnixfsDag(work, 'kubo-v0')).rootCid;
const cidV1 = (await buildUnixfsDag(work, 'kubo-v1')).rootCid;
rmSync(ipfsRoot, { recursive: true, force: true });
mkdirSync(ipfsRoot, { recursive: true });
renameSync(work, join(ipfsRoot, cid));

const sample = {
  cid,
  cidV1,
  durationSeconds: DURATION_S,
  segmentSeconds: SEGMENT_S,
  renditions: RENDITIONS.map((r) => r.name),
  segmentsPerRendition: Math.ceil(DURATION_S / SEGMENT_S),
};
writeFileSync(join(here, 'sample.json'), `${JSON.stringify(sample, null, 2)}\n`);
console.log(`sample video written to demo/media/ipfs/${cid}`);
