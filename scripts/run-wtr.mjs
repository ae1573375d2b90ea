// Runs the browser unit tests (web-test-runner.config.mjs) and returns their counts, read from
// a summary the config's reporter writes, so run-tests.mjs can add them to its closing line.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

function wtrFiles(root, filter) {
  return ['packages/videojs-spk-p2p/test/browser', 'packages/spk-player-element/test/browser']
    .flatMap((dir) => { try { return readdirSync(join(root, dir)).map((name) => `${dir}/${name}`); } catch { return []; } })
    .filter((file) => file.endsWith('.spec.ts') && (filter.length === 0 || filter.some((part) => file.includes(part))));
}

export function hasWtrFiles(root, filter) {
  return wtrFiles(root, filter).length > 0;
}

/** `filter`: substrings of test file paths, as run-tests.mjs takes them; none means all. */
export function runWtr(root, filter = []) {
  const summaryFile = join(mkdtempSync(join(tmpdir(), 'spk-wtr-')), 'summary.json');
  const matched = wtrFiles(root, filter);
  if (matched.length === 0) return Promise.resolve({ passed: 0, failed: 0, files: 0, code: 0 });
  const files = filter.length === 0 ? [] : ['--files', ...matched];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', 'web-test-runner.config.mjs', ...files], {
      cwd: root, stdio: 'inherit', env: { ...process.env, WTR_SUMMARY_FILE: summaryFile },
    });
    child.on('exit', (code) => {
      let counts = { passed: 0, failed: 0, files: 0 };
      try { counts = JSON.parse(readFileSync(summaryFile, 'utf8')); } catch { /* no summary: the run itself failed */ }
      if (code !== 0 && counts.failed === 0 && counts.files > 0) counts.failed = 1;
      resolve({ ...counts, code: code ?? 1 });
    });
  });
}
