/**
 * Smoke test of the swarm benchmark harness (not of its figures): two viewers at 4× speed
 * through the real CLI; the JSON must be complete and peers must have served some bytes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SwarmSummary } from '../bench/summarize.js';
import type { MixSummary } from '../bench/mix.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('swarm benchmark harness (2 viewers, short)', () => {
  let outDir: string | undefined;
  after(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('writes complete swarm.json, swarm.md and swarm.png with P2P bytes above zero', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'spk-bench-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'demo/bench/swarm-bench.ts', '--viewers', '2', '--rate', '4', '--join-gap', '1000', '--mix', 'hlsjs', '--out', outDir],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 280_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(killer);
    assert.equal(code, 0, output);

    const summary = JSON.parse(await readFile(join(outDir, 'swarm.json'), 'utf8')) as SwarmSummary;
    assert.equal(summary.viewers, 2);
    for (const key of ['p2pRatio', 'theoreticalBest', 'fractionOfBest'] as const) {
      assert.ok(summary[key] >= 0 && summary[key] <= 1.0001, `${key} = ${summary[key]}`);
    }
    assert.ok(summary.p2pRatio > 0, 'peers served some media bytes');
    assert.ok(summary.theoreticalBest > 0 && summary.theoreticalBest < 1);
    assert.ok(summary.cdnBytes.baseline > 0 && summary.cdnBytesSaved.bytes === summary.cdnBytes.baseline - summary.cdnBytes.p2p);
    assert.equal(typeof summary.ttffMs.p2p, 'number');
    assert.equal(typeof summary.ttffMs.baseline, 'number');
    assert.equal(typeof summary.stalls.p2p.count, 'number');
    assert.equal(typeof summary.stalls.baseline.count, 'number');
    assert.equal(typeof summary.discoveryMs.p50, 'number');
    assert.equal(typeof summary.latencyMs.p2p.p95, 'number');
    assert.equal(typeof summary.latencyMs.cdn.p95, 'number');
    assert.ok(summary.fallback !== null && !summary.fallback.note.startsWith('failed'), `fallback measurement ran: ${summary.fallback?.note}`);
    assert.ok(summary.fallbackMs === null || summary.fallbackMs > 0);
    assert.deepEqual(summary.renditions.p2p, [480], 'every viewer on the pinned rendition');
    // The sample has a CID and a sha256 map; the default integrity ('auto') checks against the CID.
    assert.deepEqual(summary.verification.sources, ['cid'], JSON.stringify(summary.verification));
    assert.equal(summary.verification.peerVerified, summary.verification.peerChecked, JSON.stringify(summary.verification));
    assert.equal(summary.unfinishedViewers, 0);
    assert.deepEqual(summary.errors, []);
    assert.equal(summary.targets.length, 6);
    assert.ok(summary.chart.t.length > 5 && summary.chart.p2pRunPeersMB.some((value) => (value ?? 0) > 0));

    const markdown = await readFile(join(outDir, 'swarm.md'), 'utf8');
    assert.match(markdown, /\| P2P ratio vs theoretical best \|/);
    // --mix hlsjs: the second viewer of the mixed run is an hls.js + p2p-media-loader-hlsjs page.
    const mix = JSON.parse(await readFile(join(outDir, 'swarm-mix.json'), 'utf8')) as MixSummary;
    assert.equal(mix.mixed.viewers, 2);
    assert.equal(mix.mixed.byKind.hlsjs.viewers, 1);
    assert.deepEqual(mix.mixed.errors, []);
    assert.equal(mix.mixed.unfinished, 0);
    assert.ok(mix.mixed.p2pRatio > 0, 'peers served the mixed audience');
    const png = await stat(join(outDir, 'swarm.png'));
    assert.ok(png.size > 10_000, `chart PNG has content (${png.size} bytes)`);
  });
});
