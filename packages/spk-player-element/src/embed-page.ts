/**
 * The iframe embed page (`embed.html?v=owner/permlink` or `?cid=…`): one `<spk-player>` filling
 * the frame, configured from 3Speak's embed parameters, telling the parent page when it is
 * ready the way 3Speak's player does. Parameters only ever become element properties.
 */
import './index.js';
import type { SpkPlayer } from './spk-player.js';
import { LAYOUT_RATIO, readEmbedParameters, readyMessage } from './embed-params.js';

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
    // The message carries nothing private, and the embedding page's origin is unknown.
    if (window.parent !== window) window.parent.postMessage(message, '*');
  });
  player.addEventListener('spk-source', (event) => {
    const title = player.title || (event as CustomEvent<{ title?: string }>).detail.title;
    if (title) document.title = title;
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
