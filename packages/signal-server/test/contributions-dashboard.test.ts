/**
 * The contribution dashboard page in Chromium against a real signal server with contributions:
 * it finds this browser's viewer, shows its credited bytes and the leaderboard, draws the
 * charts, and links a Hive account through a Keychain-shaped signer (a key pair made here; the
 * account lives on a local Hive JSON-RPC fixture).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import WebSocket from 'ws';
import { PrivateKey, cryptoUtils } from '@hiveio/dhive';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../demo/test-support/browser.js';
import { startCdn, type CdnServer } from '../../../demo/cdn/cdn-server.js';
import { createSignalServer, type ListenAddress, type SignalServer } from '../src/index.js';
import { attachContributions } from '../src/contributions/mount.js';
import type { Contributions } from '../src/contributions/index.js';
import { hashSecret, peerIdToHex, publicViewerId } from '../src/contributions/identity.js';
import { createTestDatabase, makeReport, postJson, randomSecret, type TestDatabase } from './contributions-support.js';
import { startHiveFixture, type HiveFixture } from './contributions-hive-fixture.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const CID = 'QmbZdiAs8BctWiWmcPdemMs8vD1Sjc3HBzpB5PdBBdrCve';

async function announce(signalUrl: string, session: string, infoHash: string): Promise<{ socket: WebSocket; hex: string }> {
  const url = new URL(signalUrl);
  url.searchParams.set('cid', CID);
  url.searchParams.set('session', session);
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await once(socket, 'open');
  const peerId = String.fromCharCode(...randomBytes(20));
  const replied = once(socket, 'message');
  socket.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 5, uploaded: 0, downloaded: 0, left: 0, event: 'started', offers: [] }));
  await replied;
  return { socket, hex: peerIdToHex(peerId) };
}

describe('contribution dashboard page', () => {
  let testDb: TestDatabase;
  let hive: HiveFixture;
  let server: SignalServer;
  let address: ListenAddress;
  let contributions: Contributions;
  let site: CdnServer;
  let browser: Browser;
  let configDir: string;
  const sockets: WebSocket[] = [];
  const postingKey = PrivateKey.fromSeed('dashboard test posting key');

  before(async () => {
    // One at a time, so after() can close whatever started when a later step fails.
    hive = await startHiveFixture();
    testDb = await createTestDatabase('sqlite');
    browser = await launchChromium();
    hive.setAccounts([{ name: 'alice', postingKeys: [postingKey.createPublic().toString()] }]);
    server = createSignalServer({ logLevel: 'silent' });
    contributions = await attachContributions(server, { ...testDb.options, hiveApi: hive.url, credit: { sameAddressPairCapBytes: Infinity } });
    address = await server.listen(0, '127.0.0.1');
    configDir = mkdtempSync(join(tmpdir(), 'spk-dashboard-'));
    writeFileSync(join(configDir, 'demo.json'), JSON.stringify({ signalHttpUrl: address.url }));
    site = await startCdn({
      staticDirs: { '/': join(repoRoot, 'demo', 'site'), '/vendor/uplot': join(repoRoot, 'node_modules', 'uplot', 'dist'), '/config': configDir },
    });
  });
  after(async () => {
    for (const socket of sockets) socket.terminate();
    await browser?.close();
    await site?.close();
    await server?.close();
    await contributions?.close();
    await Promise.all([testDb?.drop(), hive?.close()]);
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('shows this browser’s credited bytes, the leaderboard and charts, and links a Hive account with a Keychain signature', async () => {
    const swarm = String.fromCharCode(...randomBytes(20));
    const viewerSecret = randomSecret();
    const a = { session: randomSecret() };
    const b = { session: randomSecret() };
    const peerA = await announce(address.signalUrl, a.session, swarm);
    const peerB = await announce(address.signalUrl, b.session, swarm);
    sockets.push(peerA.socket, peerB.socket);
    const endpoint = `${address.url}/api/p2p/contribution`;
    assert.equal((await postJson(endpoint, makeReport(a.session, [{ peerId: peerB.hex, uploaded: 2_000_000, downloaded: 0 }], { viewer: viewerSecret, videoCid: CID }))).status, 201);
    assert.equal((await postJson(endpoint, makeReport(b.session, [{ peerId: peerA.hex, uploaded: 0, downloaded: 1_500_000 }], { videoCid: CID }))).status, 201);
    const publicId = publicViewerId(hashSecret('viewer', viewerSecret));

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // This browser's viewer secret, where the player's reporter keeps it.
      await page.goto(`${site.url}/styles.css`);
      await page.evaluate(async (secret) => {
        await new Promise<void>((resolve, reject) => {
          const request = indexedDB.open('spk-p2p-contributions', 1);
          request.onupgradeneeded = () => {
            const pending = request.result.createObjectStore('pending', { keyPath: 'reportId' });
            pending.createIndex('createdAt', 'createdAt');
            request.result.createObjectStore('meta');
          };
          request.onsuccess = () => {
            const tx = request.result.transaction('meta', 'readwrite');
            tx.objectStore('meta').put(secret, 'viewer');
            tx.oncomplete = () => {
              request.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
          request.onerror = () => reject(request.error);
        });
      }, viewerSecret);
      // Keychain's API shape, signing with the key made above.
      await page.exposeFunction('signForTest', (message: string) => postingKey.sign(cryptoUtils.sha256(message)).toString());
      await page.addInitScript(() => {
        (window as unknown as { hive_keychain: unknown }).hive_keychain = {
          requestSignBuffer(_user: string, message: string, _role: string, callback: (r: { success: boolean; result?: string }) => void) {
            void (window as unknown as { signForTest(m: string): Promise<string> }).signForTest(message).then((result) => callback({ success: true, result }));
          },
        };
      });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${site.url}/dashboard/`);
      await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });

      assert.equal(await page.textContent('#viewer'), publicId);
      assert.equal(await page.textContent('[data-stat="credited-day"] b'), '1.50 MB');
      assert.equal(await page.textContent('[data-stat="claimed"] b'), '2.00 MB');
      const firstRow = await page.$$eval('#leaderboard tbody tr:first-child td', (cells) => cells.map((cell) => cell.textContent));
      assert.deepEqual(firstRow.slice(0, 2), ['1', publicId]);
      assert.equal(await page.locator('#bytes-chart canvas').count(), 1);
      assert.equal(await page.locator('#ratio-chart canvas').count(), 1);
      assert.match((await page.textContent('[data-stat="ratio"] b')) ?? '', /%$/);

      await page.fill('#link input[name=username]', 'alice');
      await page.click('#link button');
      await page.waitForFunction(() => document.querySelector('#link-status')?.textContent?.startsWith('Linked') === true, undefined, { timeout: 15_000 });
      assert.equal(await page.textContent('#hive'), '@alice');
      const link = await contributions.database.db.selectFrom('hive_links').select('hive_username').where('viewer_id', '=', hashSecret('viewer', viewerSecret)).executeTakeFirst();
      assert.equal(link?.hive_username, 'alice');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
