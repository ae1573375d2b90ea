/** What a viewer page plays and how, read from its query string so a URL fully describes a viewer. */
export interface ViewerOptions {
  /** Master playlist URL (for the benchmark, a per-viewer CDN client URL). */
  src: string;
  cid: string | undefined;
  trackerUrls: string[];
  p2p: boolean;
  /** Pin every viewer to the rendition of this height, so all of them share one swarm; 0 lets ABR choose. */
  pinHeight: number;
  rate: number;
  /** Overrides the plugin's default when set. */
  cdnFallbackDelay: number | undefined;
  label: string;
  autoplay: boolean;
  /** The plugin's `integrity` policy; unset keeps the plugin default. */
  integrity: IntegrityPolicy | undefined;
}

/** The plugin's `integrity` values (its options check rejects any other). */
export type IntegrityPolicy = 'auto' | 'cid' | 'sha256' | 'off';

function numberParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`query parameter ${name}=${raw} is not a non-negative number`);
  return value;
}

function flagParam(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = params.get(name);
  if (raw === null) return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

export function parseViewerOptions(search: string): ViewerOptions {
  const params = new URLSearchParams(search);
  const src = params.get('src');
  if (!src) throw new Error('query parameter src (master playlist URL) is required');
  return {
    src,
    cid: params.get('cid') ?? undefined,
    trackerUrls: params.getAll('tracker'),
    p2p: flagParam(params, 'p2p', true),
    pinHeight: numberParam(params, 'pin') ?? 0,
    rate: numberParam(params, 'rate') ?? 1,
    cdnFallbackDelay: numberParam(params, 'fallbackDelay'),
    label: params.get('label') ?? '',
    autoplay: flagParam(params, 'autoplay', true),
    integrity: (params.get('integrity') as IntegrityPolicy | null) ?? undefined,
  };
}

export function viewerQuery(options: Partial<ViewerOptions> & { src: string }): string {
  const params = new URLSearchParams();
  params.set('src', options.src);
  if (options.cid) params.set('cid', options.cid);
  for (const url of options.trackerUrls ?? []) params.append('tracker', url);
  if (options.p2p === false) params.set('p2p', '0');
  if (options.pinHeight) params.set('pin', String(options.pinHeight));
  if (options.rate !== undefined && options.rate !== 1) params.set('rate', String(options.rate));
  if (options.cdnFallbackDelay !== undefined) params.set('fallbackDelay', String(options.cdnFallbackDelay));
  if (options.label) params.set('label', options.label);
  if (options.autoplay === false) params.set('autoplay', '0');
  if (options.integrity) params.set('integrity', options.integrity);
  return params.toString();
}
