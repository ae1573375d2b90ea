/**
 * The local stack the demo and the benchmark share: the CDN (which also serves the demo pages
 * and browser bundles, without latency or counting) and the signal server, on loopback.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCdn, type CdnServer } from '../cdn/cdn-server.js';
import { SAMPLE_CID } from '../media/sample.js';
import { startSignal, type RunningSignal } from './signal.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DEMO_DIR = join(here, '..');
export const REPO_ROOT = join(DEMO_DIR, '..');
export const SITE_DIR = join(DEMO_DIR, 'site');

/** npm may hoist a dependency to the root or keep it under the workspace: look in both. */
function moduleDir(name: string, sub: string): string {
  const candidates = [join(REPO_ROOT, 'node_modules', name, sub), join(DEMO_DIR, 'node_modules', name, sub)];
  return candidates.find((dir) => existsSync(dir)) ?? (candidates[0] as string);
}

/** URL prefix → folder for everything the pages load besides media. */
export function siteStaticDirs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    '/': SITE_DIR,
    '/vendor/video.js': moduleDir('video.js', 'dist'),
    '/vendor/uplot': moduleDir('uplot', 'dist'),
    '/vendor/lit': moduleDir('lit', ''),
    '/vendor/videojs-spk-p2p': join(REPO_ROOT, 'packages', 'videojs-spk-p2p', 'dist'),
    '/vendor/spk-player': join(REPO_ROOT, 'packages', 'spk-player-element', 'dist'),
    // hlsjs-viewer.html: an hls.js + p2p-media-loader-hlsjs site (bench:swarm --mix hlsjs).
    '/vendor/hls.js': moduleDir('hls.js', 'dist'),
    '/vendor/p2pml-core': moduleDir('p2p-media-loader-core', 'dist'),
    '/vendor/p2pml-hlsjs': moduleDir('p2p-media-loader-hlsjs', 'dist'),
    ...extra,
  };
}

/** Files the pages cannot work without; checked up front so a missing build is one clear message. */
export function missingBuildOutputs(): string[] {
  const required = [
    join(SITE_DIR, 'lib', 'viewer.js'),
    join(REPO_ROOT, 'packages', 'videojs-spk-p2p', 'dist', 'videojs-spk-p2p.js'),
    join(moduleDir('video.js', 'dist'), 'video.min.js'),
  ];
  return required.filter((path) => !existsSync(path));
}

export interface LocalStackOptions {
  host?: string;
  cdnPort?: number;
  signalPort?: number;
  latencyMs?: number;
  bandwidthBytesPerSec?: number;
  staticDirs?: Record<string, string>;
  /** What the CDN serves (a folder holding `ipfs/<cid>/…`) and the video the viewers play; the committed sample when unset. */
  media?: { root: string; cid: string };
  /** SQLite file for the signal server's contributions API (the dashboard's data); off when unset. */
  contributionsDb?: string;
}

export interface LocalStack {
  cdn: CdnServer;
  signal: RunningSignal;
  cid: string;
  /** Master playlist of video `cid` (the stack's by default) through the CDN, counted under `clientId` when given. */
  manifestUrl(clientId?: string, cid?: string): string;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const defaultCid = options.media?.cid ?? SAMPLE_CID;
  const signal = await startSignal({
    port: options.signalPort ?? 0,
    host,
    ...(options.contributionsDb ? { contributionsDb: options.contributionsDb } : {}),
  });
  let cdn: CdnServer;
  try {
    cdn = await startCdn({
      host,
      port: options.cdnPort ?? 0,
      latencyMs: options.latencyMs ?? 0,
      bandwidthBytesPerSec: options.bandwidthBytesPerSec ?? 0,
      staticDirs: siteStaticDirs(options.staticDirs),
      ...(options.media ? { root: options.media.root } : {}),
    });
  } catch (error) {
    await signal.close();
    throw error;
  }
  // No Hive lookups: the demo must work offline; titles come from the embed URL alone.
  signal.serveOembed({ embedPageUrl: `${cdn.url}/vendor/spk-player/embed.html`, gateway: cdn.url, hiveApiNodes: [] });
  return {
    cdn,
    signal,
    cid: defaultCid,
    manifestUrl: (clientId, cid = defaultCid) => `${clientId ? cdn.clientUrl(clientId) : cdn.url}/ipfs/${cid}/manifest.m3u8`,
    close: async () => {
      await Promise.all([cdn.close(), signal.close()]);
    },
  };
}
