import type { ContributionsOption } from '../options.js';
import { signalHttpUrlFor } from '../swarm.js';
import type { ContributionReporterOptions } from './reporter.js';

/** The contribution endpoint lives on the signal server, beside its WebSocket. */
export function contributionEndpointFor(trackerUrl: string): string {
  return signalHttpUrlFor(trackerUrl, '/api/p2p/contribution');
}

/**
 * The reporter a player's `contributions` option asks for, or `undefined` when it asks for none
 * (off, or no signal server whose endpoint it could default to). One reporter per video: reports
 * name the video they were earned on.
 */
export function reporterOptionsFor(
  option: boolean | ContributionsOption,
  trackerUrls: readonly string[],
  session: string,
  videoCid: string,
): ContributionReporterOptions | undefined {
  const trackerUrl = trackerUrls[0];
  if (option === false || trackerUrl === undefined) return undefined;
  const settings = option === true ? {} : option;
  return {
    endpoint: settings.endpoint ?? contributionEndpointFor(trackerUrl),
    session,
    videoCid,
    ...(settings.intervalMs !== undefined ? { intervalMs: settings.intervalMs } : {}),
  };
}
