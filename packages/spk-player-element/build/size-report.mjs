// Rollup plugin: after writing the ES build, prints the gzip size of what a page loads before
// the first frame (the entry, Video.js and the P2P plugin, with their static imports) and of
// everything, and fails the build when a budget is exceeded.
import { gzipSync } from 'node:zlib';

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * @param {{ entry: string, firstFrameModules: RegExp[], budgets: { entry: number, firstFrame: number, total: number } }} options
 *   firstFrameModules: chunks holding a module whose id matches are loaded before the first
 *   frame (besides the entry); budgets are gzip bytes.
 */
export default function sizeReport({ entry, firstFrameModules, budgets }) {
  return {
    name: 'spk-size-report',
    writeBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((file) => file.type === 'chunk');
      const gz = new Map(chunks.map((chunk) => [chunk.fileName, gzipSync(chunk.code, { level: 9 }).length]));
      const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
      const firstFrame = new Set();
      const visit = (fileName) => {
        if (firstFrame.has(fileName)) return;
        const chunk = byName.get(fileName);
        if (!chunk) return;
        firstFrame.add(fileName);
        for (const imported of chunk.imports) visit(imported);
      };
      visit(entry);
      const entrySize = [...firstFrame].reduce((sum, name) => sum + (gz.get(name) ?? 0), 0);
      for (const chunk of chunks) {
        if (Object.keys(chunk.modules).some((id) => firstFrameModules.some((pattern) => pattern.test(id)))) visit(chunk.fileName);
      }
      const sum = (names) => [...names].reduce((total, name) => total + (gz.get(name) ?? 0), 0);
      const firstFrameSize = sum(firstFrame);
      const totalSize = sum(gz.keys());
      const lines = [
        `spk-player bundle sizes (gzip -9):`,
        ...chunks
          .sort((a, b) => (gz.get(b.fileName) ?? 0) - (gz.get(a.fileName) ?? 0))
          .map((chunk) => `  ${firstFrame.has(chunk.fileName) ? '*' : ' '} ${chunk.fileName.padEnd(48)} ${kib(gz.get(chunk.fileName) ?? 0)}`),
        `  entry (before the element is near the viewport): ${kib(entrySize)} (budget ${kib(budgets.entry)})`,
        `  before first frame (*):                           ${kib(firstFrameSize)} (budget ${kib(budgets.firstFrame)})`,
        `  total:                                            ${kib(totalSize)} (budget ${kib(budgets.total)})`,
      ];
      console.log(lines.join('\n'));
      const over = [
        ['entry', entrySize, budgets.entry],
        ['before first frame', firstFrameSize, budgets.firstFrame],
        ['total', totalSize, budgets.total],
      ].filter(([, size, budget]) => size > budget);
      if (over.length > 0) {
        this.error(`spk-player: over budget: ${over.map(([name, size, budget]) => `${name} ${kib(size)} > ${kib(budget)}`).join(', ')}`);
      }
    },
  };
}

/** For single-file builds (the IIFE): prints the gzip size of each written file against a budget. */
export function fileSizeReport({ budget }) {
  return {
    name: 'spk-file-size-report',
    writeBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        const size = gzipSync(file.code, { level: 9 }).length;
        console.log(`spk-player ${file.fileName} (gzip -9): ${kib(size)} (budget ${kib(budget)})`);
        if (size > budget) this.error(`spk-player: ${file.fileName} over budget: ${kib(size)} > ${kib(budget)}`);
      }
    },
  };
}
