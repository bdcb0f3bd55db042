// A large suite: 10,000 cases against an endpoint that answers at once (issue 13, item 3). How
// long the run takes to conclude after its last test (results, history, Markdown, HTML, JUnit,
// the gate against a baseline of the same size), the peak memory of the whole process tree,
// and the size of what it writes. Two shapes of suite:
//   repeats   the shipped evals/ (6 prompts) with EVAL_REPEATS, on --models models
//   dataset   one prompt over a dataset of distinct rows (suite-scale/dataset.eval.ts)
// A first run of the same shape writes the baseline and the history (copied to --history runs,
// the trend the reports draw); the second is the one measured.
//
//   npm run bench -- suite-scale [--cases 10000] [--models 3] [--shape repeats|dataset] [--history 9]
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage, machineLine, printTable } from './embedded-shared.ts';
import { startInstantServer } from './instant-server.ts';
import { runSuite, type SuiteRun } from './suite-run.ts';

const SHIPPED_PROMPTS = 6;
const RSS_SAMPLE_MS = 100;

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    models: { type: 'string', default: '3' },
    shape: { type: 'string', default: 'repeats' },
    history: { type: 'string', default: '9' },
    keep: { type: 'boolean', default: false },
  },
});
const shape = values.shape;
if (shape !== 'repeats' && shape !== 'dataset') throw new Error(`--shape ${shape}: expected repeats or dataset`);
const modelCount = Number(values.models);
const perModel = Math.ceil(Number(values.cases) / modelCount);
const repeats = Math.ceil(perModel / SHIPPED_PROMPTS);
const cases = modelCount * (shape === 'repeats' ? repeats * SHIPPED_PROMPTS : perModel);
const historyRuns = Number(values.history);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-suite-scale-'));
const models = Array.from({ length: modelCount }, (_, index) => `bench-${String.fromCharCode(97 + index)}`);
const server = await startInstantServer(models);
const results = path.join(scratch, 'results');
const baseline = path.join(scratch, 'baseline.json');
const shapeEnv: Record<string, string> =
  shape === 'repeats'
    ? { EVAL_REPEATS: String(repeats) }
    : { BENCH_SUITE_FILES: 'scripts/bench/suite-scale/dataset.eval.ts', BENCH_ROWS: String(perModel) };

console.log(`# Suite at scale: ${machineLine()}`);
console.log(`# ${cases} cases (${shape}: ${modelCount} models x ${shape === 'repeats' ? `${SHIPPED_PROMPTS} prompts x ${repeats} repeats` : `${perModel} rows`}), ${historyRuns + 1} runs of history, gate against a baseline of the same run`);
console.log(`# load average at start: ${loadAverage()}`);

// The first run: its results become the baseline, its history copy the trend.
const seed = await runSuite({ baseURL: server.baseURL, models, folder: path.join(scratch, 'seed'), resultsDir: results, env: { ...shapeEnv, EVAL_SAVE_BASELINE: baseline } });
console.error(`seed run: ${(seed.wallMs / 1000).toFixed(1)} s`);
const historyFolder = path.join(results, 'history');
const [first] = readdirSync(historyFolder);
if (first === undefined) throw new Error('the seed run kept no history');
for (let copy = 1; copy < historyRuns; copy++) copyFileSync(path.join(historyFolder, first), path.join(historyFolder, first.replace('.json', `-${copy + 1}.json`)));

const run: SuiteRun = await runSuite({
  baseURL: server.baseURL,
  models,
  folder: path.join(scratch, 'measured'),
  resultsDir: results,
  env: { ...shapeEnv, EVAL_BASELINE: baseline },
  sampleRssMs: RSS_SAMPLE_MS,
  launcher: 'npm',
  // Latencies of a server that answers at once are noise: the gate may find them changed.
  exitCodes: [0, 1],
});
await server.close();

const lastTestEnd = Math.max(...run.stamps.map((file) => file.timeOrigin + (file.ends.at(-1) ?? 0)));
const tests = run.stamps.reduce((sum, file) => sum + file.starts.length, 0);
const written = (name: string) => statSync(path.join(results, name));
const after = (name: string) => ((written(name).mtimeMs - lastTestEnd) / 1000).toFixed(2);
const size = (name: string) => `${(written(name).size / 1024 ** 2).toFixed(1)} MB`;
printTable(
  ['what', 'figure'],
  [
    ['tests run', String(tests)],
    ['wall time of the run', `${(run.wallMs / 1000).toFixed(1)} s`],
    ['last test to latest.json written', `${after('latest.json')} s`],
    ['last test to report.html written', `${after('report.html')} s`],
    ['last test to junit.xml written', `${after('junit.xml')} s`],
    ['last test to the end of the process (target under 3 s)', `${((run.exitedAt - lastTestEnd) / 1000).toFixed(2)} s`],
    [`peak RSS of the process tree (sampled every ${RSS_SAMPLE_MS} ms; target under 500 MB)`, `${run.peakRssMB?.toFixed(0) ?? '?'} MB`],
    ['latest.json', size('latest.json')],
    ['report.html', size('report.html')],
    ['report.md', size('report.md')],
    ['junit.xml', size('junit.xml')],
    ['gate.json', size('gate.json')],
  ],
);
console.log(`# processes at the peak: ${run.peakProcesses.join('; ')}`);
console.log(`# load average at end: ${loadAverage()}`);
if (values.keep) console.log(`# results kept in ${results}`);
else rmSync(scratch, { recursive: true, force: true });
