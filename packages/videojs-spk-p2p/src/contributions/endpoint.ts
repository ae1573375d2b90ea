import { signalHttpUrlFor } from '../swarm.js';

/** The contribution endpoint lives on the signal server, beside its WebSocket. */
export function contributionEndpointFor(trackerUrl: string): string {
  return signalHttpUrlFor(trackerUrl, '/api/p2p/contribution');
}
