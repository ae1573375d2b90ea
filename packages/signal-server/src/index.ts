export { createSignalServer, type SignalServer, type SignalStats, type RoomInfo, type ListenAddress } from './server.js';
export { type SignalServerOptions, OptionError } from './options.js';
export { createRoomToken, verifyRoomToken, type RoomTokenCheck } from './room-token.js';
export { HttpRouter, type RouteHandler, type MountedHandler } from './http-router.js';
export type { SessionDirectory } from './sessions.js';
export { CloseCode } from './signal-hub.js';
export { binaryToHex, parsePeerId, isCid } from './ids.js';
export { createContributions, buildPayoutBatch, type Contributions, type ContributionsOptions, type PayoutBatch } from './contributions/index.js';
export { attachContributions } from './contributions/mount.js';
