// Browser unit tests (units that need a real DOM or browser APIs but no swarm) run with
// @web/test-runner in the system Chromium; swarm and end-to-end tests stay on node:test.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { defaultReporter } from '@web/test-runner';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { normalize } from 'node:path';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default {
  rootDir: '.',
  files: ['packages/*/test/browser/**/*.spec.ts'],
  nodeResolve: true,
  // Sample media as the CDN serves it: its `.ts` files are MPEG-TS segments, which the
  // TypeScript transform must never touch.
  middleware: [serveMediaRaw],
  // The sources import `./x.js` for `./x.ts` (NodeNext style): esbuild serves the TypeScript.
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'packages/videojs-spk-p2p/tsconfig.json' })],
  browsers: [playwrightLauncher({ product: 'chromium', launchOptions: { executablePath, headless: true, args } })],
  // The machine has 2 shared cores: one page at a time keeps timing-sensitive tests honest.
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 120_000,
  reporters: [defaultReporter(), summaryReporter()],
  testFramework: { config: { timeout: 10_000 } },
};

async function serveMediaRaw(ctx, next) {
  const path = normalize(decodeURIComponent(ctx.path));
  if (!path.startsWith('/demo/media/')) return next();
  try {
    ctx.body = await readFile(new URL(`.${path}`, import.meta.url));
    ctx.type = path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  } catch {
    ctx.status = 404;
  }
}

/** Counts passed and failed tests (a file that failed to load counts as one failure) for scripts/run-wtr.mjs. */
function summaryReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const file = process.env.WTR_SUMMARY_FILE;
      if (!file) return;
      let passed = 0;
      let failed = 0;
      const walk = (suite) => {
        for (const test of suite.tests) test.passed ? passed++ : test.skipped || failed++;
        for (const child of suite.suites) walk(child);
      };
      for (const session of sessions) {
        if (session.testResults) walk(session.testResults);
        if (!session.passed && (session.errors?.length ?? 0) > 0) failed++;
      }
      writeFileSync(file, JSON.stringify({ passed, failed, files: sessions.length }));
    },
  };
}
