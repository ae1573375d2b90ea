/**
 * oEmbed provider for SPK videos (https://oembed.com, `type: "video"`): turns a link to a video
 * (our embed page, or a 3Speak watch/embed link) into the iframe a blog platform inserts.
 * Pure request → response logic plus a thin Node handler, so any router can mount it at
 * `GET /oembed`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { isCid } from './ids.js';

export interface OembedConfig {
  /** Absolute URL of the player's `embed.html`; the iframe `src` is built from it. */
  embedPageUrl: string;
  providerName?: string;
  providerUrl?: string;
  /** Gateway origin used for IPFS thumbnails (`<gateway>/ipfs/<cid>`). */
  gateway?: string;
  /** Hive API nodes for titles and thumbnails of `v` videos; empty skips the lookup. */
  hiveApiNodes?: string[];
  /** Time limit of one Hive lookup, in milliseconds. */
  hiveTimeoutMs?: number;
  width?: number;
  height?: number;
}

export interface OembedVideo {
  type: 'video';
  version: '1.0';
  title?: string;
  author_name?: string;
  author_url?: string;
  provider_name: string;
  provider_url: string;
  cache_age: number;
  thumbnail_url?: string;
  thumbnail_width?: number;
  thumbnail_height?: number;
  html: string;
  width: number;
  height: number;
}

export interface OembedResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type VideoRef = { v: string; author: string; permlink: string } | { cid: string };

const ACCOUNT = /^(?=.{3,16}$)[a-z][a-z0-9-]*[a-z0-9](\.[a-z][a-z0-9-]*[a-z0-9])*$/;
const PERMLINK = /^[a-z0-9-]{1,256}$/;
/** Hosts whose `watch`/`embed` links 3Speak itself uses, mapped onto our player. */
const THREESPEAK_HOSTS = new Set(['3speak.tv', 'www.3speak.tv', 'play.3speak.tv']);
const DEFAULT_WIDTH = 640;
const DEFAULT_HEIGHT = 360;
const MAX_URL_LENGTH = 2048;

function postRef(text: string | null): VideoRef | null {
  if (text === null) return null;
  const match = /^@?([^/]+)\/([^/]+)$/.exec(text.trim());
  if (!match || !ACCOUNT.test(match[1] ?? '') || !PERMLINK.test(match[2] ?? '')) return null;
  return { v: `${match[1]}/${match[2]}`, author: match[1] as string, permlink: match[2] as string };
}

/**
 * Which video a URL shows: our embed page with `?v=`/`?cid=`, or a 3Speak `watch`/`embed`
 * link. `null` for anything else (the provider then answers 404, as the spec asks).
 */
