/**
 * Entry of the persistent cache's lazily loaded chunk: nothing here is in the first-frame bundle.
 */
import { CachedSegments, type CachedSegmentsOptions } from './cached-segments.js';
import { PersistentSegmentCache } from './segment-cache.js';

export { CachedSegments } from './cached-segments.js';
export { PersistentSegmentCache, DEFAULT_CACHE_DATABASE, type SegmentCacheUsage } from './segment-cache.js';

/** Opens the browser's segment cache for one video; `undefined` when there is none to have. */
export async function openCachedSegments(
  settings: { maxBytes: number; databaseName?: string | undefined },
  options: Omit<CachedSegmentsOptions, 'cache'>,
): Promise<CachedSegments | undefined> {
  const cache = await PersistentSegmentCache.open({
    maxBytes: settings.maxBytes,
    ...(settings.databaseName !== undefined ? { databaseName: settings.databaseName } : {}),
  });
  return cache ? new CachedSegments({ ...options, cache }) : undefined;
}
