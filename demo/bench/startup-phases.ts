/**
 * Turns one page's resource timing and probe marks into start-up phases and request counts,
 * all in milliseconds from navigation start.
 */
import type { StartupMarks } from './startup-probe.js';

/** One finished request, in milliseconds from the page's navigation start. */
export interface ResourceEntry {
  name: string;
  range: string | undefined;
  startTime: number;
  responseStart: number;
  responseEnd: number;
  encodedBodySize: number;
}

export interface ViewerStartup {
  variant: string;
  round: number;
  position: number;
  ttffMs: number | null;
  phases: Record<string, number | undefined>;
  mediaRequestsBeforeFirstFrame: number;
  mediaBytesBeforeFirstFrame: number;
  duplicateRequests: string[];
  scriptsBeforeFirstFrame: { name: string; end: number }[];
  errors: string[];
}

const isPlaylist = (url: URL) => url.pathname.endsWith('.m3u8');
const isSegment = (url: URL) => /\.(ts|m4s|mp4|aac)$/.test(url.pathname);
const isScript = (url: URL) => url.pathname.endsWith('.js');

export function phasesOf(marks: StartupMarks, entries: readonly ResourceEntry[]): Omit<ViewerStartup, 'variant' | 'round' | 'position' | 'errors'> {
  const firstFrame = marks.firstFrame ?? null;
  const before = entries.filter((entry) => firstFrame === null || entry.startTime < firstFrame);
  const media = before.filter((entry) => {
    const url = new URL(entry.name);
    return isPlaylist(url) || isSegment(url);
  });
  const playlists = media.filter((entry) => isPlaylist(new URL(entry.name)));
  const segment = media.find((entry) => isSegment(new URL(entry.name)));
  const scripts = before.filter((entry) => isScript(new URL(entry.name)));
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const entry of media) {
    const key = `${entry.name} ${entry.range ?? ''}`;
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
  }
  const engine = scripts.find((entry) => entry.name.includes('p2p-media-loader-core'));
  const videoJs = scripts.find((entry) => /video\.(es|min)[.-]/.test(entry.name));
  const phases: Record<string, number | undefined> = {
    videoJsLoaded: videoJs?.responseEnd,
    scriptsLoaded: scripts.length > 0 ? Math.max(...scripts.map((entry) => entry.responseEnd)) : undefined,
    engineLoaded: engine?.responseEnd,
    videoCreated: marks.videoCreated,
    masterRequested: playlists[0]?.startTime,
    masterLoaded: playlists[0]?.responseEnd,
    mediaPlaylistRequested: playlists[1]?.startTime,
    mediaPlaylistLoaded: playlists[1]?.responseEnd,
    segmentRequested: segment?.startTime,
    segmentFirstByte: segment?.responseStart,
    segmentLoaded: segment?.responseEnd,
    workerStarted: marks.workerStarted,
    mediaSourceAttached: marks.mediaSourceAttached,
    sourceBufferAdded: marks.sourceBufferAdded,
    firstAppend: marks.firstAppend,
    firstAppendEnd: marks.firstAppendEnd,
    playing: marks.playing,
    firstFrame: marks.firstFrame,
  };
  return {
    ttffMs: firstFrame,
    phases,
    mediaRequestsBeforeFirstFrame: media.length,
    mediaBytesBeforeFirstFrame: media.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
    duplicateRequests: duplicates,
    scriptsBeforeFirstFrame: scripts.map((entry) => ({ name: new URL(entry.name).pathname, end: Math.round(entry.responseEnd) })),
  };
}

/** Nearest-rank percentile of the values present. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}
