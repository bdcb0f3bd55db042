// Does a large run stay viewable (issue 13, item 3)? `edge-evals eval --ui` over the shipped
// evals/ with EVAL_REPEATS against an endpoint that answers at once, then the vitest UI in
// headless Chromium (Debian's, never a download): how long until its explorer lists the test
// files, and the page's JS heap. Then the run's report.html likewise: time to load, DOM size.
//
//   node --import tsx scripts/bench/suite-ui.ts [--repeats 556] [--port 51777]
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/support/browser.ts';
import { loadAverage, machineLine } from './embedded-shared.ts';
import { startInstantServer } from './instant-server.ts';
import { HERE } from './suite-run.ts';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '556' }, port: { type: 'string', default: '51777' } } });
const models = ['bench-a', 'bench-b', 'bench-c'];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-suite-ui-'));
const results = path.join(scratch, 'results');
mkdirSync(path.join(scratch, 'stamps'), { recursive: true });
console.log(`# Suite in the browser: ${machineLine()}`);
console.log(`# ${models.length * 6 * Number(values.repeats)} cases (3 models x 6 prompts x ${values.repeats} repeats); load average at start: ${loadAverage()}`);

const server = await startInstantServer(models);
const child = execa(
  process.execPath,
  ['bin/edge-evals.js', 'eval', '--ui', '--config', 'scripts/bench/suite-overhead/vitest.config.ts', '--open=false', `--api.port=${values.port}`, '--api.strictPort'],
  {
    cwd: HERE,
    env: {
      EVAL_RUNTIME: 'openai',
      EVAL_BASE_URL: server.baseURL,
      EVAL_MODELS: models.join(','),
      EVAL_RESULTS_DIR: results,
      EDGE_EVALS_CACHE: path.join(scratch, 'cache'),
      BENCH_STAMPS_DIR: path.join(scratch, 'stamps'),
      EVAL_REPEATS: values.repeats,
      NO_COLOR: '1',
    },
    all: true,
    reject: false,
  },
);
let output = '';
const started = performance.now();
// In watch mode the run never exits: it is over when the reporter has written the reports.
await new Promise<void>((resolve, reject) => {
  child.all?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('Reports: ')) resolve();
  });
  void child.then(() => reject(new Error(`the UI run ended early:\n${output.split('\n').slice(-30).join('\n')}`)));
});
console.log(`run over after ${((performance.now() - started) / 1000).toFixed(1)} s`);

const heapMB = async (page: Page) =>
  page.evaluate(() => {
    const memory = (performance as { memory?: { usedJSHeapSize: number } }).memory;
    return memory === undefined ? null : memory.usedJSHeapSize / 1024 ** 2;
  });
const browser = await launchChromium();
try {
  const ui = await browser.newPage();
  const opening = performance.now();
  await ui.goto(`http://localhost:${values.port}/__vitest__/`, { waitUntil: 'load', timeout: 120_000 });
  const loaded = performance.now() - opening;
  // The explorer lists the files once the UI has the run's state over its WebSocket.
  await ui.getByText('chat.eval.ts').first().waitFor({ timeout: 300_000 });
  console.log(`vitest UI: page loaded in ${(loaded / 1000).toFixed(1)} s, test files listed after ${((performance.now() - opening) / 1000).toFixed(1)} s, JS heap ${(await heapMB(ui))?.toFixed(0) ?? '?'} MB`);

  const report = await browser.newPage();
  const file = path.join(results, 'report.html');
  const reading = performance.now();
  await report.goto(`file://${file}`, { waitUntil: 'load', timeout: 120_000 });
  const elements = await report.locator('*').count();
  console.log(
    `report.html (${(statSync(file).size / 1024 ** 2).toFixed(1)} MB): loaded in ${((performance.now() - reading) / 1000).toFixed(2)} s, ${elements} DOM elements, JS heap ${(await heapMB(report))?.toFixed(0) ?? '?'} MB`,
  );
} finally {
  await browser.close();
  child.kill('SIGTERM');
  await child;
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`# load average at end: ${loadAverage()}`);
