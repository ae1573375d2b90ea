/**
 * Where a server's time went: self time from a V8 .cpuprofile (node --cpu-prof), by function and
 * by source area. Usage: node --import tsx profile-summary.ts FILE.cpuprofile [top=30] [--count] [--busiest=S] [--lines]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
const top = Number(process.argv.slice(3).find((arg) => /^\d+$/.test(arg)) ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// --count weighs every sample alike instead of by its time delta: on a loaded machine a thread
// descheduled inside a syscall leaves one sample with a long delta, which overstates that syscall.
const byCount = process.argv.includes('--count');
// --busiest=S keeps only the S seconds with the fewest idle samples: the profile spans the whole
// process (start-up, connecting, joining), and only the loaded window says where load goes.
const busiestS = Number(process.argv.find((arg) => arg.startsWith('--busiest='))?.slice(10) ?? 0);
let first = 0;
let last = profile.samples.length;
if (busiestS > 0) {
  const idleIds = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const at: number[] = [];
  let t = 0;
  for (const delta of profile.timeDeltas) at.push((t += delta));
  let best = Infinity;
  let idle = 0;
  let start = 0;
  for (let end = 0; end < at.length; end++) {
    if (idleIds.has(profile.samples[end] as number)) idle++;
    while ((at[end] as number) - (at[start] as number) > busiestS * 1e6) if (idleIds.has(profile.samples[start++] as number)) idle--;
    if ((at[end] as number) - (at[start] as number) >= busiestS * 1e6 * 0.99 && idle < best) {
      best = idle;
      first = start;
      last = end + 1;
    }
  }
}
const self = new Map<number, number>();
for (let i = first; i < last; i++) {
  const id = profile.samples[i] as number;
  self.set(id, (self.get(id) ?? 0) + (byCount ? 1000 : (profile.timeDeltas[i] ?? 0)));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string, name: string): string {
  if (url.includes('/node_modules/ws/')) return 'ws (framing, sockets)';
  if (url.includes('/node_modules/pino')) return 'pino';
  if (url.includes('/signal-server/src/')) return `ours: ${url.split('/signal-server/src/')[1]?.split('?')[0]}`;
  if (url.includes('/node_modules/bittorrent-tracker/') || url.includes('/node_modules/lru') || url.includes('uint8-util')) return 'bittorrent-tracker';
  if (url.startsWith('node:')) return `node: ${url.slice(5)}`;
  if (url === '') return name === '(garbage collector)' ? 'GC' : name === '(idle)' ? 'idle' : name === '(program)' ? 'V8/native (program)' : `native ${name}`;
  return url.replace(/^.*node_modules\//, '');
}

const fnTotals = new Map<string, number>();
const areaTotals = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`;
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
  const a = area(url, functionName);
  areaTotals.set(a, (areaTotals.get(a) ?? 0) + us);
}
const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nby area (self time):');
for (const [name, us] of [...areaTotals].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(us)}  ${name}`);
console.log(`\ntop ${top} functions (self time):`);
for (const [name, us] of [...fnTotals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);

// --lines: our functions' ticks by source line, over the whole profile (V8 keeps no time per tick).
// Lines are only meaningful for the built dist/ code (SPK_BENCH_DIST=1): tsx emits one line per file.
if (process.argv.includes('--lines')) {
  const lines = new Map<string, number>();
  let ticks = 0;
  for (const node of profile.nodes) {
    if (!node.callFrame.url.includes('/signal-server/')) continue;
    for (const tick of node.positionTicks ?? []) {
      const key = `${node.callFrame.url.replace(/^.*\/signal-server\//, '')}:${tick.line} ${node.callFrame.functionName}`;
      lines.set(key, (lines.get(key) ?? 0) + tick.ticks);
      ticks += tick.ticks;
    }
  }
  console.log(`\nour code by line (${ticks} ticks):`);
  for (const [key, n] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * n) / ticks).toFixed(1).padStart(5)} %  ${key}`);
}
