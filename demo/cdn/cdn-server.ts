/**
 * A local stand-in for an IPFS gateway / CDN edge: serves `<root>/ipfs/<cid>/…` with CORS and
 * Range requests, optional added latency and a per-connection bandwidth cap, and counts the
 * media bytes it sends per client — the CDN cost the tests and benchmarks read.
 *
 * A client is named by an optional path prefix, `/client/<clientId>/ipfs/<cid>/…`, so each
 * viewer of a benchmark can use its own "gateway" while all of them share one P2P swarm.
 *
 * `/files/<cid>/…` serves the same files under a CDN's own layout (a path that names no CID to
 * a player), and a playlist asked for with `?token=…` lists its URIs with that token, as signed
 * CDN URLs do: every viewer then fetches different URLs for the same segments.
 *
 * It also answers trustless-gateway block requests (`/ipfs/<cid>?format=raw`), see trustless-gateway.ts.
 */
import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MEDIA_ROOT } from '../media/sample.js';
import { type BlockFault, isBlockRequest, TrustlessGateway } from './trustless-gateway.js';

export interface CdnOptions {
  /** Folder holding `ipfs/<cid>/…`; defaults to the committed sample media. */
  root?: string;
  port?: number;
  host?: string;
  /** Added before every media response, as a far CDN edge would. */
  latencyMs?: number;
  /** Cap on media bytes per second for each TCP connection; 0 or unset means unlimited. */
  bandwidthBytesPerSec?: number;
  /** URL prefix → folder for pages and bundles, served without latency, cap or counting. */
  staticDirs?: Record<string, string>;
  /** Cache-Control for media; `no-store` by default so every byte a player gets is counted here. */
  mediaCacheControl?: string;
}

export interface BytesServed {
  total: number;
  requests: number;
  byClient: Record<string, number>;
  /** Raw IPFS blocks answered (`?format=raw`), counted apart from the media bytes. */
  blockRequests: number;
  blockBytes: number;
}

export interface CdnServer {
  /** Base URL, usable as a gateway: `${url}/ipfs/<cid>/manifest.m3u8`. */
  readonly url: string;
  readonly port: number;
  /** Gateway URL whose traffic is counted under `clientId`. */
  clientUrl(clientId: string): string;
  bytesServed(): BytesServed;
  resetCounters(): void;
  /** Latency for every media response, or only for one client's (`clientUrl`) when `clientId` is given. */
  setLatency(ms: number, clientId?: string): void;
  setBandwidth(bytesPerSec: number): void;
  /** From now on one client's media requests get no answer at all (a gateway that hangs), until `close()`. */
  stallClient(clientId: string): void;
  /** Makes every block answer broken in one way, to play a lying or misconfigured gateway. */
  setBlockFault(fault: BlockFault): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ANONYMOUS = 'anonymous';
/** Pacing granularity of the bandwidth cap: small enough to be smooth, large enough to be cheap. */
const PACING_TICK_MS = 20;

type ByteRange = { start: number; end: number };

/** Parses a single-range `Range` header against a file size; `null` means unsatisfiable. */
export function parseRange(header: string, size: number): ByteRange | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return null;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

/**
 * A per-connection token bucket: all responses on one keep-alive connection share its cap,
 * like a real bottleneck link would.
 */
class ConnectionThrottle {
  private available: number;
  private lastRefill = Date.now();

  constructor(private readonly bytesPerSec: () => number) {
    this.available = 0;
  }

