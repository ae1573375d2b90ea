/**
 * One seeded video: its playlists (read with m3u8-parser, the parser VHS uses, so stream ids
 * come out as the plugin computes them), and every media segment fetched once from the
 * gateways, checked against the CID by the plugin's verifier and kept in the disk cache.
 * Playlists are checked against the CID too and kept beside the cache, so a restart needs no
 * gateway for what it already holds.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { CidVerifier, segmentIdentity, type VhsMain, type VhsPlaylist } from 'videojs-spk-p2p/node';
import type { DiskCache } from './disk-cache.js';
import type { DiskBlockFetcher } from './verified-blocks.js';
import { errorMessage, type Logger } from './log.js';

/** 3Speak's layout: `<cid>/manifest.m3u8` beside one folder per rendition. */
export const MASTER_PLAYLIST = 'manifest.m3u8';
const FETCH_TIMEOUT_MS = 30_000;
const MAX_PLAYLIST_BYTES = 4 * 1024 * 1024;
const MAX_SEGMENT_BYTES = 256 * 1024 * 1024;

export interface VideoSegment {
  /** Path in the video folder (`480p/480p_3.ts`): the disk cache key and what is fetched and checked. */
  path: string;
}

export interface VideoCounters {
  gatewayRequests: number;
  gatewayBytes: number;
  verificationFailures: number;
}

interface ParsedPlaylist {
  playlists?: Array<{ uri: string; attributes?: Record<string, unknown> }>;
  mediaGroups?: { AUDIO?: Record<string, Record<string, { uri?: string; language?: string }>> };
  segments?: Array<{ uri: string; duration: number; byterange?: { offset: number; length: number } }>;
  endList?: boolean;
  mediaSequence?: number;
}

function parse(text: string): ParsedPlaylist {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as ParsedPlaylist;
}

export class GatewayError extends Error {
  override name = 'GatewayError';
}

export class SeededVideo {
  readonly verifier: CidVerifier;
  /** Absolute URL the playlists are resolved against (first gateway): only names, never fetched as such. */
  readonly masterUrl: string;
  main: VhsMain | undefined;
  /** Whole-file media segments of every VOD rendition, in playlist order. */
  readonly segments: VideoSegment[] = [];

  constructor(
    readonly cid: string,
    private readonly gateways: readonly string[],
    private readonly cache: DiskCache,
    private readonly playlistDir: string,
    blocks: DiskBlockFetcher,
    private readonly counters: VideoCounters,
    private readonly log: Logger,
  ) {
    this.verifier = new CidVerifier(cid, blocks);
    this.masterUrl = `${gateways[0] ?? 'http://gateway.invalid'}/ipfs/${cid}/${MASTER_PLAYLIST}`;
  }

  /** Reads the master and rendition playlists (from disk when held, else the gateways), each checked against the CID. */
  async load(): Promise<void> {
    await this.verifier.ready();
    const master = parse(await this.playlist(MASTER_PLAYLIST));
    const playlists: VhsPlaylist[] = [];
    const main: VhsMain = { playlists, mediaGroups: { AUDIO: {} } };
    // A master playlist may also be a media playlist itself.
    if (!master.playlists?.length && master.segments?.length) playlists.push(this.media(MASTER_PLAYLIST, master));
    for (const variant of master.playlists ?? []) {
      const path = this.pathOf(variant.uri, MASTER_PLAYLIST);
      const playlist = this.media(path, parse(await this.playlist(path)));
      playlists.push({ ...playlist, attributes: variant.attributes ?? {} });
    }
    for (const [groupId, group] of Object.entries(master.mediaGroups?.AUDIO ?? {})) {
      for (const [name, rendition] of Object.entries(group)) {
        if (rendition.uri === undefined) continue;
        const path = this.pathOf(rendition.uri, MASTER_PLAYLIST);
        const entry = { ...(rendition.language !== undefined ? { language: rendition.language } : {}), playlists: [this.media(path, parse(await this.playlist(path)))] };
        (main.mediaGroups!.AUDIO![groupId] ??= {})[name] = entry;
      }
    }
    this.main = main;
    this.log.info('video playlists loaded', { cid: this.cid, renditions: playlists.length, segments: this.segments.length });
  }

  /** Segments not yet on disk. */
  missing(): VideoSegment[] {
    return this.segments.filter((segment) => !this.cache.has(this.cid, segment.path));
  }

  /** Fetches one segment from the first gateway that gives bytes matching the CID. */
  async fetchSegment(segment: VideoSegment): Promise<ArrayBuffer> {
    const bytes = await this.fetchVerified(segment.path, MAX_SEGMENT_BYTES);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** The URL a segment path has in the playlists the core was given. */
  urlOf(path: string): string {
    return new URL(path, this.masterUrl).href;
  }

  private media(path: string, parsed: ParsedPlaylist): VhsPlaylist {
    const url = this.urlOf(path);
    const segments = (parsed.segments ?? []).map((segment) => {
      const segmentPath = this.pathOf(segment.uri, path);
      return { resolvedUri: this.urlOf(segmentPath), duration: segment.duration, ...(segment.byterange ? { byterange: segment.byterange } : {}) };
    });
    if (parsed.endList === true) {
      for (const segment of segments) {
        // Byte ranges cannot be checked against the CID (the plugin does not take them from peers either).
        if (segment.byterange === undefined) this.segments.push({ path: segmentIdentity(this.masterUrl, segment.resolvedUri) });
      }
    } else this.log.warn('rendition is not VOD (no EXT-X-ENDLIST): not seeded', { cid: this.cid, playlist: path });
    return { resolvedUri: url, id: url, endList: parsed.endList === true, mediaSequence: parsed.mediaSequence ?? 0, segments };
  }

  private pathOf(uri: string, relativeTo: string): string {
    return segmentIdentity(this.masterUrl, new URL(uri, this.urlOf(relativeTo)).href);
  }

  private async playlist(path: string): Promise<string> {
    const file = join(this.playlistDir, this.cid, path);
    try {
      const stored = new Uint8Array(await readFile(file));
      if ((await this.verifier.verify(path, stored)) === 'ok') return new TextDecoder().decode(stored);
      this.counters.verificationFailures += 1;
      this.log.warn('stored playlist failed its CID check: fetching it again', { cid: this.cid, path });
    } catch {
      // Not stored yet.
    }
    const bytes = await this.fetchVerified(path, MAX_PLAYLIST_BYTES);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, bytes);
    await rename(`${file}.tmp`, file);
    return new TextDecoder().decode(bytes);
  }

  private async fetchVerified(path: string, limit: number): Promise<Uint8Array> {
    const problems: string[] = [];
    for (const gateway of this.gateways) {
      const url = `${gateway}/ipfs/${this.cid}/${path.split('/').map(encodeURIComponent).join('/')}`;
      try {
        this.counters.gatewayRequests += 1;
        const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
        if (!response.ok) throw new GatewayError(`HTTP ${response.status}`);
        const declared = Number(response.headers.get('Content-Length') ?? NaN);
        if (declared > limit) throw new GatewayError(`${declared} bytes is over the ${limit}-byte limit`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        this.counters.gatewayBytes += bytes.length;
        if ((await this.verifier.verify(path, bytes)) !== 'ok') {
          this.counters.verificationFailures += 1;
          throw new GatewayError(`sent ${bytes.length} bytes that do not match the CID`);
        }
        return bytes;
      } catch (error) {
        problems.push(`${url}: ${errorMessage(error)}`);
      }
    }
    throw new GatewayError(`no gateway gave ${path} of ${this.cid}: ${problems.join('; ') || 'no gateway configured'}`);
  }
}