export function videoFromUrl(url: URL, embedPageUrl: string): VideoRef | null {
  const embed = new URL(embedPageUrl);
  const ours = url.origin === embed.origin && url.pathname === embed.pathname;
  const threeSpeak =
    THREESPEAK_HOSTS.has(url.hostname) && url.protocol === 'https:' && /^\/(watch|embed)\/?$/.test(url.pathname);
  if (!ours && !threeSpeak) return null;
  const v = postRef(url.searchParams.get('v'));
  if (v) return v;
  const cid = url.searchParams.get('cid');
  if (ours && cid !== null && isCid(cid)) return { cid };
  return null;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function embedUrlFor(video: VideoRef, embedPageUrl: string): string {
  const url = new URL(embedPageUrl);
  url.search = '';
  url.hash = '';
  // `v` keeps its slash readable, as 3Speak's own embed links do.
  return 'v' in video ? `${url.href}?v=${video.author}/${video.permlink}` : `${url.href}?cid=${video.cid}`;
}

/** Scales the nominal 16:9 frame down to fit `maxwidth`/`maxheight` (never up). */
export function fitSize(width: number, height: number, maxWidth?: number, maxHeight?: number): { width: number; height: number } {
  let scale = 1;
  if (maxWidth !== undefined && maxWidth > 0) scale = Math.min(scale, maxWidth / width);
  if (maxHeight !== undefined && maxHeight > 0) scale = Math.min(scale, maxHeight / height);
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

export interface VideoInfo {
  title?: string;
  author?: string;
  thumbnailUrl?: string;
}

export function buildOembed(video: VideoRef, info: VideoInfo, config: OembedConfig, size: { width: number; height: number }): OembedVideo {
  const src = embedUrlFor(video, config.embedPageUrl);
  const title = info.title ?? ('v' in video ? `@${video.author}/${video.permlink}` : 'SPK video');
  const html =
    `<iframe src="${escapeHtml(src)}" width="${size.width}" height="${size.height}" title="${escapeHtml(title)}" ` +
    `frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`;
  const body: OembedVideo = {
    type: 'video',
    version: '1.0',
    title,
    provider_name: config.providerName ?? 'SPK Network',
    provider_url: config.providerUrl ?? new URL(config.embedPageUrl).origin,
    cache_age: 3600,
    html,
    width: size.width,
    height: size.height,
  };
  if ('v' in video) {
    body.author_name = info.author ?? video.author;
    body.author_url = `https://peakd.com/@${video.author}`;
  }
  if (info.thumbnailUrl !== undefined) {
    body.thumbnail_url = info.thumbnailUrl;
    // Thumbnails are encoded at the video's 16:9 frame; the nominal size is the embed's.
    body.thumbnail_width = size.width;
    body.thumbnail_height = size.height;
  }
  return body;
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

/** Title and thumbnail from the post's 3Speak metadata; `null` when the post does not exist. */
export async function lookUpPost(author: string, permlink: string, config: OembedConfig): Promise<VideoInfo | null> {
  for (const node of config.hiveApiNodes ?? []) {
    let body: Json | undefined;
    try {
      const response = await fetch(node, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'bridge.get_post', params: { author, permlink }, id: 1 }),
        signal: AbortSignal.timeout(config.hiveTimeoutMs ?? 5000),
      });
      if (!response.ok) continue;
      body = asObject(await response.json());
    } catch {
      continue;
    }
    const error = asObject(body?.error);
    if (error) {
      if (/does not exist|not found/i.test(`${String(error.message)} ${String(error.data)}`)) return null;
      continue;
    }
    const post = asObject(body?.result);
    if (!post) return null;
    let metadata = post.json_metadata;
    if (typeof metadata === 'string') {
      try {
        metadata = JSON.parse(metadata);
      } catch {
        metadata = undefined;
      }
    }
    const info = asObject(asObject(asObject(metadata)?.video)?.info);
    const images = asObject(metadata)?.image;
    let thumbnailUrl = Array.isArray(images) ? httpUrl(images[0]) : undefined;
    if (thumbnailUrl === undefined && Array.isArray(info?.sourceMap) && config.gateway) {
      const entry = (info.sourceMap as unknown[]).map(asObject).find((item) => item?.type === 'thumbnail');
      const match = typeof entry?.url === 'string' ? /^ipfs:\/\/([A-Za-z0-9]+)(\/[A-Za-z0-9._/-]*)?$/.exec(entry.url) : null;
      if (match && isCid(match[1] ?? '')) thumbnailUrl = `${config.gateway.replace(/\/+$/, '')}/ipfs/${match[1]}${match[2] ?? ''}`;
    }
    const result: VideoInfo = {};
    const title = typeof info?.title === 'string' && info.title !== '' ? info.title : typeof post.title === 'string' ? post.title : undefined;
    if (title !== undefined) result.title = title;
    if (typeof post.author === 'string') result.author = post.author;
    if (thumbnailUrl !== undefined) result.thumbnailUrl = thumbnailUrl;
    return result;
  }
  // No node answered: still embed the video, only without its title and thumbnail.
  return {};
}

function json(status: number, body: unknown): OembedResult {
  return {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': status === 200 ? 'public, max-age=3600' : 'no-store',
    },
    body: JSON.stringify(body),
  };
}

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d{1,5}$/.test(value)) return undefined;
  const number = Number(value);
  return number > 0 ? number : undefined;
}

/** Answers one `GET /oembed?url=…&format=json[&maxwidth=…&maxheight=…]` request. */
export async function handleOembed(query: URLSearchParams, config: OembedConfig): Promise<OembedResult> {
  const format = query.get('format') ?? 'json';
  if (format !== 'json') return json(501, { error: `format "${format}" is not supported; use format=json` });
  const raw = query.get('url');
  if (raw === null || raw.trim() === '') return json(400, { error: 'the url parameter is required' });
  if (raw.length > MAX_URL_LENGTH) return json(400, { error: 'the url parameter is too long' });
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return json(400, { error: 'the url parameter is not a URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return json(400, { error: 'the url must be an http(s) URL' });
  const video = videoFromUrl(url, config.embedPageUrl);
  if (!video) return json(404, { error: 'no SPK video at this url' });
  let info: VideoInfo = {};
  if ('v' in video && (config.hiveApiNodes?.length ?? 0) > 0) {
    const found = await lookUpPost(video.author, video.permlink, config);
    if (found === null) return json(404, { error: `post @${video.v} does not exist` });
    info = found;
  }
  const size = fitSize(
    config.width ?? DEFAULT_WIDTH,
    config.height ?? DEFAULT_HEIGHT,
    positiveInt(query.get('maxwidth')),
    positiveInt(query.get('maxheight')),
  );
  return json(200, buildOembed(video, info, config, size));
}

/** A Node request handler for routers: mount it at `GET /oembed`. */
export function createOembedHandler(config: OembedConfig): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const result = await handleOembed(query, config);
    res.writeHead(result.status, result.headers);
    res.end(result.body);
  };
}

