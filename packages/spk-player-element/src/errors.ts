/**
 * The failures the element can show. Each code has a fixed, human-readable explanation; the
 * `detail` carries the specific value or server answer and is only ever rendered as text.
 */
export type SpkErrorCode =
  | 'no-source'
  | 'invalid-src'
  | 'invalid-cid'
  | 'invalid-v'
  | 'invalid-attribute'
  | 'post-not-found'
  | 'not-a-video'
  | 'hive-unavailable'
  | 'gateway-unavailable'
  | 'media-error'
  | 'player-load-failed';

const TITLES: Record<SpkErrorCode, string> = {
  'no-source': 'No video given',
  'invalid-src': 'Invalid video URL',
  'invalid-cid': 'Invalid video CID',
  'invalid-v': 'Invalid video reference',
  'invalid-attribute': 'Invalid player setting',
  'post-not-found': 'Video post not found',
  'not-a-video': 'This post is not a video',
  'hive-unavailable': 'Could not reach the Hive API',
  'gateway-unavailable': 'Could not load the video',
  'media-error': 'The video could not be played',
  'player-load-failed': 'The player could not be loaded',
};

/** Failures that may pass on their own (network, servers): the element offers a retry. */
const RETRIABLE: ReadonlySet<SpkErrorCode> = new Set<SpkErrorCode>([
  'hive-unavailable',
  'gateway-unavailable',
  'media-error',
  'player-load-failed',
]);

export class SpkPlayerError extends Error {
  readonly code: SpkErrorCode;
  readonly title: string;
  readonly detail: string;
  readonly retriable: boolean;

  constructor(code: SpkErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${TITLES[code]}: ${detail}`, options);
    this.name = 'SpkPlayerError';
    this.code = code;
    this.title = TITLES[code];
    this.detail = detail;
    this.retriable = RETRIABLE.has(code);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
