/**
 * Embed & share page: the element's snippet generator for the demo video, and a live preview
 * of the embed page the iframe snippet points at (here on the local CDN and signal server).
 */
import { loadDemoConfig } from './demo-config.js';

async function main(): Promise<void> {
  const config = await loadDemoConfig();
  const snippet = document.querySelector('spk-embed-snippet');
  const preview = document.querySelector<HTMLIFrameElement>('#preview');
  if (!snippet || !preview) throw new Error('share page markup is incomplete');
  snippet.setAttribute('cid', config.cid);
  snippet.setAttribute('script-src', '/vendor/spk-player/spk-player.js');
  snippet.setAttribute('embed-src', '/vendor/spk-player/embed.html');
  snippet.setAttribute('oembed-src', `${config.signalHttpUrl}/oembed`);
  const query = new URLSearchParams({ cid: config.cid, gateway: config.gateway, signal: config.signalUrl, muted: '1' });
  preview.src = `/vendor/spk-player/embed.html?${query.toString()}`;
}

main().catch((error: unknown) => {
  const message = document.querySelector('#message');
  if (message) message.textContent = String(error);
});
