/**
 * Body reading for the contributions routes: like the router's, but it also returns the raw text
 * (kept for audit) and refuses an oversized body by its Content-Length before reading it.
 * Replies go through the router's `sendJson` (JSON, CORS, HEAD).
 */
import type { IncomingMessage } from 'node:http';
export { CORS_HEADERS, sendJson } from '../http-router.js';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Reads a JSON body of at most `maxBytes`. `text/plain` is accepted too: `navigator.sendBeacon`
 * and preflight-free `fetch` can only send that type cross-origin.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<{ value: unknown; raw: string }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && type !== 'text/plain' && type !== '') {
    throw new HttpError(415, 'send the report as application/json or text/plain');
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
