/**
 * `npm run bench:integrity`: what checking every byte against the video's IPFS CID costs. One
 * run, the swarm benchmark's media and CDN shaping, a CID-only copy of the sample (no sha256 map):
 * `--viewers` headless viewers play it with `integrity: 'cid'` in its CIDv0 / dag-pb form, the
 * same with verification off (`integrity: 'off'`, peers trusted), and with `integrity: 'cid'` in
 * its CIDv1 / raw-leaves form; before them, the verifier's own CPU per segment is measured in
 * this process (integrity-cpu.ts). Writes bench-results/integrity.{json,md}. `--help` for the options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium } from '../test-support/browser.js';
import { cidOnlyMediaRoot } from '../media/cid-only.js';
import type { IntegrityPolicy } from '../site/src/viewer-options.js';
import { audienceFlags, DEFAULT_SETTINGS as SWARM_DEFAULTS, parseFlags, runFromCommandLine, type AudienceSettings } from './args.js';
import { missingBuildOutputs, startLocalStack } from './local-stack.js';
import { runPhase, warmUp, type PhaseResult } from './run-swarm.js';
import { measureCheckCpu, type CheckCpu } from './integrity-cpu.js';
import { integrityMarkdown, integrityTargets, summarizeRun, type IntegritySummary } from './integrity-summary.js';

type IntegritySettings = AudienceSettings & {
  /** Skip the CIDv1 / raw-leaves run. */
  v1: boolean;
  /** Rounds of all variants, interleaved, pooled per variant: one round's five first frames are too few to tell 10 % apart on a shared machine. */
  rounds: number;
};

// The swarm benchmark's CDN shaping, rendition and speed (at double speed every joiner's second
// segment falls due before its swarm is up, with or without the check); two rounds of five viewers
// per variant, since one round's five first frames could not tell 10 % apart here.
const DEFAULTS: Readonly<IntegritySettings> = {
  viewers: 5,
  joinGapMs: 2000,
  latencyMs: SWARM_DEFAULTS.latencyMs,
  bandwidthBytesPerSec: SWARM_DEFAULTS.bandwidthBytesPerSec,
  pinHeight: SWARM_DEFAULTS.pinHeight,
  rate: 1,
  v1: true,
  rounds: 2,
  outDir: SWARM_DEFAULTS.outDir,
};

const USAGE = `Usage: npm run bench:integrity -- [options]
  --viewers N      viewers per run (default 5)
  --join-gap MS    between viewers joining (default 2000)
  --latency MS     CDN latency per media response (default ${DEFAULTS.latencyMs})
  --bandwidth BPS  CDN cap per connection, bytes/s (default ${DEFAULTS.bandwidthBytesPerSec})
  --pin HEIGHT     rendition every viewer plays, 0 = ABR (default ${DEFAULTS.pinHeight})
  --rate R         playback rate (default 1)
  --no-v1          skip the CIDv1 / raw-leaves run
  --rounds N       rounds of every variant, interleaved, pooled per variant (default 2)
  --out DIR        output folder (default ${DEFAULTS.outDir})`;

function parseIntegrityArgs(argv: readonly string[]): IntegritySettings {
  return parseFlags(argv, DEFAULTS, {
    ...audienceFlags<IntegritySettings>(),
    '--no-v1': (s) => { s.v1 = false; },
    '--rounds': (s, v) => { s.rounds = Math.floor(v.number(1)); },
  }, USAGE);
}

const loadNow = () => loadavg().map((value) => Math.round(value * 100) / 100);

export async function runIntegrityBench(settings: IntegritySettings, command: string, log: (line: string) => void = console.log): Promise<IntegritySummary> {
  const missing = missingBuildOutputs();
  if (missing.length > 0) throw new Error(`build outputs missing (run npm run build): ${missing.join(', ')}`);
  const loadAvgBefore = loadNow();
  const media = await cidOnlyMediaRoot();
  const stack = await startLocalStack({ latencyMs: settings.latencyMs, bandwidthBytesPerSec: settings.bandwidthBytesPerSec, media });
  const browser = await launchChromium();
  try {
    // The local gateway builds the folder's DAGs on its first block request: not on a viewer's time.
    const rootBlock = await fetch(`${stack.cdn.url}/ipfs/${media.cid}?format=raw`);
    if (!rootBlock.ok) throw new Error(`the local gateway did not serve the root block (${rootBlock.status})`);
    log('Check CPU: the verifier over every segment, in this process…');
    const folder = join(media.root, 'ipfs', media.cid);
    const cpuByCid = new Map<string, CheckCpu>();
    for (const cid of settings.v1 ? [media.cid, media.cidV1] : [media.cid]) cpuByCid.set(cid, await measureCheckCpu(stack.cdn.url, cid, folder));
    const playTimeoutMs = (60_000 / settings.rate) * 2 + 30_000;
    const phase = { viewers: settings.viewers, joinGapMs: settings.joinGapMs, pinHeight: settings.pinHeight, rate: settings.rate, playTimeoutMs, log, p2p: true };
    log('Warm-up: one unmeasured viewer…');
    await warmUp(browser, stack, phase);
    const runs: { name: string; cid: string; integrity: IntegrityPolicy }[] = [
      { name: 'CID check, CIDv0 dag-pb', cid: media.cid, integrity: 'cid' },
      // Between the two checked runs, so a drift in the machine's load falls on both sides of it.
      { name: 'no check (off)', cid: media.cid, integrity: 'off' },
      ...(settings.v1 ? [{ name: 'CID check, CIDv1 raw leaves', cid: media.cidV1, integrity: 'cid' as const }] : []),
    ];
    const phasesByRun = runs.map(() => [] as PhaseResult[]);
    for (let round = 1; round <= settings.rounds; round++) {
      for (const [i, run] of runs.entries()) {
        log(`Round ${round}/${settings.rounds}, ${run.name}: ${settings.viewers} viewers of ${run.cid}…`);
        phasesByRun[i]?.push(await runPhase(browser, stack, { ...phase, name: `round${round}-run${i + 1}`, cid: run.cid, integrity: run.integrity }));
      }
    }
    const summaries = runs.map((run, i) => summarizeRun(run.name, phasesByRun[i] ?? [], run.cid, run.integrity, run.integrity === 'off' ? null : (cpuByCid.get(run.cid) ?? null)));
    const unchecked = summaries.find((run) => run.integrity === 'off');
    if (!unchecked) throw new Error('no unchecked run to compare with');
    const summary: IntegritySummary = {
      version: 1,
      generatedAt: new Date().toISOString(),
      command,
      settings,
      machine: { cores: cpus().length, loadAvgBefore, loadAvgAfter: loadNow(), chromium: `Chromium ${browser.version()}` },
      runs: summaries,
      targets: integrityTargets(summaries.filter((run) => run !== unchecked), unchecked),
    };
    const outDir = resolve(settings.outDir);
    await mkdir(outDir, { recursive: true });
    const report = integrityMarkdown(summary);
    await writeFile(join(outDir, 'integrity.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(outDir, 'integrity.md'), `${report}\n`);
    log(`\n${report}\nWrote ${join(outDir, 'integrity.json')} and integrity.md`);
    return summary;
  } finally {
    await browser.close().catch(() => {});
    await stack.close();
    rmSync(media.root, { recursive: true, force: true });
  }
}

runFromCommandLine(import.meta, 'bench:integrity', parseIntegrityArgs, runIntegrityBench);
