/**
 * The plugin's pieces that run outside a browser, for the `spk-seeder` process: it joins the
 * same swarms (same stream ids, segment ids and tracker query) and checks bytes against the
 * CID with the same code, so the two can never drift apart. Nothing here touches the DOM.
 */
export { BlockError, BlockFetcher, blockMatches } from './integrity/block-fetcher.js';
export { CidVerifier, type CidVerdict } from './integrity/cid-verifier.js';
export { isCid } from './source-identity.js';
export { segmentIdentity } from './segment-identity.js';
export { SegmentMap, type MappedSegment, type VhsMain, type VhsPlaylist, type VhsSegment } from './segment-map.js';
export { createSessionSecret, trackerUrlFor, signalHttpUrlFor } from './swarm.js';
export { UploadLimiter } from './upload-limiter.js';
export { CachedSegments, type SegmentBytesStore } from './persistent-cache/cached-segments.js';
export { LimitedSegmentStorage } from './segment-storage.js';
// The viewers' contribution reporter, so the seeder's uploads are reported the way a viewer's are.
export { ContributionReporter, type ContributionReporterOptions, type ReporterState } from './contributions/reporter.js';
export { contributionEndpointFor } from './contributions/settings.js';
export { publicViewerIdOf } from './contributions/index.js';
