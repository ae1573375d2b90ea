/**
 * Turns a Hive post reference (`owner/permlink`) into the video it carries, reading the
 * `json_metadata` 3Speak writes (see the SPK notes: sourceMap first, then video_v2, then the
 * legacy `ipfs` field, and a top-level sourceMap on some old posts).
 */
import { SpkPlayerError, describeError } from './errors.js';
import { parseIpfsPath, type IpfsPath, MANIFEST_PATH } from './ipfs.js';

export const DEFAULT_HIVE_API_NODES: readonly string[] = Object.freeze(['https://api.hive.blog']);

export interface PostRef {
  author: string;
  permlink: string;
}

// Hive account names: 3-16 characters, dot-separated labels of a-z0-9 and '-', each starting with a letter.
const ACCOUNT = /^(?=.{3,16}$)[a-z][a-z0-9-]*[a-z0-9](\.[a-z][a-z0-9-]*[a-z0-9])*$/;
const PERMLINK = /^[a-z0-9-]{1,256}$/;

/**
 * Parses `owner/permlink` (a leading `@` is tolerated, as Hive links write it), or a 3Speak
 * link carrying it (`https://3speak.tv/watch?v=owner/permlink`, `…/embed?v=…`), since that is
 * what people copy from the address bar.
 */
export function parsePostRef(text: string): PostRef {
  let value = text.trim();
  if (/^https?:\/\//i.test(value)) {
    try {
      value = new URL(value).searchParams.get('v') ?? '';
    } catch {
      value = '';
    }
  }
  const match = /^@?([^/\s]+)\/([^/\s]+)$/.exec(value);
  if (!match || !ACCOUNT.test(match[1] ?? '') || !PERMLINK.test(match[2] ?? '')) {
    throw new SpkPlayerError('invalid-v', `"${text}" is not of the form owner/permlink`);
  }
  return { author: match[1] as string, permlink: match[2] as string };
}

/** Where a post's video plays from: an IPFS location (gateway fallback applies) or a plain URL. */
export type VideoLocation = { kind: 'ipfs'; ipfs: IpfsPath } | { kind: 'url'; url: string };

export interface PostVideo {
  location: VideoLocation;
  title: string | undefined;
  /** An http(s) URL or an IPFS location of the thumbnail. */
  thumbnail: VideoLocation | undefined;
  durationSeconds: number | undefined;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function httpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** An `ipfs://…`, bare CID path or http(s) URL from metadata; anything else is ignored. */
function locationOf(text: string | undefined, defaultPath: string): VideoLocation | undefined {
  if (text === undefined) return undefined;
  const ipfs = parseIpfsPath(text);
  if (ipfs) return { kind: 'ipfs', ipfs: ipfs.path === '' ? { cid: ipfs.cid, path: defaultPath } : ipfs };
  const url = httpUrl(text);
  return url === undefined ? undefined : { kind: 'url', url };
}

function sourceMapEntry(sourceMap: unknown, type: string): string | undefined {
  if (!Array.isArray(sourceMap)) return undefined;
  for (const entry of sourceMap) {
    const object = asObject(entry);
    if (object && object.type === type) {
      const url = asString(object.url);
      if (url !== undefined) return url;
    }
  }
  return undefined;
}

/** Reads the video from a post's metadata (object or JSON string); throws `not-a-video`. */
export function videoFromMetadata(rawMetadata: unknown, postTitle?: string): PostVideo {
  let metadata: Json | undefined;
  if (typeof rawMetadata === 'string') {
    try {
      metadata = asObject(JSON.parse(rawMetadata));
    } catch {
      metadata = undefined;
    }
  } else {
    metadata = asObject(rawMetadata);
  }
  const video = asObject(metadata?.video);
  const info = asObject(video?.info);
  const location =
    locationOf(sourceMapEntry(info?.sourceMap, 'video'), MANIFEST_PATH) ??
    locationOf(asString(info?.video_v2), MANIFEST_PATH) ??
    locationOf(asString(info?.ipfs), 'default.m3u8') ??
    locationOf(sourceMapEntry(metadata?.sourceMap, 'video'), MANIFEST_PATH);
  if (!location) {
    throw new SpkPlayerError('not-a-video', 'the post carries no 3Speak video in its metadata');
  }
  const images = Array.isArray(metadata?.image) ? metadata.image : [];
  const thumbnail =
    locationOf(sourceMapEntry(info?.sourceMap, 'thumbnail'), 'thumbnail.png') ??
    locationOf(asString(images[0]), '') ??
    locationOf(asString(info?.ipfsThumbnail), 'thumbnail.png');
  const duration = info?.duration;
  return {
    location,
    title: asString(info?.title) ?? postTitle,
    thumbnail,
    durationSeconds: typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : undefined,
  };
}

/**
 * Aborts after `ms` or when `outer` aborts. Built by hand because AbortSignal.any() is missing
 * from Safari before 17.4, where it would turn every lookup into a failure.
 */
function timeoutSignal(ms: number, outer: AbortSignal | undefined): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The Hive API did not answer in time', 'TimeoutError')), ms);
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  if (outer) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  }
  return controller.signal;
}

export interface FetchPostOptions {
  apiNodes: readonly string[];
  signal?: AbortSignal;
  /** Per-node time limit, so one hanging node does not hold the others back. */
  timeoutMs?: number;
}

/**
 * Fetches a post with `bridge.get_post`, trying each API node in turn. A post that does not
 * exist is final (`post-not-found`); network, HTTP and server failures move to the next node
 * and end as `hive-unavailable`.
 */
export async function fetchPostVideo(ref: PostRef, options: FetchPostOptions): Promise<PostVideo> {
  const failures: string[] = [];
  for (const node of options.apiNodes) {
    let body: Json | undefined;
    try {
      const timeout = timeoutSignal(options.timeoutMs ?? 8000, options.signal);
      const response = await fetch(node, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'bridge.get_post', params: { author: ref.author, permlink: ref.permlink }, id: 1 }),
        signal: timeout,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = asObject(await response.json());
      if (!body) throw new Error('the answer is not a JSON-RPC object');
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failures.push(`${node}: ${describeError(error)}`);
      continue;
    }
    const rpcError = asObject(body.error);
    if (rpcError) {
      const text = `${asString(rpcError.message) ?? ''} ${asString(rpcError.data) ?? ''}`.trim();
      if (/does not exist|not found/i.test(text)) {
        throw new SpkPlayerError('post-not-found', `@${ref.author}/${ref.permlink} does not exist on Hive`);
      }
      failures.push(`${node}: ${text || 'JSON-RPC error'}`);
      continue;
    }
    const post = asObject(body.result);
    if (!post || asString(post.author) === undefined) {
      throw new SpkPlayerError('post-not-found', `@${ref.author}/${ref.permlink} does not exist on Hive`);
    }
    return videoFromMetadata(post.json_metadata, asString(post.title));
  }
  throw new SpkPlayerError('hive-unavailable', failures.join('; ') || 'no Hive API node configured');
}
