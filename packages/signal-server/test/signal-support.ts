/** Helpers for the signal-server tests: a real server on loopback and real WebSocket clients. */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createSignalServer, type ListenAddress, type SignalServer, type SignalServerOptions } from '../src/index.js';

export const CID = 'QmbZdiAs8BctWiWmcPdemMs8vD1Sjc3HBzpB5PdBBdrCve';
export const OTHER_CID = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG';

export type Json = Record<string, unknown>;

/** A 20-byte id as the tracker protocol carries it: one code point 0–255 per byte. */
export function binaryId(): string {
  return String.fromCharCode(...randomBytes(20));
}

export function session(): string {
  return randomBytes(16).toString('hex');
}

export async function startServer(options: SignalServerOptions = {}): Promise<{ server: SignalServer; address: ListenAddress }> {
  const server = createSignalServer({ logLevel: 'silent', ...options });
  const address = await server.listen(0, '127.0.0.1');
  return { server, address };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A WebSocket client that queues every message so a test can wait for the one it expects. */
export class TestClient {
  readonly messages: Json[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Json);
      this.wake();
    });
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.wake();
        resolve();
      });
    });
    // The tests look at close codes and messages; a socket error must not be an uncaught exception.
    ws.on('error', () => undefined);
  }

  static async connect(signalUrl: string, query: Record<string, string> = { cid: CID }, headers: Record<string, string> = {}): Promise<TestClient> {
    const url = new URL(signalUrl);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const client = new TestClient(new WebSocket(url, { headers, perMessageDeflate: false }));
    await client.opened;
    return client;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with (and removes) the first queued message matching `match`. */
  async next(match: (message: Json) => boolean = () => true, timeoutMs = 3000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Json;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode} ${this.closeReason}) before the expected message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async failure(timeoutMs = 3000): Promise<Json> {
    return this.next((message) => 'failure reason' in message, timeoutMs);
  }

  async waitClosed(timeoutMs = 3000): Promise<{ code: number | undefined; reason: string }> {
    await Promise.race([
      this.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { code: this.closeCode, reason: this.closeReason };
  }

  close(): void {
    this.ws.terminate();
  }
}

export function offer(sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n'): { offer: { type: 'offer'; sdp: string }; offer_id: string } {
  return { offer: { type: 'offer', sdp }, offer_id: binaryId() };
}

export function announce(infoHash: string, peerId: string, extra: Json = {}): Json {
  return { action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 5, uploaded: 0, downloaded: 0, ...extra };
}
