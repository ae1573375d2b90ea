/**
 * The SPK Network signal server P2P uses when a page gives no `signal` attribute. It is our
 * own WebTorrent-protocol server (packages/signal-server), never a public tracker, so viewers
 * of one video meet in the room of its CID and nowhere else. Sites running their own signal
 * server set `signal="wss://…/api/p2p/signal"`.
 */
export const DEFAULT_SIGNAL_URL = 'wss://signal.3speak.tv/api/p2p/signal';

export { DEFAULT_GATEWAYS } from './ipfs.js';
export { DEFAULT_HIVE_API_NODES } from './hive.js';