/** The discovery `<link>` for a page showing a video (its own URL is `pageUrl`). */
export function oembedDiscoveryLink(pageUrl: string, endpoint: string): string {
  const href = new URL(endpoint);
  href.searchParams.set('url', pageUrl);
  href.searchParams.set('format', 'json');
  return `<link rel="alternate" type="application/json+oembed" href="${escapeHtml(href.href)}" title="SPK video">`;
}

/** The part of the signal server's HttpRouter this module needs (kept structural to stay standalone). */
export interface RouteRegistrar {
  route(method: string, pattern: string, handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): unknown;
}

/** Registers `GET /oembed` on a router: the one line a server needs to offer oEmbed. */
export function registerOembedRoute(router: RouteRegistrar, config: OembedConfig): void {
  router.route('GET', '/oembed', createOembedHandler(config));
}

export const OEMBED_DEFAULT_GATEWAY = 'https://ipfs-3speak.b-cdn.net';
export const OEMBED_DEFAULT_HIVE_API = 'https://api.hive.blog';

export const OEMBED_SERVE_USAGE = [
  'oEmbed (GET /oembed, served when an embed page URL is given):',
  '  --embed-url <url>               SPK_SIGNAL_EMBED_URL                   absolute URL of the player\'s embed.html',
  `  --oembed-gateway <url>          SPK_SIGNAL_OEMBED_GATEWAY              gateway for IPFS thumbnails (${OEMBED_DEFAULT_GATEWAY})`,
  `  --oembed-hive-api <url,...>     SPK_SIGNAL_OEMBED_HIVE_API             Hive API node(s) for titles/thumbnails (SPK_SIGNAL_HIVE_API, else ${OEMBED_DEFAULT_HIVE_API})`,
].join('\n');

function absoluteHttpUrl(flag: string, text: string): string {
  const url = httpUrl(text.trim());
  if (url === undefined) throw new TypeError(`--${flag} must be an absolute http(s) URL, got ${JSON.stringify(text)}`);
  return url;
}

/**
 * Takes this module's flags out of the `serve` arguments (the rest go to the server's own
 * parser). Returns no config when no embed page URL is set: oEmbed is then not served.
 * Throws TypeError with a readable message on bad values.
 */
export function takeOembedFlags(argv: string[], env: NodeJS.ProcessEnv): { config: OembedConfig | undefined; rest: string[] } {
  const { tokens } = parseArgs({ args: argv, strict: false, tokens: true, allowPositionals: true });
  const names = new Set(['embed-url', 'oembed-gateway', 'oembed-hive-api']);
  const values = new Map<string, string>();
  const taken = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !names.has(token.name)) continue;
    taken.add(token.index);
    let value = token.value;
    if (value === undefined) {
      // Without a schema parseArgs leaves `--flag value`'s value as the next argument.
      const next = argv[token.index + 1];
      if (next === undefined || next.startsWith('--')) throw new TypeError(`--${token.name} needs a value`);
      value = next;
      taken.add(token.index + 1);
    }
    values.set(token.name, value);
  }
  const rest = argv.filter((_, index) => !taken.has(index));
  const embedText = values.get('embed-url') ?? env.SPK_SIGNAL_EMBED_URL;
  if (embedText === undefined || embedText.trim() === '') return { config: undefined, rest };
  const hiveText = values.get('oembed-hive-api') ?? env.SPK_SIGNAL_OEMBED_HIVE_API ?? env.SPK_SIGNAL_HIVE_API ?? OEMBED_DEFAULT_HIVE_API;
  const config: OembedConfig = {
    embedPageUrl: absoluteHttpUrl('embed-url', embedText),
    gateway: absoluteHttpUrl('oembed-gateway', values.get('oembed-gateway') ?? env.SPK_SIGNAL_OEMBED_GATEWAY ?? OEMBED_DEFAULT_GATEWAY),
    hiveApiNodes: hiveText
      .split(',')
      .map((node) => node.trim())
      .filter((node) => node !== '')
      .map((node) => absoluteHttpUrl('oembed-hive-api', node)),
  };
  return { config, rest };
}
