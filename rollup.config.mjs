// Browser bundles of the workspace, one config per output. Each package's `build` (tsc) runs
// first; these read its lib/ output. Append new bundles as further entries of `configs`.
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import spkPlayerBundles, { resolveForBrowser } from './packages/spk-player-element/rollup.config.mjs';

const plugin = 'packages/videojs-spk-p2p';

const configs = [
  // videojs-spk-p2p, ESM: video.js stays external (peer dependency); the P2P core becomes a
  // separate chunk loaded by dynamic import() so start-up never waits for it.
  {
    input: `${plugin}/lib/index.js`,
    external: ['video.js'],
    plugins: [resolveForBrowser(), commonjs(), terser()],
    output: {
      dir: `${plugin}/dist`,
      format: 'es',
      entryFileNames: 'videojs-spk-p2p.es.js',
      chunkFileNames: 'videojs-spk-p2p-[name]-[hash].es.js',
      sourcemap: true,
    },
  },
  // videojs-spk-p2p, UMD: one file for <script> pages; registers on window.videojs.
  {
    input: `${plugin}/lib/index.js`,
    external: ['video.js'],
    plugins: [resolveForBrowser(), commonjs(), terser()],
    output: {
      file: `${plugin}/dist/videojs-spk-p2p.js`,
      format: 'umd',
      name: 'videojsSpkP2p',
      exports: 'named',
      globals: { 'video.js': 'videojs' },
      inlineDynamicImports: true,
      sourcemap: true,
    },
  },
  // videojs-spk-p2p/hlsjs, ESM: p2p-media-loader-hlsjs with our defaults for hls.js players
  // (Video.js 10); hls.js itself is the page's (Video.js 10 brings its own).
  {
    input: `${plugin}/lib/hlsjs.js`,
    plugins: [resolveForBrowser(), commonjs(), terser()],
    output: {
      file: `${plugin}/dist/videojs-spk-p2p-hlsjs.es.js`,
      format: 'es',
      inlineDynamicImports: true,
      sourcemap: true,
    },
  },
];

// <spk-player> (ES module + chunks, IIFE, embed page): see that package's rollup.config.mjs.
configs.push(...spkPlayerBundles);

export default configs;
