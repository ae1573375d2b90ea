/**
 * Start-up time (src() → first `playing`) with P2P on, a peer already in the swarm, versus P2P
 * off, alternating runs so machine load affects both alike. Loopback only; prints JSON.
 *
 *   node --import tsx packages/videojs-spk-p2p/bench/startup.ts [runs]
 */
import { launchChromium } from '../../../demo/test-support/browser.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, startTracker, waitFor } from '../test/support.js';

const runs = Number(process.argv[2] ?? 8);
const size = { width: 854, height: 480 };
const [browser, cdn, tracker] = await Promise.all([launchChromium(), startTestCdn({ latencyMs: 50 }), startTracker()]);
try {
  const pageUrl = `${cdn.url}/pages/player.html`;
  const seeder = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'seed'), options: p2pOptions(tracker.url), size, rate: 4 });
  await waitFor(async () => (await seeder.state()).ended, 60_000, 'seeder to finish');
  const startup = { p2p: [] as number[], off: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 === 0 ? (['p2p', 'off'] as const) : (['off', 'p2p'] as const)) {
      const options = mode === 'p2p' ? p2pOptions(tracker.url) : p2pOptions(tracker.url, { enabled: false });
      const viewer = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, `s-${mode}-${i}`), options, size });
      startup[mode].push(Math.round(await waitFor(async () => (await viewer.state()).startupMs ?? undefined, 20_000, 'start-up')));
      await viewer.close();
    }
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  console.log(JSON.stringify({ startupMs: startup, median: { p2p: median(startup.p2p), off: median(startup.off) } }));
} finally {
  await browser.close();
  await Promise.all([cdn.close(), tracker.close()]);
}
