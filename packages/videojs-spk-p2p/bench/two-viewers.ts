/**
 * Measures what the plugin achieves with two viewers at normal speed against the theoretical
 * best (every segment from the CDN once, plus each later viewer's first segment), and start-up
 * time with P2P on (a peer present) versus off. Loopback only; prints a JSON summary.
 *
 *   node --import tsx packages/videojs-spk-p2p/bench/two-viewers.ts
 */
import { launchChromium } from '../../../demo/test-support/browser.js';
import { manifestUrl, openPlayer, p2pOptions, startTestCdn, startTracker, waitFor, waitForEnd } from '../test/support.js';

const size = { width: 854, height: 480 };
const [browser, cdn, tracker] = await Promise.all([launchChromium(), startTestCdn({ latencyMs: 50 }), startTracker()]);
try {
  const pageUrl = `${cdn.url}/pages/player.html`;
  const a = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'a'), options: p2pOptions(tracker.url), size });
  await waitFor(async () => (await a.state()).currentTime >= 10, 30_000, 'viewer A at 10 s');
  const b = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, 'b'), options: p2pOptions(tracker.url), size });
  const [endA, endB] = await Promise.all([waitForEnd(a, 120_000), waitForEnd(b, 120_000)]);
  const served = cdn.bytesServed();
  const totalMedia = endA.stats.cdnBytes + endA.stats.p2pBytes + endB.stats.cdnBytes + endB.stats.p2pBytes;
  const loadedA = await a.events('segmentloaded');
  const loadedB = await b.events('segmentloaded');
  const sequence = (events: typeof loadedA) => events.map((event) => `${String(event.url).split('/').pop()}:${String(event.source)}`).join(' ');
  const firstOfB = Number(loadedB[0]?.bytes ?? 0);
  const videoBytes = endA.stats.cdnBytes + endA.stats.p2pBytes;
  const bestCdn = videoBytes + firstOfB;
  const achievedOffload = 1 - (endA.stats.cdnBytes + endB.stats.cdnBytes) / totalMedia;
  const bestOffload = 1 - bestCdn / totalMedia;

  // Start-up with a peer in the swarm (A is still there, ended) versus P2P off.
  const startup = { p2p: [] as number[], off: [] as number[] };
  for (let i = 0; i < 3; i++) {
    for (const mode of ['p2p', 'off'] as const) {
      const options = mode === 'p2p' ? p2pOptions(tracker.url) : p2pOptions(tracker.url, { enabled: false });
      const viewer = await openPlayer(browser, { pageUrl, src: manifestUrl(cdn, `s-${mode}-${i}`), options, size });
      const ms = await waitFor(async () => (await viewer.state()).startupMs ?? undefined, 20_000, 'start-up');
      startup[mode].push(Math.round(ms));
      await viewer.close();
    }
  }
  console.log(
    JSON.stringify(
      {
        viewerA: endA.stats,
        viewerB: endB.stats,
        stalls: { a: endA.stalls.length, b: endB.stalls.length },
        segmentSources: { a: sequence(loadedA), b: sequence(loadedB) },
        cdnBytesServed: served.total,
        offload: { achieved: achievedOffload, theoreticalBest: bestOffload, shareOfBest: achievedOffload / bestOffload },
        startupMs: startup,
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await Promise.all([cdn.close(), tracker.close()]);
}
