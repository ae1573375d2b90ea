/**
 * From the element's source attributes (`src`, `cid` + `gateway`, `v` + `hive-api`) to the
 * ordered list of manifest URLs to try and what is known about the video.
 */
import { parseHttpUrl } from './attributes.js';
import { SpkPlayerError } from './errors.js';
import { fetchPostVideo, parsePostRef, DEFAULT_HIVE_API_NODES, type VideoLocation } from './hive.js';
import { cidFromUrl, gatewayUrl, isCid, parseGatewayList, MANIFEST_PATH } from './ipfs.js';
import { rankGateways } from 'videojs-spk-p2p/gateway-health';

export interface SourceAttributes {
  src?: string | null | undefined;
  cid?: string | null | undefined;
  v?: string | null | undefined;
  gateway?: string | null | undefined;
  hiveApi?: string | null | undefined;
  /** Base for relative `src` values (the page's URL). */
  baseUrl?: string | undefined;
}

export interface ResolvedSource {
  /** Manifest URLs in fallback order (one per gateway for IPFS videos, best-ranked first). */
  candidates: string[];
  /** The IPFS gateways of the candidates, in the same order; none for a plain URL. */
  gateways: string[];
  /** Poster URL per candidate (same index), when a thumbnail is known. */
  posters: (string | undefined)[];
  /** The swarm id for P2P: the video's root CID when known. */
  videoCid: string | undefined;
  title: string | undefined;
  durationSeconds: number | undefined;
}

function present(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function gatewaysOf(attributes: SourceAttributes): string[] {
  try {
    return parseGatewayList(attributes.gateway);
  } catch (error) {
    throw new SpkPlayerError('invalid-attribute', `gateway: ${(error as Error).message}`);
  }
}

function hiveNodesOf(attributes: SourceAttributes): string[] {
  if (!present(attributes.hiveApi)) return [...DEFAULT_HIVE_API_NODES];
  return attributes.hiveApi
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map((node) => parseHttpUrl('hive-api', node));
}

function urlsFor(location: VideoLocation, gateways: string[]): string[] {
  return location.kind === 'url' ? gateways.map(() => location.url) : gateways.map((gateway) => gatewayUrl(gateway, location.ipfs));
}

/**
 * Checks the attributes without touching the network, so bad input fails at once with a
 * clear message (also used before a lazy element is scrolled into view).
 */
export function checkSourceAttributes(attributes: SourceAttributes): void {
  if (present(attributes.src)) {
    parseHttpUrl('src', attributes.src, attributes.baseUrl);
    return;
  }
  if (present(attributes.cid)) {
    if (!isCid(attributes.cid.trim())) {
      throw new SpkPlayerError('invalid-cid', `"${attributes.cid}" is not an IPFS CID`);
    }
    gatewaysOf(attributes);
    return;
  }
  if (present(attributes.v)) {
    parsePostRef(attributes.v);
    gatewaysOf(attributes);
    hiveNodesOf(attributes);
    return;
  }
  throw new SpkPlayerError('no-source', 'set src (an .m3u8 URL), cid (an SPK video CID) or v (owner/permlink)');
}

export async function resolveSource(attributes: SourceAttributes, signal?: AbortSignal): Promise<ResolvedSource> {
  checkSourceAttributes(attributes);
  if (present(attributes.src)) {
    const url = parseHttpUrl('src', attributes.src, attributes.baseUrl);
    return {
      candidates: [url],
      gateways: [],
      posters: [undefined],
      // The swarm is keyed by the root CID: an IPFS gateway URL names it, a CDN URL does not.
      videoCid: cidFromUrl(url),
      title: undefined,
      durationSeconds: undefined,
    };
  }
  // The order gateway health ranks them in (shared with the P2P plugin): the configured order until something is known.
  const gateways = rankGateways(gatewaysOf(attributes));
  if (present(attributes.cid)) {
    const cid = attributes.cid.trim();
    return {
      candidates: gateways.map((gateway) => gatewayUrl(gateway, { cid, path: MANIFEST_PATH })),
      gateways,
      posters: gateways.map(() => undefined),
      videoCid: cid,
      title: undefined,
      durationSeconds: undefined,
    };
  }
  const ref = parsePostRef(attributes.v as string);
  const video = await fetchPostVideo(ref, { apiNodes: hiveNodesOf(attributes), ...(signal ? { signal } : {}) });
  const candidates = urlsFor(video.location, gateways);
  const thumbnails = video.thumbnail ? urlsFor(video.thumbnail, gateways) : gateways.map(() => undefined);
  // A plain-URL video has one real candidate; repeating it per gateway would only retry it.
  const unique = video.location.kind === 'url' ? 1 : candidates.length;
  return {
    candidates: candidates.slice(0, unique),
    gateways: video.location.kind === 'ipfs' ? gateways : [],
    posters: thumbnails.slice(0, unique),
    videoCid: video.location.kind === 'ipfs' ? video.location.ipfs.cid : undefined,
    title: video.title,
    durationSeconds: video.durationSeconds,
  };
}
