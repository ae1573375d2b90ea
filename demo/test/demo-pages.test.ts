/**
 * `npm start`'s server process and the demo pages in real Chromium: the start script is run as
 * a child process (on free ports), and each page must load and play through the real signal
 * server, local CDN, plugin and element bundles.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../test-support/browser.js';
import { SAMPLE_CID } from '../media/sample.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface StartedDemo {
  child: ChildProcess;
  url: string;
  stdout: () => string;
}

async function startDemo(): Promise<StartedDemo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', '--port', '0', '--signal-port', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not print its URL in 30 s; stderr: ${stderr}`)), 30_000);
    const onData = () => {
      const line = /^(http:\/\/\S+)\n/.exec(stdout);
      if (line?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(line[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}: ${stderr}`));
    });
  });
  return { child, url, stdout: () => stdout };
}

describe('demo site (npm start)', () => {
  let demo: StartedDemo;
  let browser: Browser;
  let context: BrowserContext;

  before(async () => {
    [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
    context = await browser.newContext();
  });
  after(async () => {
    await browser?.close();
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
  });

  it('prints exactly one URL, on loopback, and serves a home page linking every demo page', async () => {
    assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(demo.stdout().trim().split('\n'), [demo.url]);
    const page = await context.newPage();
    await page.goto(demo.url);
    const links = await page.locator('header.site a').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
    for (const href of ['/watch.html', '/swarm.html', '/share.html', '/dashboard/', '/bench-report.html']) assert.ok(links.includes(href), `nav links to ${href}`);
    await page.close();
  });

  it('serves the contributions API the dashboard reads, on the signal server named in /config/demo.json', async () => {
    const config = (await (await fetch(`${demo.url}config/demo.json`)).json()) as { signalHttpUrl: string; signalUrl: string; cid: string };
    assert.match(config.signalUrl, /^ws:\/\/127\.0\.0\.1:\d+\/api\/p2p\/signal$/);
    assert.equal(config.cid, SAMPLE_CID);
    const leaderboard = await fetch(`${config.signalHttpUrl}/api/p2p/leaderboard?period=day&limit=5`);
    assert.equal(leaderboard.status, 200);
    assert.ok(Array.isArray(((await leaderboard.json()) as { entries?: unknown }).entries));
    assert.equal((await fetch(`${demo.url}dashboard/`)).status, 200);
  });

  it('watch page: <spk-player> plays with P2P on, shows live stats and draws the chart', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}watch.html`);
    await page.waitForFunction(() => {
      const watch = window.spkWatch;
      return watch !== undefined && (watch.error !== undefined || (watch.playing && watch.samples >= 2));
    }, undefined, { timeout: 45_000 });
    const state = await page.evaluate(() => window.spkWatch);
    assert.equal(state?.error, undefined);
    assert.equal(state?.last?.mode, 'p2p');
    assert.ok((state?.last?.cdnBytes ?? 0) > 0, 'segments arrived');
    assert.equal(await page.locator('[data-stat="mode"] b').textContent(), 'p2p');
    assert.equal(await page.locator('#chart .uplot canvas').count(), 1, 'uPlot chart drawn');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('swarm page: two viewers in one tab share segments over WebRTC', async () => {
    const page = await context.newPage();
    await page.goto(`${demo.url}swarm.html?n=2&gap=1000`);
    await page.waitForFunction(() => {
      const swarm = window.spkSwarm;
      return swarm !== undefined && swarm.playing === 2 && swarm.p2pBytes > 0;
    }, undefined, { timeout: 60_000 });
    const swarm = await page.evaluate(() => window.spkSwarm);
    assert.ok((swarm?.cdnBytes ?? 0) > 0, 'the CDN served the first segments');
    assert.ok(Number(await page.locator('[data-stat="peers"] b').textContent()) > 0, 'peer connections shown');
    await page.close();
  });

  it('embed & share page: snippets for the demo video and a working embed preview', async () => {
    const page = await context.newPage();
    await page.goto(`${demo.url}share.html`);
    await page.waitForFunction(() => {
      const snippets = (document.querySelector('spk-embed-snippet') as (Element & { snippets?: unknown }) | null)?.snippets;
      return typeof snippets === 'object' && snippets !== null && 'tag' in snippets;
    }, undefined, { timeout: 20_000 });
    const snippets = await page.evaluate(() => (document.querySelector('spk-embed-snippet') as Element & { snippets: { tag: string; iframe: string; oembedUrl: string } }).snippets);
    assert.ok(snippets.tag.includes(`cid="${SAMPLE_CID}"`), snippets.tag);
    assert.match(snippets.iframe, /<iframe src="http:\/\/127\.0\.0\.1:\d+\/vendor\/spk-player\/embed\.html\?cid=/);
    assert.match(snippets.oembedUrl, /\/oembed\?url=/);
    const oembed = await fetch(snippets.oembedUrl);
    assert.equal(oembed.status, 200, 'the demo signal server answers the share page\'s oEmbed URL');
    const body = (await oembed.json()) as { type: string; html: string };
    assert.equal(body.type, 'video');
    assert.ok(body.html.includes(SAMPLE_CID), body.html);
    const preview = page.frameLocator('#preview');
    await preview.locator('spk-player').waitFor({ timeout: 20_000 });
    await page.close();
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = once(demo.child, 'exit');
    demo.child.kill('SIGTERM');
    const [code] = (await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('no exit within 10 s')), 10_000))])) as [number | null];
    assert.equal(code, 0);
  });
});

