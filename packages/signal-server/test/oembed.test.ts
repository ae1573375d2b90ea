/**
 * The oEmbed provider: answers for our embed page and 3Speak links, sizes, Hive lookups
 * against a local JSON-RPC node speaking Hive's format, and every kind of bad `url`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createOembedHandler, handleOembed, oembedDiscoveryLink, registerOembedRoute, takeOembedFlags, type OembedConfig } from '../src/oembed.js';
import { createSignalServer } from '../src/server.js';

const CID = 'QmbZdiAs8BctWiWmcPdemMs8vD1Sjc3HBzpB5PdBBdrCve';
const THUMB_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';
const EMBED = 'https://player.example.org/spk/embed.html';

let hive: Server;
let hiveUrl: string;
let hiveDown = false;

before(async () => {
  // A Hive API node answering bridge.get_post as api.hive.blog does (parsed json_metadata,
  // "Invalid parameters" for unknown posts).
  hive = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (hiveDown) {
        res.writeHead(503);
        res.end();
        return;
      }
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; params: { author: string; permlink: string } };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (request.params.author === 'alice' && request.params.permlink === 'abcdefgh') {
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: request.id,
            result: {
              author: 'alice',
              permlink: 'abcdefgh',
              title: 'Post title',
              json_metadata: {
                app: '3speak/0.4.0',
                type: '3speak/video',
                image: [],
                video: {
                  info: {
                    title: 'Colour bars "live" <test>',
                    sourceMap: [
                      { type: 'video', url: `ipfs://${CID}/manifest.m3u8`, format: 'm3u8' },
                      { type: 'thumbnail', url: `ipfs://${THUMB_CID}` },
                    ],
                  },
                },
              },
            },
          }),
        );
      } else {
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: request.id,
            error: { code: -32602, message: 'Invalid parameters', data: `Post ${request.params.author}/${request.params.permlink} does not exist` },
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => hive.listen(0, '127.0.0.1', resolve));
  hiveUrl = `http://127.0.0.1:${(hive.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => hive.close(() => resolve()));
});

const config = (): OembedConfig => ({ embedPageUrl: EMBED, gateway: 'https://ipfs.3speak.tv', hiveApiNodes: [hiveUrl] });

async function ask(params: Record<string, string>, options: OembedConfig = config()) {
  const result = await handleOembed(new URLSearchParams(params), options);
  return { status: result.status, headers: result.headers, body: JSON.parse(result.body) as Record<string, unknown> };
}

describe('oEmbed provider', () => {
  test('answers a cid embed page URL with a video iframe', async () => {
    const { status, body, headers } = await ask({ url: `${EMBED}?cid=${CID}`, format: 'json' });
    assert.equal(status, 200);
    assert.equal(headers['Content-Type'], 'application/json; charset=utf-8');
    assert.equal(body.type, 'video');
    assert.equal(body.version, '1.0');
    assert.equal(body.width, 640);
    assert.equal(body.height, 360);
    assert.equal(body.provider_name, 'SPK Network');
    assert.match(String(body.html), new RegExp(`^<iframe src="${EMBED.replace(/\./g, '\\.')}\\?cid=${CID}" width="640" height="360" `));
    assert.match(String(body.html), /allowfullscreen><\/iframe>$/);
  });

  test('answers a v embed page URL with the post title and thumbnail from Hive, escaped in the html', async () => {
    const { status, body } = await ask({ url: `${EMBED}?v=alice/abcdefgh` });
    assert.equal(status, 200);
    assert.equal(body.title, 'Colour bars "live" <test>');
    assert.equal(body.author_name, 'alice');
    assert.equal(body.thumbnail_url, `https://ipfs.3speak.tv/ipfs/${THUMB_CID}`);
    assert.equal(body.thumbnail_width, 640);
    assert.ok(String(body.html).includes('title="Colour bars &quot;live&quot; &lt;test&gt;"'), String(body.html));
    assert.ok(String(body.html).includes(`src="${EMBED}?v=alice/abcdefgh"`));
  });

  test('maps 3Speak watch and embed links onto our embed page', async () => {
    for (const link of ['https://3speak.tv/watch?v=alice/abcdefgh', 'https://play.3speak.tv/embed?v=alice/abcdefgh&mode=iframe']) {
      const { status, body } = await ask({ url: link });
      assert.equal(status, 200, link);
      assert.ok(String(body.html).includes(`src="${EMBED}?v=alice/abcdefgh"`), link);
    }
  });

  test('honours maxwidth and maxheight, keeping 16:9', async () => {
    assert.deepEqual(
      await ask({ url: `${EMBED}?cid=${CID}`, maxwidth: '320' }).then(({ body }) => [body.width, body.height]),
      [320, 180],
    );
    assert.deepEqual(
      await ask({ url: `${EMBED}?cid=${CID}`, maxwidth: '1000', maxheight: '90' }).then(({ body }) => [body.width, body.height]),
      [160, 90],
    );
  });

  test('embeds without title and thumbnail when the Hive API is down', async () => {
    hiveDown = true;
    try {
      const { status, body } = await ask({ url: `${EMBED}?v=alice/abcdefgh` });
      assert.equal(status, 200);
      assert.equal(body.title, '@alice/abcdefgh');
      assert.equal(body.thumbnail_url, undefined);
    } finally {
      hiveDown = false;
    }
  });

  const bad: [string, Record<string, string>, number][] = [
    ['missing url', {}, 400],
    ['empty url', { url: '' }, 400],
    ['not a URL', { url: 'not a url' }, 400],
    ['javascript: URL', { url: 'javascript:alert(1)//?v=alice/abcdefgh' }, 400],
    ['overlong url', { url: `${EMBED}?cid=${'Q'.repeat(3000)}` }, 400],
    ['another site', { url: 'https://example.com/embed.html?v=alice/abcdefgh' }, 404],
    ['our page without a video', { url: EMBED }, 404],
    ['an invalid v', { url: `${EMBED}?v=<script>/x` }, 404],
    ['an invalid cid', { url: `${EMBED}?cid="><script>` }, 404],
    ['a post that does not exist', { url: `${EMBED}?v=alice/nope` }, 404],
    ['a 3Speak link over http', { url: 'http://3speak.tv/watch?v=alice/abcdefgh' }, 404],
    ['format=xml', { url: `${EMBED}?cid=${CID}`, format: 'xml' }, 501],
  ];
  for (const [name, params, status] of bad) {
    test(`rejects ${name} with ${status} and a JSON error`, async () => {
      const result = await ask(params);
      assert.equal(result.status, status);
      assert.equal(typeof result.body.error, 'string');
      assert.equal(result.body.html, undefined);
    });
  }

  test('the Node handler serves GET /oembed over HTTP with CORS', async () => {
    const server = createServer((req, res) => void createOembedHandler(config())(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/oembed?url=${encodeURIComponent(`${EMBED}?cid=${CID}`)}&format=json`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      const body = (await response.json()) as { type: string };
      assert.equal(body.type, 'video');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('builds a discovery link with the page URL escaped', () => {
    const link = oembedDiscoveryLink(`${EMBED}?v=alice/abcdefgh&autoplay=1`, 'https://signal.example.org/oembed');
    assert.equal(
      link,
      '<link rel="alternate" type="application/json+oembed" href="https://signal.example.org/oembed?url=https%3A%2F%2Fplayer.example.org%2Fspk%2Fembed.html%3Fv%3Dalice%2Fabcdefgh%26autoplay%3D1&amp;format=json" title="SPK video">',
    );
  });

  test('mounted on the signal server, GET /oembed answers next to its own API', async () => {
    const server = createSignalServer({ logLevel: 'silent' });
    registerOembedRoute(server.router, config());
    const address = await server.listen(0, '127.0.0.1');
    try {
      const response = await fetch(`${address.url}/oembed?url=${encodeURIComponent(`${EMBED}?v=alice/abcdefgh`)}&format=json`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as { type: string; title: string };
      assert.equal(body.type, 'video');
      assert.equal(body.title, 'Colour bars "live" <test>');
      const bad = await fetch(`${address.url}/oembed?url=${encodeURIComponent('https://example.com/x')}`);
      assert.equal(bad.status, 404);
      const health = await fetch(`${address.url}/healthz`);
      assert.equal(health.status, 200, 'the server\'s own routes still answer');
    } finally {
      await server.close();
    }
  });

  test('serve flags: --embed-url turns oEmbed on; other flags pass through; bad values are readable errors', () => {
    const off = takeOembedFlags(['--port', '9000'], {});
    assert.equal(off.config, undefined);
    assert.deepEqual(off.rest, ['--port', '9000']);
    const on = takeOembedFlags(['--port', '9000', '--embed-url', EMBED, '--oembed-hive-api=http://127.0.0.1:1,http://127.0.0.1:2'], {});
    assert.deepEqual(on.rest, ['--port', '9000']);
    assert.deepEqual(on.config, { embedPageUrl: EMBED, gateway: 'https://ipfs-3speak.b-cdn.net/', hiveApiNodes: ['http://127.0.0.1:1/', 'http://127.0.0.1:2/'] });
    const fromEnv = takeOembedFlags([], { SPK_SIGNAL_EMBED_URL: EMBED, SPK_SIGNAL_HIVE_API: 'http://127.0.0.1:3' });
    assert.deepEqual(fromEnv.config?.hiveApiNodes, ['http://127.0.0.1:3/']);
    assert.throws(() => takeOembedFlags(['--embed-url', 'embed.html'], {}), /--embed-url must be an absolute http\(s\) URL/);
    assert.throws(() => takeOembedFlags(['--embed-url'], {}), /--embed-url needs a value/);
  });

  test('spk-signal serve --embed-url serves GET /oembed', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const env = { ...process.env };
    // The child is a server, not a test file: it must not think it runs under the test runner.
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'serve', '--port', '0', '--log-level', 'info', '--no-contributions', '--embed-url', EMBED, '--oembed-hive-api', hiveUrl],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const signalUrl = await new Promise<string>((resolve, reject) => {
        let buffered = '';
        const timer = setTimeout(() => reject(new Error(`spk-signal did not report ready: ${buffered}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const match = /"signalUrl":"([^"]+)"/.exec(buffered);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`spk-signal exited with ${code}: ${buffered}`));
        });
      });
      const base = signalUrl.replace(/^ws/, 'http').replace(/\/api\/p2p\/signal$/, '');
      const response = await fetch(`${base}/oembed?url=${encodeURIComponent(`${EMBED}?v=alice/abcdefgh`)}&format=json`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as { type: string; html: string; title: string };
      assert.equal(body.type, 'video');
      assert.equal(body.title, 'Colour bars "live" <test>');
      assert.ok(body.html.startsWith(`<iframe src="${EMBED}?v=alice/abcdefgh"`));
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
