/**
 * Copy-paste snippets for one video: the `<spk-player>` tag for site owners, the iframe for
 * bloggers and the oEmbed URL for platforms that discover embeds themselves.
 */
import { parsePostRef } from './hive.js';
import { isCid } from './ipfs.js';

export interface SnippetOptions {
  /** `owner/permlink` of a 3Speak post … */
  v?: string | undefined;
  /** … or the video's root CID. */
  cid?: string | undefined;
  /** Absolute URL of `spk-player.js`. */
  scriptUrl: string;
  /** Absolute URL of `embed.html`. */
  embedUrl: string;
  /** Absolute URL of the oEmbed endpoint (`…/oembed`). */
  oembedEndpoint: string;
  width?: number;
  height?: number;
}

export interface EmbedSnippets {
  tag: string;
  iframe: string;
  /** The page URL to paste into a blog (the embed page itself). */
  embedPageUrl: string;
  oembedUrl: string;
}

/** Escapes text for a double-quoted HTML attribute value. */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `?v=owner/permlink` keeps its slash readable, as 3Speak's own URLs do. */
export function embedPageUrl(embedUrl: string, video: { v?: string | undefined; cid?: string | undefined }): string {
  const url = new URL(embedUrl);
  url.search = '';
  if (video.v !== undefined) return `${url.href}?v=${encodeURIComponent(video.v).replace(/%2F/gi, '/')}`;
  return `${url.href}?cid=${encodeURIComponent(video.cid ?? '')}`;
}

export function buildEmbedSnippets(options: SnippetOptions): EmbedSnippets {
  const given = options.v?.trim() || undefined;
  const cid = options.cid?.trim() || undefined;
  let v: string | undefined;
  if (given !== undefined) {
    // Normalised, so a pasted 3Speak link becomes a plain owner/permlink in every snippet.
    const ref = parsePostRef(given);
    v = `${ref.author}/${ref.permlink}`;
  } else if (cid === undefined || !isCid(cid)) throw new TypeError('give v="owner/permlink" or a valid cid');
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const video = v !== undefined ? { v } : { cid };
  const page = embedPageUrl(options.embedUrl, video);
  const sourceAttribute = v !== undefined ? `v="${escapeAttribute(v)}"` : `cid="${escapeAttribute(cid as string)}"`;
  const tag =
    `<script type="module" src="${escapeAttribute(new URL(options.scriptUrl).href)}"></script>\n` +
    `<spk-player ${sourceAttribute} loading="lazy"></spk-player>`;
  const iframe =
    `<iframe src="${escapeAttribute(page)}" width="${width}" height="${height}" frameborder="0" ` +
    `allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`;
  const oembed = new URL(options.oembedEndpoint);
  oembed.searchParams.set('url', page);
  oembed.searchParams.set('format', 'json');
  return { tag, iframe, embedPageUrl: page, oembedUrl: oembed.href };
}
