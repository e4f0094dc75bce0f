// Runs the dashboard's browser tests (scenarios.mjs), each against its own fresh
// `ordo serve --demo`, and saves screenshots of what they saw.
//
//   node e2e/run.mjs --ordo build/src/cli/ordo [--out DIR] [--only NAME[,NAME…]]
//
// Prints one line per test and a closing "N passed, N failed"; exits 1 when any failed.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Api, OrdoServer, launchBrowser, screenshotter } from './harness.mjs';
import { scenarios } from './scenarios.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const ordo = arg('ordo', process.env.ORDO_BIN);
if (!ordo) { console.error('run.mjs: --ordo <path to the ordo binary> is required'); process.exit(2); }
const out = resolve(arg('out', 'e2e-out'));
const only = arg('only', '');
const names = only ? only.split(',') : Object.keys(scenarios);
for (const n of names) if (!scenarios[n]) { console.error(`run.mjs: no test ${n}; there are: ${Object.keys(scenarios).join(', ')}`); process.exit(2); }

// Faster retries than the default 1 s / 2 s / 4 s, so that a job dies within a few seconds.
const SERVER_ARGS = ['--job-retry-base', '250ms', '--log-level', 'info'];
// The load test needs stock for 100,000 orders and no staff rate limit for its load generator.
const EXTRA_ARGS = { views_fast_with_100k_orders: ['--demo-stock', '5000', '--rate-limit-staff', '0'] };

let passed = 0;
let failed = 0;
for (const name of names) {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = new OrdoServer(ordo, dir, [...SERVER_ARGS, ...(EXTRA_ARGS[name] ?? [])]);
  let browser;
  const started = Date.now();
  try {
    await server.start();
    browser = await launchBrowser();
    await scenarios[name]({ server, api: new Api(server.url), browser, shot: screenshotter(dir), ordo });
    passed++;
    console.log(`ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${e.stack ?? e}`);
    console.log(`  server log: ${join(dir, 'server.log')}`);
    if (browser) {
      // A screenshot of every open page as it was when the test failed.
      let i = 0;
      for (const context of browser.contexts())
        for (const page of context.pages()) {
          try { await page.screenshot({ path: join(dir, `failure-${++i}.png`), fullPage: true }); } catch { /* closed */ }
          if (page.errors?.length) console.log(`  page errors: ${page.errors.join(' | ')}`);
        }
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  }
}
console.log(`screenshots: ${out}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
