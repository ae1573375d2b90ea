import type { Segment, Stream, StreamType } from 'p2p-media-loader-core';
import { parseRangeHeader, segmentRuntimeId } from './segment-identity.js';
import { audioStreamProps, variantStreamProps, type StreamIdProps, type VariantAttributes } from './stream-ids.js';

/** The parts of a VHS (m3u8-parser) playlist the mapping reads. */
export interface VhsSegment {
  resolvedUri?: string;
  uri?: string;
  duration: number;
  byterange?: { offset: number | bigint; length: number | bigint };
}

export interface VhsPlaylist {
  id?: string;
  resolvedUri?: string;
  uri?: string;
  mediaSequence?: number;
  endList?: boolean;
  attributes?: VariantAttributes;
  segments?: VhsSegment[];
}

export interface VhsMain {
  playlists?: VhsPlaylist[];
  mediaGroups?: { AUDIO?: Record<string, Record<string, { playlists?: VhsPlaylist[]; language?: string }>> };
}

export type StreamIdFunction = (props: StreamIdProps) => string;

export interface MappedSegment {
  streamRuntimeId: string;
  segment: Segment;
}

export interface StreamSink {
  addStreamIfNoneExists(stream: Stream): void;
  updateStream(streamRuntimeId: string, addSegments?: Iterable<Segment>): void;
}

/**
 * Keeps the core's view of streams and segments in step with the playlists VHS has loaded,
 * and finds the core segment behind a VHS request (URL plus Range header).
 *
 * Stream ids (stream-ids.ts) and external ids (position for VOD) follow p2p-media-loader-hlsjs's
 * rules, so our peers share the swarms of hls.js viewers of the same video and core version.
 */
export class SegmentMap {
  private readonly bySegmentId = new Map<string, MappedSegment>();
  private readonly knownSegmentCounts = new Map<string, number>();
  /** Per stream, its segments by position (only VOD is mapped, so externalId is the position). */
  private readonly streamSegments = new Map<string, Segment[]>();
  /** Stream runtime id by the core's `${type}-${index}` name of it (what its storage calls use). */
  private readonly streamKeys = new Map<string, string>();

  constructor(
    private readonly sink: StreamSink,
    private readonly streamIdOf: StreamIdFunction,
  ) {}

  /** Registers every loaded playlist (main renditions and alternate audio) with the core. */
  sync(main: VhsMain | undefined): void {
    if (!main) return;
    const renditions = main.playlists ?? [];
    for (const playlist of renditions) this.syncPlaylist(playlist, 'main', () => variantStreamProps(playlist.attributes ?? {}));
    const variants = renditions.map((playlist) => playlist.attributes ?? {});
    for (const [groupId, group] of Object.entries(main.mediaGroups?.AUDIO ?? {})) {
      for (const [name, rendition] of Object.entries(group)) {
        const props = () =>
          audioStreamProps({ groupId, name, ...(rendition.language !== undefined ? { language: rendition.language } : {}) }, variants);
        for (const playlist of rendition.playlists ?? []) this.syncPlaylist(playlist, 'secondary', props);
      }
    }
  }

  find(url: string, rangeHeader: string | undefined): MappedSegment | undefined {
    return this.bySegmentId.get(segmentRuntimeId(url, parseRangeHeader(rangeHeader)));
  }

  /** The segment after `mapped` in its stream, if there is one. */
  following(mapped: MappedSegment): MappedSegment | undefined {
    const next = this.streamSegments.get(mapped.streamRuntimeId)?.[mapped.segment.externalId + 1];
    return next ? { streamRuntimeId: mapped.streamRuntimeId, segment: next } : undefined;
  }

  /** A stream's segments by position, found by the core's `${type}-${index}` name of the stream. */
  segmentsOfStream(streamKey: string): readonly Segment[] | undefined {
    const runtimeId = this.streamKeys.get(streamKey);
    return runtimeId === undefined ? undefined : this.streamSegments.get(runtimeId);
  }

  /** Stream runtime id of a playlist, or undefined when it has not been registered. */
  streamIdFor(playlist: VhsPlaylist): string | undefined {
    const id = playlist.resolvedUri ?? playlist.id;
    return id !== undefined && this.knownSegmentCounts.has(id) ? id : undefined;
  }

  clear(): void {
    this.bySegmentId.clear();
    this.knownSegmentCounts.clear();
    this.streamSegments.clear();
    this.streamKeys.clear();
  }

  private syncPlaylist(playlist: VhsPlaylist, type: StreamType, streamProps: () => StreamIdProps): void {
    const runtimeId = playlist.resolvedUri ?? playlist.id;
    const segments = playlist.segments;
    // Live playlists slide and renumber; only VOD (3Speak's case) is shared, live stays on HTTP.
    if (runtimeId === undefined || !segments || segments.length === 0 || playlist.endList !== true) return;
    const known = this.knownSegmentCounts.get(runtimeId);
    if (known === undefined) {
      const index = this.streamIdOf(streamProps());
      this.streamKeys.set(`${type}-${index}`, runtimeId);
      this.sink.addStreamIfNoneExists({ runtimeId, type, index });
    }
    const from = known ?? 0;
    if (from >= segments.length) return;
    const added: Segment[] = [];
    let byPosition = this.streamSegments.get(runtimeId);
    if (!byPosition) this.streamSegments.set(runtimeId, (byPosition = []));
    let startTime = 0;
    for (let i = 0; i < segments.length; i++) {
      const vhsSegment = segments[i] as VhsSegment;
      const endTime = startTime + vhsSegment.duration;
      const url = vhsSegment.resolvedUri ?? vhsSegment.uri;
      if (i >= from && url !== undefined) {
        const byteRange = vhsSegment.byterange
          ? {
              start: Number(vhsSegment.byterange.offset),
              end: Number(vhsSegment.byterange.offset) + Number(vhsSegment.byterange.length) - 1,
            }
          : undefined;
        const segment: Segment = {
          runtimeId: segmentRuntimeId(url, byteRange),
          externalId: playlist.endList ? i : (playlist.mediaSequence ?? 0) + i,
          url,
          startTime,
          endTime,
          ...(byteRange ? { byteRange } : {}),
        };
        added.push(segment);
        byPosition[i] = segment;
        this.bySegmentId.set(segment.runtimeId, { streamRuntimeId: runtimeId, segment });
      }
      startTime = endTime;
    }
    this.knownSegmentCounts.set(runtimeId, segments.length);
    this.sink.updateStream(runtimeId, added);
  }
}
