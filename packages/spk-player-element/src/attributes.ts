/**
 * Attribute converters and validators shared by the element and the embed page. Everything
 * here is pure so the rules can be tested without a browser.
 */
import type { ComplexAttributeConverter } from 'lit';
import { SpkPlayerError } from './errors.js';

export type AutoplayValue = boolean | 'muted';

/**
 * Whether an attribute value turns a setting off: "false", "0", "no" or "off", any case. The embed
 * page (embed-params.ts) keeps its own copy: importing this module there split it into a chunk every
 * page loaded up front.
 */
export function isOffWord(value: string): boolean {
  return ['false', '0', 'no', 'off'].includes(value.trim().toLowerCase());
}

/** `autoplay` (with sound when allowed, else muted), `autoplay="muted"`, or absent/"false". */
export const autoplayConverter: ComplexAttributeConverter<AutoplayValue> = {
  fromAttribute(value) {
    if (value === null) return false;
    if (value.trim().toLowerCase() === 'muted') return 'muted';
    return !isOffWord(value);
  },
  toAttribute(value) {
    if (value === 'muted') return 'muted';
    return value ? '' : null;
  },
};

/**
 * For settings that are on unless turned off (`controls`, `playsinline`, `p2p`): absent means
 * on, and "false"/"off"/"0"/"no" turn it off. Reflecting writes "on"/"off" so the state is
 * visible in the DOM either way.
 */
export const onOffConverter: ComplexAttributeConverter<boolean> = {
  fromAttribute(value) {
    if (value === null) return true;
    return !isOffWord(value);
  },
  toAttribute(value) {
    return value ? 'on' : 'off';
  },
};

export type PreloadValue = 'auto' | 'metadata' | 'none';

export function parsePreload(value: string | null | undefined): PreloadValue {
  if (value === null || value === undefined || value === '') return 'auto';
  const text = value.trim().toLowerCase();
  if (text === 'auto' || text === 'metadata' || text === 'none') return text;
  throw new SpkPlayerError('invalid-attribute', `preload="${value}" must be auto, metadata or none`);
}

/** `start-time` in seconds (`90`, `1:30`, `1:02:03`); null/empty is 0. */
export function parseStartTime(value: string | null | undefined): number {
  if (value === null || value === undefined || value.trim() === '') return 0;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text);
  if (parts) {
    const [, hours = '0', minutes = '0', seconds = '0'] = parts;
    return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  }
  throw new SpkPlayerError('invalid-attribute', `start-time="${value}" must be seconds (90) or m:ss (1:30)`);
}

/** `aspect-ratio` as `16:9`, `16/9` or a number; returns a CSS aspect-ratio value. */
export function parseAspectRatio(value: string | null | undefined): string {
  if (value === null || value === undefined || value.trim() === '') return '16 / 9';
  const text = value.trim();
  const pair = /^(\d+(?:\.\d+)?)\s*[:/]\s*(\d+(?:\.\d+)?)$/.exec(text);
  if (pair && Number(pair[1]) > 0 && Number(pair[2]) > 0) return `${pair[1]} / ${pair[2]}`;
  if (/^\d+(\.\d+)?$/.test(text) && Number(text) > 0) return text;
  throw new SpkPlayerError('invalid-attribute', `aspect-ratio="${value}" must look like 16:9`);
}

/** A `signal` attribute: ws:// or wss:// URL of an SPK signal server. */
export function parseSignalUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SpkPlayerError('invalid-attribute', `signal="${value}" is not a URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SpkPlayerError('invalid-attribute', `signal="${value}" must be a ws:// or wss:// URL`);
  }
  return url.href;
}

/** An http(s) URL attribute (`src`, `poster`, `hive-api`), returned normalised. */
export function parseHttpUrl(name: string, value: string, base?: string): string {
  let url: URL;
  try {
    url = new URL(value.trim(), base);
  } catch {
    throw new SpkPlayerError(name === 'src' ? 'invalid-src' : 'invalid-attribute', `${name}="${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SpkPlayerError(name === 'src' ? 'invalid-src' : 'invalid-attribute', `${name}="${value}" must be an http(s) URL`);
  }
  return url.href;
}
