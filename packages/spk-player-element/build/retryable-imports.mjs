/**
 * Rollup plugin: the runtime chunks that `runtime-loader.ts` imports on demand (Video.js, the
 * P2P plugin) can be fetched again after a failure. Until the 2026 module-map change (whatwg/html
 * #10327; Chromium 150 still has the old behaviour) a browser remembers a failed `import()` of a
 * URL for the page's life and fails every later import of it at once, so the element's Retry
 * button did nothing there. A later attempt therefore asks for the chunk under a new URL (a
 * `?retry=N` query); the first attempt uses the plain URL, so caching is unchanged.
 */
import MagicString from 'magic-string';

const LOADER = /[\\/]runtime-loader\.js$/;

// Prepended to the chunk holding runtime-loader.js: module scope, minified with the rest.
const HELPER = `const spkFailedImports = new Map();
function spkRetryableImport(specifier, base) {
  const url = new URL(specifier, base).href;
  const failures = spkFailedImports.get(url) || 0;
  return import(failures === 0 ? url : url + "?retry=" + failures).catch((error) => {
    spkFailedImports.set(url, failures + 1);
    throw error;
  });
}`;

export default function retryableImports() {
  return {
    name: 'spk-retryable-imports',
    renderDynamicImport({ format, moduleId, targetChunk }) {
      // Only real chunk loads of ES builds: the IIFE build inlines its dynamic imports.
      if (format !== 'es' || !targetChunk || !LOADER.test(moduleId)) return null;
      return { left: 'spkRetryableImport(', right: ', import.meta.url)' };
    },
    renderChunk(code, chunk) {
      if (!chunk.moduleIds.some((id) => LOADER.test(id))) return null;
      // At the end: the chunk's import statements must stay first, and the helper is hoisted.
      const edited = new MagicString(code).append(`\n${HELPER}\n`);
      return { code: edited.toString(), map: edited.generateMap({ hires: true }) };
    },
  };
}
