/**
 * A local stand-in for a Hive API node: answers `bridge.get_post` over JSON-RPC 2.0 in the
 * shape api.hive.blog gives (a post object whose `json_metadata` is already parsed, and
 * `Invalid parameters` errors for unknown posts), with CORS as public nodes send it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixturePost {
  author: string;
  permlink: string;
  title: string;
  json_metadata: Record<string, unknown>;
}

export interface HiveFixture {
  url: string;
  /** Every JSON-RPC call received, in order. */
  calls: { method: string; params: unknown }[];
  /** While set, answers every request with this HTTP status (a node in trouble). */
  failWithStatus: number | undefined;
  close(): Promise<void>;
}

/** json_metadata as 3Speak's publishing service writes it for a video on IPFS. */
export function threeSpeakMetadata(cid: string, title: string, thumbnailUrl: string): Record<string, unknown> {
  return {
    app: '3speak/0.4.0',
    type: '3speak/video',
    image: [thumbnailUrl],
    tags: ['threespeak', 'video'],
    video: {
      info: {
        platform: '3speak',
        title,
        author: 'alice',
        permlink: 'abcdefgh',
        duration: 60,
        filesize: 1234567,
        file: 'sample.mp4',
        ipfs: null,
        ipfsThumbnail: null,
        video_v2: `ipfs://${cid}/manifest.m3u8`,
        sourceMap: [
          { type: 'video', url: `ipfs://${cid}/manifest.m3u8`, format: 'm3u8' },
          { type: 'thumbnail', url: thumbnailUrl },
        ],
      },
      content: { description: 'A test video', tags: ['threespeak'] },
    },
  };
}

function fullPost(post: FixturePost): Record<string, unknown> {
  return {
    post_id: 123456789,
    author: post.author,
    permlink: post.permlink,
    category: 'hive-181335',
    title: post.title,
    body: 'Watch on 3Speak',
    json_metadata: post.json_metadata,
    created: '2025-01-02T03:04:05',
    updated: '2025-01-02T03:04:05',
    depth: 0,
    children: 0,
    net_rshares: 0,
    is_paidout: false,
    payout_at: '2025-01-09T03:04:05',
    payout: 0,
    pending_payout_value: '0.000 HBD',
    author_payout_value: '0.000 HBD',
    curator_payout_value: '0.000 HBD',
    promoted: '0.000 HBD',
    replies: [],
    author_reputation: 60.5,
    stats: { hide: false, gray: false, total_votes: 0, flag_weight: 0 },
    url: `/hive-181335/@${post.author}/${post.permlink}`,
    beneficiaries: [],
    max_accepted_payout: '1000000.000 HBD',
    percent_hbd: 10000,
    active_votes: [],
    blacklists: [],
    community: 'hive-181335',
    community_title: 'Threespeak',
    author_role: 'guest',
    author_title: '',
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHiveFixture(posts: FixturePost[]): Promise<HiveFixture> {
  const byKey = new Map(posts.map((post) => [`${post.author}/${post.permlink}`, post]));
  const fixture: HiveFixture = {
    url: '',
    calls: [],
    failWithStatus: undefined,
    close: async () => undefined,
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type' });
      res.end();
      return;
    }
    void readBody(req).then((text) => {
      let request: { id?: unknown; method?: unknown; params?: unknown };
      try {
        request = JSON.parse(text) as typeof request;
      } catch {
        send(res, 200, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
        return;
      }
      fixture.calls.push({ method: String(request.method), params: request.params });
      if (fixture.failWithStatus !== undefined) {
        res.writeHead(fixture.failWithStatus, { 'Content-Type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
        return;
      }
      const id = request.id ?? null;
      if (request.method !== 'bridge.get_post') {
        send(res, 200, { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id });
        return;
      }
      const params = (request.params ?? {}) as { author?: string; permlink?: string };
      const post = byKey.get(`${params.author}/${params.permlink}`);
      if (!post) {
        send(res, 200, {
          jsonrpc: '2.0',
          error: { code: -32602, message: 'Invalid parameters', data: `Post ${params.author}/${params.permlink} does not exist` },
          id,
        });
        return;
      }
      send(res, 200, { jsonrpc: '2.0', result: fullPost(post), id });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fixture.url = `http://127.0.0.1:${port}`;
  fixture.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return fixture;
}
