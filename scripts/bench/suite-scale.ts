// A large suite: 10,000 cases against an endpoint that answers at once (issue 13, item 3). How
// long the run takes to conclude after its last test (results, history, Markdown, HTML, JUnit,
// the gate against a baseline of the same size), the peak memory of the whole process tree,
// and the size of what it writes. Two shapes of suite:
//   repeats   the shipped evals/ (6 prompts) with EVAL_REPEATS, on --models models
//   dataset   one prompt over a dataset of distinct rows (suite-scale/dataset.eval.ts)
// A first run of the same shape writes the baseline and the history (copied to --history runs,
// the trend the reports draw); the second is the one measured. --floor measures vitest alone
// instead: as many empty tests, vitest's default reporter only (no results, no reports).
//
//   node --import tsx scripts/bench/suite-scale.ts [--cases 10000] [--models 3] [--shape repeats|dataset] [--history 9]
//                                                  [--floor] [--keep]
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readResultsFile, saveToHistory } from '../../src/results/files.ts';
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
    floor: { type: 'boolean', default: false },
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
const shapeEnv: Record<string, string> = {
  ...(shape === 'repeats'
    ? { EVAL_REPEATS: String(repeats) }
    : { BENCH_SUITE_FILES: 'scripts/bench/suite-scale/dataset.eval.ts', BENCH_ROWS: String(perModel) }),
  // --floor: the same number of empty tests, vitest's default reporter only: vitest's own memory.
  ...(values.floor ? { BENCH_SUITE_VARIANT: 'floor' } : {}),
};

console.log(`# Suite at scale: ${machineLine()}`);
console.log(`# ${cases} cases (${shape}: ${modelCount} models x ${shape === 'repeats' ? `${SHIPPED_PROMPTS} prompts x ${repeats} repeats` : `${perModel} rows`}), ${historyRuns + 1} runs of history, gate against a baseline of the same run`);
console.log(`# load average at start: ${loadAverage()}`);

if (!values.floor) {
  // The first run: its results become the baseline; its history copy, saved again under earlier
  // dates, a history as a series of runs leaves it.
  const seed = await runSuite({ baseURL: server.baseURL, models, folder: path.join(scratch, 'seed'), resultsDir: results, env: { ...shapeEnv, EVAL_SAVE_BASELINE: baseline } });
  console.error(`seed run: ${(seed.wallMs / 1000).toFixed(1)} s`);
  const seedResults = readResultsFile(path.join(results, 'latest.json'));
  for (let copy = 1; copy < historyRuns; copy++) {
    const createdAt = new Date(Date.parse(seedResults.createdAt) - copy * 3_600_000).toISOString();
    saveToHistory(results, { ...seedResults, createdAt });
  }
}

const run: SuiteRun = await runSuite({
  baseURL: server.baseURL,
  models,
  folder: path.join(scratch, 'measured'),
  resultsDir: results,
  env: { ...shapeEnv, ...(values.floor ? {} : { EVAL_BASELINE: baseline }) },
  sampleRssMs: RSS_SAMPLE_MS,
  launcher: 'npm',
  // Latencies of a server that answers at once are noise: the gate may find them changed.
  exitCodes: [0, 1],
});
await server.close();

const lastTestEnd = Math.max(...run.stamps.map((file) => file.timeOrigin + (file.ends.at(-1) ?? 0)));
const tests = run.stamps.reduce((sum, file) => sum + file.starts.length, 0);
const written = (name: string) => (existsSync(path.join(results, name)) ? statSync(path.join(results, name)) : null);
const after = (name: string) => {
  const file = written(name);
  return file === null ? 'not written' : `${((file.mtimeMs - lastTestEnd) / 1000).toFixed(2)} s`;
};
const size = (name: string) => {
  const file = written(name);
  return file === null ? 'not written' : `${(file.size / 1024 ** 2).toFixed(1)} MB`;
};
printTable(
  ['what', 'figure'],
  [
    ['tests run', String(tests)],
    ['wall time of the run', `${(run.wallMs / 1000).toFixed(1)} s`],
    ['last test to latest.json written', after('latest.json')],
    ['last test to report.html written', after('report.html')],
    ['last test to junit.xml written', after('junit.xml')],
    ['last test to the end of the process (target under 3 s)', `${((run.exitedAt - lastTestEnd) / 1000).toFixed(2)} s`],
    [`peak memory of the process tree, summed RSS (sampled every ${RSS_SAMPLE_MS} ms; target under 500 MB)`, `${run.peakRssMB?.toFixed(0) ?? '?'} MB`],
    ['the same, summed PSS (shared pages counted once)', `${run.peakPssMB?.toFixed(0) ?? '?'} MB`],
    ['latest.json', size('latest.json')],
    ['report.html', size('report.html')],
    ['report.md', size('report.md')],
    ['junit.xml', size('junit.xml')],
    ['gate.json', size('gate.json')],
  ],
);
console.log(`# processes at the peak: ${run.peakProcesses.join('; ')}`);
console.log(`# each process's own peak (20 MB or more): ${run.processPeaks.join('; ')}`);
console.log(`# load average at end: ${loadAverage()}`);
if (values.keep) console.log(`# results kept in ${results}`);
else rmSync(scratch, { recursive: true, force: true });
