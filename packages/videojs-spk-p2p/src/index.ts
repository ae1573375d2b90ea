import videojs from 'video.js';
import { SpkP2pPlugin, VERSION } from './plugin.js';

export { SpkP2pPlugin, VERSION };
export type { SegmentLoadedEvent, CdnFallbackEvent, CdnOnlyReason, GatewayIntegrityFailureEvent, ModeChangeEvent, SourceChangeEvent } from './plugin.js';
export { cidFromUrl, isCid } from './source-identity.js';
export type { CdnFallbackReason } from './segment-loader.js';
export type { SpkP2pOptions, SpkP2pTuning, TurnServer } from './options.js';
export { DEFAULTS, SpkP2pOptionsError } from './options.js';
export type { SpkP2pStats, SpkP2pMode, SegmentSource, LatencySummary } from './stats.js';
export type { GatewayStats } from './stats.js';
export { IntegrityMap } from './integrity/sha256-map.js';

/** Registers `spkP2p` on the video.js module's default export, once, whatever imports us first. */
if (!videojs.getPlugin('spkP2p')) {
  videojs.registerPlugin('spkP2p', SpkP2pPlugin as never);
}

export default SpkP2pPlugin;
export { ContributionReporter, publicViewerIdOf, openReportQueue, contributionEndpointFor } from './contributions/index.js';
export type { ContributionReporterOptions, ReporterState } from './contributions/index.js';
export type { ContributionsOption } from './options.js';
