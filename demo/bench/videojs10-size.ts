/**
 * `node --import tsx demo/bench/videojs10-size.ts`: what a page downloads (minified, gzip -9) for
 * a Video.js 10 player with hls.js and P2P (`videojs-spk-p2p/hlsjs`), against Video.js 8 with
 * our plugin and <spk-player>. Needs `npm run build`. Video.js 10 is measured from the prebuilt
 * CDN bundles of the installed @videojs/html: the static import graph of each entry, and what
 * loads later through import().
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from './local-stack.js';

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Files an ES module entry loads: statically (before it runs) and through import() (later). */
function moduleGraph(entries: string[]): { eager: Set<string>; lazy: Set<string> } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const visit = (file: string, into: Set<string>) => {
    if (eager.has(file) || into.has(file)) return;
    into.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*["'`](\.{1,2}\/[^"'`]+)["'`]/g)) visit(resolve(dirname(file), match[1] as string), into);
    for (const match of text.matchAll(/import\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)/g)) {
      const target = resolve(dirname(file), match[1] as string);
      if (!eager.has(target)) visit(target, lazy);
    }
  };
  for (const entry of entries) visit(entry, eager);
  for (const file of eager) lazy.delete(file);
  return { eager, lazy };
}

const sum = (files: Iterable<string>) => [...files].reduce((total, file) => total + gz(file), 0);

const html = join(REPO_ROOT, 'node_modules', '@videojs', 'html');
const version = (JSON.parse(readFileSync(join(html, 'package.json'), 'utf8')) as { version: string }).version;
const v10 = moduleGraph([join(html, 'cdn', 'video.js'), join(html, 'cdn', 'media', 'hls-video.js')]);
// Video.js 10's own small HLS engine (SPF): the "much smaller default"; it has no loader hook for P2P.
const v10Spf = moduleGraph([join(html, 'cdn', 'video.js'), join(html, 'cdn', 'media', 'simple-hls-video.js')]);
const plugin = join(REPO_ROOT, 'packages', 'videojs-spk-p2p', 'dist');
const hlsjsP2p = join(plugin, 'videojs-spk-p2p-hlsjs.es.js');
const vjs8 = join(REPO_ROOT, 'node_modules', 'video.js', 'dist', 'video.min.js');
const pluginGraph = moduleGraph([join(plugin, 'videojs-spk-p2p.es.js')]);
const element = join(REPO_ROOT, 'packages', 'spk-player-element', 'dist', 'spk-player.iife.js');
for (const file of [hlsjsP2p, vjs8, element]) if (!existsSync(file)) throw new Error(`${file} missing: run npm run build`);

const rows: [string, number, number][] = [
  [`Video.js ${version}: player + default skin + <hls-video> (hls.js inside)`, sum(v10.eager), sum(v10.lazy)],
  ['  + videojs-spk-p2p/hlsjs (p2p-media-loader-hlsjs + core + integrity)', gz(hlsjsP2p), 0],
  [`Video.js ${version}: player + default skin + <simple-hls-video> (SPF, no P2P possible)`, sum(v10Spf.eager), sum(v10Spf.lazy)],
  ['Video.js 8.24 (video.min.js, VHS inside)', gz(vjs8), 0],
  ['  + videojs-spk-p2p (ES entry; core + verifier load lazily)', sum(pluginGraph.eager), sum(pluginGraph.lazy)],
  ['<spk-player> IIFE (Video.js 8 + plugin + element, one file)', gz(element), 0],
];
console.log('| Bundle | gzip -9, before first frame | loaded later (import()) |');
console.log('| --- | --- | --- |');
for (const [name, eager, later] of rows) console.log(`| ${name} | ${kib(eager)} | ${later ? kib(later) : '–'} |`);
const v10Total = (rows[0]?.[1] ?? 0) + (rows[1]?.[1] ?? 0);
const v8Total = (rows[3]?.[1] ?? 0) + (rows[4]?.[1] ?? 0);
console.log(`\nVideo.js 10 + P2P: ${kib(v10Total)}; Video.js 8 + P2P: ${kib(v8Total)} before first frame (${((v10Total / v8Total - 1) * 100).toFixed(0)} %).`);
