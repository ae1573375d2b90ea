/**
 * A segment's name independent of where it was fetched: its path below the master playlist's
 * folder (`480p/480p_3.ts`), with `#start-end` for a byte range. Every gateway and CDN host of
 * a video gives the same name, and the signal server can check it against the video's
 * playlists; the persistent cache keys its entries by it too.
 */
export function segmentIdentity(masterUrl: string, segmentUrl: string, byteRange?: { start: number; end: number }): string {
  const base = new URL('.', masterUrl).pathname;
  const path = new URL(segmentUrl, masterUrl).pathname;
  const relative = path.startsWith(base) ? path.slice(base.length) : path.replace(/^\/+/, '');
  return byteRange ? `${relative}#${byteRange.start}-${byteRange.end}` : relative;
}

export type ByteRange = { start: number; end: number };

/** `bytes=start-end` (inclusive) as VHS writes it; anything else is treated as "whole file". */
export function parseRangeHeader(header: string | undefined): ByteRange | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]) };
}

export function segmentRuntimeId(url: string, byteRange: ByteRange | undefined): string {
  return byteRange ? `${url}|${byteRange.start}-${byteRange.end}` : url;
}
