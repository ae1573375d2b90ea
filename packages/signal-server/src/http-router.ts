/**
 * A small router so modules (rooms/stats, reports, oEmbed, contributions) can each register
 * their routes on the one HTTP server. `handle` returns false for paths nobody registered, so an
 * attached server's own handler still gets them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => void | Promise<void>;
/** A handler that answers the requests it owns and returns false for the rest. */
export type MountedHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '600',
});

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(isHead(res) ? undefined : text);
}

function isHead(res: ServerResponse): boolean {
  return res.req?.method === 'HEAD';
}

export class HttpRouter {
  private readonly routes: Route[] = [];
  private readonly mounted: MountedHandler[] = [];

  /** `pattern` is a path whose `:name` segments become params, e.g. `/api/p2p/rooms/:videoCid`. */
  route(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), parts: pattern.split('/'), handler });
    return this;
  }

  /** Adds a handler that decides for itself which requests it owns (tried after the routes). */
  mount(handler: MountedHandler): this {
    this.mounted.push(handler);
    return this;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: 'bad request URL' });
      return true;
    }
    const parts = url.pathname.split('/');
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, parts);
      if (!params) continue;
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      await route.handler(req, res, params, url);
      return true;
    }
    if (allowed.length > 0) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...CORS_HEADERS, Allow: [...allowed, 'OPTIONS'].join(', ') });
        res.end();
      } else {
        sendJson(res, 405, { error: `use ${allowed.join(' or ')}` }, { Allow: [...allowed, 'OPTIONS'].join(', ') });
      }
      return true;
    }
    for (const handler of this.mounted) if (await handler(req, res)) return true;
    return false;
  }
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const got = parts[i] as string;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      try {
        params[want.slice(1)] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}

/** Thrown by route code: the status and message to answer with, and any extra headers. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Reads a JSON body of at most `maxBytes`, also returning the raw text (kept for audit by some
 * routes). `text/plain` is accepted too: `navigator.sendBeacon` and preflight-free `fetch` can only
 * send that type cross-origin. An oversized body is refused by its Content-Length before reading,
 * and the rest of it is drained so the connection can answer.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<{ value: unknown; raw: string }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && type !== 'text/plain' && type !== '') {
    throw new HttpError(415, 'send the body as application/json or text/plain');
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new HttpError(413, `body larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new HttpError(413, `body larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') throw new HttpError(400, 'empty body');
  try {
    return { value: JSON.parse(raw) as unknown, raw };
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}
