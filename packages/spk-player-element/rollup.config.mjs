// Browser bundles of <spk-player>, imported by the repository's rollup.config.mjs. Paths are
// relative to the repository root, where rollup runs. Reads the tsc output in lib/.
import { readdir, readFile, rm } from 'node:fs/promises';
import nodeResolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import cssText from './build/css-text.mjs';
import retryableImports from './build/retryable-imports.mjs';
import sizeReport, { fileSizeReport } from './build/size-report.mjs';

const pkg = 'packages/spk-player-element';
const pluginLib = new URL('../videojs-spk-p2p/lib/index.js', import.meta.url).pathname;
// The gateway-health record, imported by the entry: the same module file as the plugin's own, so one copy.
const gatewayHealthLib = new URL('../videojs-spk-p2p/lib/gateway-health.js', import.meta.url).pathname;

/** p2p-media-loader-core ships a prebuilt, polyfilled ES bundle behind this export condition. */
export const resolveForBrowser = () =>
  nodeResolve({ browser: true, exportConditions: ['p2pml:core-as-bundle', 'browser', 'import', 'default'] });

/** Bundle the plugin from its tsc output so its lazy P2P core becomes our own chunk. */
const pluginFromSource = () => ({
  name: 'spk-plugin-from-source',
  resolveId(source) {
    if (source === 'videojs-spk-p2p/gateway-health') return gatewayHealthLib;
    return source === 'videojs-spk-p2p' ? pluginLib : null;
  },
});

const plugins = () => [
  pluginFromSource(),
  resolveForBrowser(),
  commonjs(),
  cssText(),
  terser({ format: { comments: false } }),
];

/** Copies the embed page next to the bundles, so `dist/` is one deployable folder. */
const embedPage = () => ({
  name: 'spk-embed-page',
  async generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'embed.html', source: await readFile(`${pkg}/embed/embed.html`, 'utf8') });
  },
});

/**
 * Hashed chunk names change with their content: after writing, drop chunks this build did not
 * produce, so dist/ stays deployable as is. (Deleting after writing, not before, keeps pages
 * that are loading the current chunks working during a rebuild.)
 */
const dropStaleChunks = () => ({
  name: 'spk-drop-stale-chunks',
  async writeBundle(_options, bundle) {
    const fresh = new Set(Object.keys(bundle));
    const dir = `${pkg}/dist/chunks`;
    for (const name of await readdir(dir).catch(() => [])) {
      if (!fresh.has(`chunks/${name}`)) await rm(`${dir}/${name}`, { force: true });
    }
  },
});

const KIB = 1024;

export default [
  // ES module for `<script type="module" src=".../spk-player.js">`: the entry holds Lit and the
  // element; Video.js, the plugin and the P2P core are chunks loaded relative to it on demand.
  {
    input: { 'spk-player': `${pkg}/lib/index.js`, embed: `${pkg}/lib/embed-page.js` },
    // The plugin chunk imports gateway health from the entry: let the entry export it instead of
    // splitting the entry into a facade plus a shared chunk (a second request before anything shows).
    preserveEntrySignatures: 'allow-extension',
    // idb's top-level code only sets up its own wrappers: without this, the plugin index's unused
    // re-export of the report queue kept idb in the first-frame chunk.
    treeshake: { moduleSideEffects: (id) => !id.includes('/node_modules/idb/') },
    plugins: [
      dropStaleChunks(),
      retryableImports(),
      ...plugins(),
      embedPage(),
      sizeReport({
        entry: 'spk-player.js',
        firstFrameModules: [/player-runtime\.js$/, /p2p-runtime\.js$/],
        // The total grew past 290 KiB with the IndexedDB cache, the gateway refetch and the hls.js stream-id
        // rules (wave 2); all of it loads after the first frame, whose own budget is unchanged.
        // The entry grew past 16 KiB with gateway health (wave 3): the gateway is chosen before the
        // early manifest fetch, so its record must be in the entry. First frame: 237 KiB since the
        // contribution reporter and idb load with the engine (they had pushed it to 237.5).
        budgets: { entry: 16.5 * KIB, firstFrame: 237 * KIB, total: 300 * KIB },
      }),
    ],
    output: {
      dir: `${pkg}/dist`,
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
    },
  },
  // Classic script for pages without modules: one file, everything inlined.
  {
    input: `${pkg}/lib/index.js`,
    plugins: [...plugins(), fileSizeReport({ budget: 300 * KIB })],
    output: {
      file: `${pkg}/dist/spk-player.iife.js`,
      format: 'iife',
      name: 'SpkPlayerElement',
      inlineDynamicImports: true,
      sourcemap: true,
    },
  },
];
