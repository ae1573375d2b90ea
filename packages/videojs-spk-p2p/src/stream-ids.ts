/**
 * The properties p2p-media-loader-hlsjs 2.3 hands to the core's `generateStreamShortId` for each
 * stream, rebuilt from what VHS parsed out of the same master playlist. The short id is part of
 * the per-stream swarm id (`v2-${swarmId}-${type}-${shortId}`) and so of the tracker info_hash:
 * any difference here puts our viewers and hls.js viewers of one rendition in two swarms.
 *
 * hls.js does not pass the CODECS attribute through: it keeps a variant's video codecs only
 * (sample entries it knows as video, per the MP4 registration authority's list), rewrites
 * RFC 4281 `avc1.P.L` to `avc1.PPCCLL`, and takes the bitrate from BANDWIDTH, falling back to
 * AVERAGE-BANDWIDTH. A variant with bitrate 0 (a media playlist given as the source) gets no other
 * property. An alternate audio rendition gets bitrate 0, the audio codecs of the first variant
 * that names its group, its LANGUAGE, CHANNELS and NAME.
 */
import type { generateStreamShortId } from 'p2p-media-loader-core';

/** The core does not export this type by name. */
export type StreamIdProps = Parameters<typeof generateStreamShortId>[0];

/** Sample entry codes (first four characters of a codec string) that hls.js 1.7 files as video. */
const VIDEO_SAMPLE_ENTRIES = new Set([
  'avc1', 'avc2', 'avc3', 'avc4', 'avcp', 'av01', 'dav1', 'drac', 'dva1', 'dvav', 'dvh1', 'dvhe',
  'encv', 'hev1', 'hvc1', 'mjp2', 'mp4v', 'mvc1', 'mvc2', 'mvc3', 'mvc4', 'resv', 'rv60', 's263',
  'svc1', 'svc2', 'vc-1', 'vp08', 'vp09',
]);

/** Sample entry codes that hls.js 1.7 files as audio. */
const AUDIO_SAMPLE_ENTRIES = new Set([
  'a3ds', 'ac-3', 'ac-4', 'alac', 'alaw', 'dra1', 'dts+', 'dts-', 'dtsc', 'dtse', 'dtsh', 'ec-3',
  'enca', 'fLaC', 'flac', 'FLAC', 'g719', 'g726', 'm4ae', 'mha1', 'mha2', 'mhm1', 'mhm2', 'mlpa',
  'mp4a', 'raw ', 'Opus', 'opus', 'samr', 'sawb', 'sawp', 'sevc', 'sqcp', 'ssmv', 'twos', 'ulaw',
]);

/** Sample entries of the other kinds hls.js knows: they belong to neither list above. */
const OTHER_SAMPLE_ENTRIES = new Set(['stpp', 'wvtt', 'mjpg']);

/** The attributes of a variant (EXT-X-STREAM-INF) as m3u8-parser gives them to VHS. */
export interface VariantAttributes {
  BANDWIDTH?: number;
  'AVERAGE-BANDWIDTH'?: number;
  CODECS?: string;
  RESOLUTION?: { width?: number; height?: number };
  'FRAME-RATE'?: number;
  'VIDEO-RANGE'?: string;
  AUDIO?: string;
}

/** Checks a codec the lists do not know against the browser, as hls.js does; false without MSE. */
export type CodecSupport = (codec: string, kind: 'audio' | 'video') => boolean;

export const mediaSourceSupport: CodecSupport = (codec, kind) => {
  const source = (globalThis as { MediaSource?: { isTypeSupported(type: string): boolean } }).MediaSource;
  try {
    return source?.isTypeSupported(`${kind}/mp4;codecs=${codec}`) ?? false;
  } catch {
    return false;
  }
};

/** A variant's codecs split by kind, the way hls.js's master playlist parser splits them. */
export function codecsByKind(codecs: string | undefined, support: CodecSupport = mediaSourceSupport): { video?: string; audio?: string } {
  const video: string[] = [];
  const audio: string[] = [];
  for (const codec of (codecs ?? '').split(/[ ,]+/).filter((c) => c)) {
    const entry = codec.slice(0, 4);
    const name = codec.split('/')[0] ?? codec;
    if (VIDEO_SAMPLE_ENTRIES.has(entry)) video.push(name);
    else if (AUDIO_SAMPLE_ENTRIES.has(entry)) audio.push(name);
    else if (OTHER_SAMPLE_ENTRIES.has(entry)) continue;
    // hls.js keeps a codec it has no entry for when the browser plays it, audio first.
    else if (support(codec, 'audio')) audio.push(codec);
    else if (support(codec, 'video')) video.push(codec);
  }
  return {
    ...(video.length > 0 ? { video: video.join(',') } : {}),
    ...(audio.length > 0 ? { audio: audio.join(',') } : {}),
  };
}

/** RFC 4281 `avc1.<profile>.<level>` in decimal → `avc1.<profile hex><level hex, 4 digits>`, as hls.js rewrites them. */
export function avc1ToHex(videoCodecs: string): string {
  return videoCodecs
    .split(',')
    .map((codec) => {
      const parts = codec.split('.');
      if (parts.length <= 2 || parts[0] !== 'avc1') return codec;
      const profile = parseInt(parts[1] ?? '', 10).toString(16);
      const level = parseInt(parts[2] ?? '', 10).toString(16);
      return `avc1.${profile}${level.padStart(4, '0').slice(-4)}`;
    })
    .join(',');
}

/** What p2p-media-loader-hlsjs gives `generateStreamShortId` for a variant (a `main` stream). */
export function variantStreamProps(attributes: VariantAttributes, support: CodecSupport = mediaSourceSupport): StreamIdProps {
  // hls.js reads BANDWIDTH || AVERAGE-BANDWIDTH; VHS's stand-in for a lone media playlist has
  // neither, which hls.js's own stand-in marks as bitrate 0.
  const bitrate = attributes.BANDWIDTH || attributes['AVERAGE-BANDWIDTH'] || 0;
  if (bitrate === 0) return { bitrate: 0 };
  const video = codecsByKind(attributes.CODECS, support).video;
  return {
    bitrate,
    codecs: video === undefined ? undefined : avc1ToHex(video),
    width: attributes.RESOLUTION?.width,
    height: attributes.RESOLUTION?.height,
    frameRate: attributes['FRAME-RATE'],
    videoRange: attributes['VIDEO-RANGE'],
  };
}

/** An alternate audio rendition (EXT-X-MEDIA TYPE=AUDIO with a URI) as VHS keeps it. */
export interface AudioRendition {
  groupId: string;
  /** NAME: m3u8-parser keys renditions by it. */
  name: string;
  language?: string;
  /** CHANNELS: m3u8-parser drops it, so VHS sources know it only from the playlist text. */
  channels?: string;
}

/** What p2p-media-loader-hlsjs gives `generateStreamShortId` for an alternate audio rendition (a `secondary` stream). */
export function audioStreamProps(
  rendition: AudioRendition,
  variants: readonly VariantAttributes[],
  support: CodecSupport = mediaSourceSupport,
): StreamIdProps {
  // The first variant that names the group, or else the first variant: hls.js's best guess.
  const variant = variants.find((attributes) => attributes.AUDIO === rendition.groupId) ?? variants[0];
  return {
    bitrate: 0,
    codecs: variant ? codecsByKind(variant.CODECS, support).audio : undefined,
    language: rendition.language,
    channels: rendition.channels,
    name: rendition.name || rendition.language || '',
  };
}
