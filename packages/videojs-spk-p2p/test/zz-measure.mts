// Scratch measurement (not a test): two viewers at 1x, second joins 10 s later.
import { launchChromium } from '../../../demo/test-support/browser.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, startTracker, waitFor, waitForEnd } from './support.js';
const [browser, cdn, tracker] = await Promise.all([launchChromium(), startTestCdn({ latencyMs: 50 }), startTracker()]);
const pageUrl = `${cdn.url}/pages/player.html`;
const size = { width: 854, height: 480 };
const a = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'a'), options: p2pOptions(tracker.url), rate: 1, size });
await waitFor(async () => (await a.state()).currentTime >= 10, 30_000, 'a at 10');
const t0 = Date.now();
const b = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'b'), options: p2pOptions(tracker.url), rate: 1, size });
const startup = await waitFor(async () => ((await b.state()).currentTime > 0 ? Date.now() - t0 : undefined), 20_000, 'b start');
const [ea, eb] = await Promise.all([waitForEnd(a, 120_000), waitForEnd(b, 120_000)]);
console.log('B startup ms (page open→playing)', startup);
console.log('A', JSON.stringify(ea.stats), ea.stalls);
console.log('B', JSON.stringify(eb.stats), eb.stalls);
console.log('CDN', JSON.stringify(cdn.bytesServed()));
await browser.close(); await cdn.close(); await tracker.close();
