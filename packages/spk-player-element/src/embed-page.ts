/**
 * The iframe embed page (`embed.html?v=owner/permlink` or `?cid=…`): one `<spk-player>` filling
 * the frame, configured from 3Speak's embed parameters, telling the parent page when it is
 * ready the way 3Speak's player does. Parameters only ever become element properties.
 */
import './index.js';
import type { SpkPlayer } from './spk-player.js';

export interface EmbedParameters {
  v: string | undefined;
  cid: string | undefined;
  src: string | undefined;
  autoplay: boolean;
  muted: boolean;
  loop: boolean;
  /** `mode=iframe`: minimal chrome (no title bar). */
  minimal: boolean;
  layout: 'desktop' | 'mobile' | 'square';
  noscroll: boolean;
  startTime: string | undefined;
  gateway: string | undefined;
  hiveApi: string | undefined;
  signal: string | undefined;
  p2p: boolean;
  lang: string | undefined;
}

function truthy(value: string | null): boolean {
  return value !== null && ['1', 'true', 'yes', 'on', ''].includes(value.trim().toLowerCase());
}

function text(value: string | null): string | undefined {
  return value === null || value.trim() === '' ? undefined : value;
}

export function readEmbedParameters(search: string): EmbedParameters {
  const params = new URLSearchParams(search);
  const layout = params.get('layout');
  return {
    v: text(params.get('v')),
    cid: text(params.get('cid')),
    src: text(params.get('src')),
    autoplay: truthy(params.get('autoplay')),
    muted: truthy(params.get('muted')),
    loop: truthy(params.get('loop')),
    minimal: params.get('mode') === 'iframe',
    layout: layout === 'mobile' || layout === 'square' ? layout : 'desktop',
    noscroll: truthy(params.get('noscroll')),
    startTime: text(params.get('t') ?? params.get('start')),
    gateway: text(params.get('gateway')),
    hiveApi: text(params.get('hive_api') ?? params.get('hive-api')),
    signal: text(params.get('signal')),
    p2p: !['0', 'false', 'off', 'no'].includes((params.get('p2p') ?? '').toLowerCase()),
    lang: text(params.get('lang')),
  };
}

const LAYOUT_RATIO: Record<EmbedParameters['layout'], string> = { desktop: '16:9', mobile: '9:16', square: '1:1' };

/** What 3Speak's player posts to its parent when ready; hive.blog/ecency size frames by it. */
export interface PlayerReadyMessage {
  type: '3speak-player-ready';
  isVertical: boolean;
  width: number;
  height: number;
  aspectRatio: number;
  orientation: 'portrait' | 'landscape' | 'square';
  v?: string;
  cid?: string;
}

export function readyMessage(width: number, height: number, params: EmbedParameters): PlayerReadyMessage {
  const ratio = width > 0 && height > 0 ? width / height : 16 / 9;
  const message: PlayerReadyMessage = {
    type: '3speak-player-ready',
    isVertical: height > width,
    width,
    height,
    aspectRatio: Math.round(ratio * 1000) / 1000,
    orientation: height > width ? 'portrait' : height === width ? 'square' : 'landscape',
  };
  if (params.v !== undefined) message.v = params.v;
  if (params.cid !== undefined) message.cid = params.cid;
  return message;
}

function setup(): void {
  const params = readEmbedParameters(location.search);
  document.documentElement.classList.toggle('noscroll', params.noscroll);
  document.documentElement.dataset.layout = params.layout;
  const player = document.createElement('spk-player') as SpkPlayer;
  if (params.src !== undefined) player.src = params.src;
  if (params.cid !== undefined) player.cid = params.cid;
  if (params.v !== undefined) player.v = params.v;
  if (params.gateway !== undefined) player.gateway = params.gateway;
  if (params.hiveApi !== undefined) player.hiveApi = params.hiveApi;
  if (params.signal !== undefined) player.signal = params.signal;
  if (params.startTime !== undefined) player.startTime = params.startTime;
  if (params.lang !== undefined) player.lang = params.lang;
  player.autoplay = params.autoplay;
  player.muted = params.muted;
  player.loop = params.loop;
  player.p2p = params.p2p;
  player.aspectRatio = LAYOUT_RATIO[params.layout];
  if (params.minimal) player.dataset.mode = 'iframe';

  let announced = false;
  player.addEventListener('loadedmetadata', () => {
    if (announced) return;
    announced = true;
    const video = player.videojsPlayer;
    const message = readyMessage(video?.videoWidth() ?? 0, video?.videoHeight() ?? 0, params);
    document.title = player.title || document.title;
    // The message carries nothing private, and the embedding page's origin is unknown.
    if (window.parent !== window) window.parent.postMessage(message, '*');
  });
  player.addEventListener('error', (event) => {
    const detail = (event as Event as CustomEvent<unknown>).detail;
    if (window.parent !== window) window.parent.postMessage({ type: 'spk-player-error', error: detail }, '*');
  });
  updateDiscoveryLink();
  document.body.append(player);
}

/** Points the oEmbed discovery link at this exact page, for consumers that run scripts. */
function updateDiscoveryLink(): void {
  const link = document.querySelector<HTMLLinkElement>('link[type="application/json+oembed"]');
  if (!link) return;
  const endpoint = new URL(link.getAttribute('href') ?? '/oembed', location.href);
  endpoint.searchParams.set('url', location.href);
  endpoint.searchParams.set('format', 'json');
  link.href = endpoint.href;
}

if (typeof document !== 'undefined' && document.querySelector('meta[name="spk-embed"]')) setup();