  /** Milliseconds to wait before `bytes` may be sent (0 when they may go now). */
  take(bytes: number): number {
    const rate = this.bytesPerSec();
    if (rate <= 0) return 0;
    const now = Date.now();
    // Allow at most one tick of burst so an idle connection cannot save up a large head start.
    this.available = Math.min(this.available + ((now - this.lastRefill) / 1000) * rate, (rate * PACING_TICK_MS) / 1000);
    this.lastRefill = now;
    this.available -= bytes;
    return this.available >= 0 ? 0 : (-this.available / rate) * 1000;
  }
}

class ThrottledCounter extends Transform {
  constructor(
    private readonly throttle: ConnectionThrottle,
    private readonly chunkSize: () => number,
    private readonly onBytes: (n: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.sendFrom(chunk, 0, done);
  }

  private sendFrom(chunk: Buffer, offset: number, done: TransformCallback): void {
    if (offset >= chunk.length) {
      done();
      return;
    }
    const piece = chunk.subarray(offset, offset + this.chunkSize());
    const waitMs = this.throttle.take(piece.length);
    const send = () => {
      this.onBytes(piece.length);
      this.push(piece);
      this.sendFrom(chunk, offset + piece.length, done);
    };
    if (waitMs > 0) setTimeout(send, waitMs);
    else send();
  }
}

/** Every URI line of a playlist with `token` added to its query, as a signing CDN writes them. */
export function signPlaylist(text: string, token: string): string {
  const query = `token=${encodeURIComponent(token)}`;
  return text
    .split('\n')
    .map((line) => (line.trim() === '' || line.startsWith('#') ? line : `${line}${line.includes('?') ? '&' : '?'}${query}`))
    .join('\n');
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export async function startCdn(options: CdnOptions = {}): Promise<CdnServer> {
  const root = normalize(options.root ?? MEDIA_ROOT);
  const ipfsRoot = join(root, 'ipfs');
  const staticDirs = Object.entries(options.staticDirs ?? {})
    .map(([prefix, dir]) => ({ prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, dir: normalize(dir) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const mediaCacheControl = options.mediaCacheControl ?? 'no-store';
  let latencyMs = options.latencyMs ?? 0;
  const latencyByClient = new Map<string, number>();
  const stalledClients = new Set<string>();
  let bandwidth = options.bandwidthBytesPerSec ?? 0;
  const emptyCounters = (): BytesServed => ({ total: 0, requests: 0, byClient: {}, blockRequests: 0, blockBytes: 0 });
  let counters = emptyCounters();
  const gateway = new TrustlessGateway(ipfsRoot);
  const throttles = new WeakMap<Socket, ConnectionThrottle>();
  const sockets = new Set<Socket>();

  const count = (clientId: string) => (bytes: number) => {
    counters.total += bytes;
    counters.byClient[clientId] = (counters.byClient[clientId] ?? 0) + bytes;
  };

  function fail(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${message}\n`);
  }

  async function sendFile(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    media: { clientId: string } | null,
  ): Promise<void> {
    let info: Stats;
    try {
      info = await stat(path);
    } catch {
      fail(res, 404, 'Not found');
      return;
    }
    if (!info.isFile()) {
      fail(res, 404, 'Not found');
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Cache-Control': media ? mediaCacheControl : 'no-cache',
    };
    let range: ByteRange = { start: 0, end: info.size - 1 };
    let status = 200;
    const rangeHeader = req.headers.range;
    if (rangeHeader !== undefined) {
      const parsed = parseRange(rangeHeader, info.size);
      if (!parsed) {
        res.writeHead(416, { 'Content-Range': `bytes */${info.size}` });
        res.end();
        return;
      }
      range = parsed;
      status = 206;
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;
    }
    headers['Content-Length'] = info.size === 0 ? 0 : range.end - range.start + 1;

    // No timer: the request just stays open until the client gives up or the server closes.
    if (media && stalledClients.has(media.clientId)) return;
    if (media) {
      counters.requests += 1;
      const delayMs = latencyByClient.get(media.clientId) ?? latencyMs;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (res.destroyed) return;
    }
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || info.size === 0) {
      res.end();
      return;
    }
    const source = createReadStream(path, { start: range.start, end: range.end, highWaterMark: 64 * 1024 });
    try {
      if (media) {
        const socket = req.socket;
        let throttle = throttles.get(socket);
        if (!throttle) {
          throttle = new ConnectionThrottle(() => bandwidth);
          throttles.set(socket, throttle);
        }
        const chunkSize = () => (bandwidth > 0 ? Math.max(1024, Math.floor((bandwidth * PACING_TICK_MS) / 1000)) : 64 * 1024);
        await pipeline(source, new ThrottledCounter(throttle, chunkSize, count(media.clientId)), res);
      } else {
        await pipeline(source, res);
      }
    } catch {
      // The client went away mid-body (an aborted segment): nothing to answer any more.
    }
  }

  async function sendSignedPlaylist(res: ServerResponse, path: string, token: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      fail(res, 404, 'Not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES['.m3u8'] as string, 'Cache-Control': 'no-store' });
    res.end(signPlaylist(text, token));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': 'Range, Content-Type, Accept',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(res, 405, 'Method not allowed');
      return;
    }
    let pathname: string;
    let search: URLSearchParams;
    try {
      const requestUrl = new URL(req.url ?? '/', 'http://cdn.local');
      pathname = decodeURIComponent(requestUrl.pathname);
      search = requestUrl.searchParams;
    } catch {
      fail(res, 400, 'Bad request path');
      return;
    }
    if (pathname === '/__cdn/stats') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(counters));
      return;
    }

    let clientId = ANONYMOUS;
    let mediaPath = pathname;
    const tagged = /^\/client\/([^/]+)(\/(?:ipfs|files)\/.*)$/.exec(pathname);
    if (tagged) {
      if (!CLIENT_ID.test(tagged[1] ?? '')) {
        fail(res, 400, 'Client id must be 1-64 characters of A-Z a-z 0-9 _ -');
        return;
      }
      clientId = tagged[1] as string;
      mediaPath = tagged[2] as string;
    }
    const layout = /^\/(?:ipfs|files)\//.exec(mediaPath)?.[0];
    if (layout !== undefined) {
      const [name = '', ...rest] = mediaPath.slice(layout.length).split('/');
      if (layout === '/ipfs/' && isBlockRequest(search, req.headers.accept)) {
        if (rest.some((part) => part !== '')) {
          fail(res, 400, 'This gateway answers ?format=raw for a bare CID only, not a path');
          return;
        }
        const answer = await gateway.block(name);
        if (answer.status === 200) {
          counters.blockRequests += 1;
          counters.blockBytes += typeof answer.body === 'string' ? Buffer.byteLength(answer.body) : answer.body.length;
        }
        res.writeHead(answer.status, answer.headers);
        res.end(req.method === 'HEAD' ? undefined : answer.body);
        return;
      }
      const folder = await gateway.folderOf(name);
      const file = normalize(join(ipfsRoot, folder, ...rest));
      if (!isInside(ipfsRoot, file)) {
        fail(res, 403, 'Forbidden');
        return;
      }
      const token = search.get('token');
      if (token !== null && extname(file) === '.m3u8') await sendSignedPlaylist(res, file, token);
      else await sendFile(req, res, file, { clientId });
      return;
    }
    for (const { prefix, dir } of staticDirs) {
      if (pathname.startsWith(prefix) || `${pathname}/` === prefix) {
        let file = normalize(join(dir, pathname.slice(prefix.length)));
        if (!isInside(dir, file)) {
          fail(res, 403, 'Forbidden');
          return;
        }
        if (file === dir || pathname.endsWith('/')) file = join(file, 'index.html');
        await sendFile(req, res, file, null);
        return;
      }
    }
    fail(res, 404, 'Not found');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) fail(res, 500, `Internal error: ${String(error)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    clientUrl: (clientId) => {
      if (!CLIENT_ID.test(clientId)) throw new Error(`Invalid CDN client id "${clientId}"`);
      return `${url}/client/${clientId}`;
    },
    bytesServed: () => ({ ...counters, byClient: { ...counters.byClient } }),
    resetCounters: () => {
      counters = emptyCounters();
    },
    setLatency: (ms, clientId) => {
      if (clientId === undefined) latencyMs = Math.max(0, ms);
      else latencyByClient.set(clientId, Math.max(0, ms));
    },
    stallClient: (clientId) => {
      stalledClients.add(clientId);
    },
    setBandwidth: (bytesPerSec) => {
      bandwidth = Math.max(0, bytesPerSec);
    },
    setBlockFault: (fault) => {
      gateway.fault = fault;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
