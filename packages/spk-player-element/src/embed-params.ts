/**
 * 3Speak's embed parameters (`v`, `autoplay`, `mode=iframe`, `layout`, `noscroll`, …) read
 * from the embed page's query, and the ready message 3Speak's player posts to its parent.
 */
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

export const LAYOUT_RATIO: Record<EmbedParameters['layout'], string> = { desktop: '16:9', mobile: '9:16', square: '1:1' };

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
