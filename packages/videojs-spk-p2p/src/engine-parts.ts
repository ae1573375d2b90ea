/**
 * What a source's swarm needs once its engine starts, and nothing earlier: imported together
 * with p2p-media-loader-core after the first frame, so none of it weighs on the first-frame
 * bundle or its evaluation. Modules needed before the first frame must not import from here.
 */
export { fetchChecked, HttpAlternates } from './http-alternates.js';
export { reportPeer } from './peer-report.js';
export { ReceiptRecorder } from './contributions/receipts.js';
export { LimitedSegmentStorage } from './segment-storage.js';
export { SegmentLoader } from './segment-loader.js';
export { SchedulingWindows } from './scheduling-windows.js';
export { SegmentMap } from './segment-map.js';
export { TrackerWatch } from './tracker-watch.js';
export { UploadLimiter } from './upload-limiter.js';
