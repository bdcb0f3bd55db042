// What does edge-evals cost a test, beyond vitest's own floor? (issue 13, item 1.) The eval run
// (vitest started as `npm run eval` starts it) goes against an OpenAI-compatible server that answers at once (instant-server.ts), in the eval
// projects' configuration (one project per model, one worker, no isolation), with a setup file
// that timestamps every test in the worker (suite-overhead/stamps.ts). Variants, interleaved
// round by round so that background load hits all alike:
//   floor                empty tests, vitest's default reporter only: vitest's own cost
//   annotate             the three annotations of a test alone
//   bare                 one request per test with a bare node:http client: the server's share
//   parts                edge-evals' client, the checks of a text prompt, the resources round
//                        trip, each timed
//   ours                 the shipped evals/, as in `npm run eval` (annotations of failing tests only)
//   ours-annotate-all    the same with every test annotated (EVAL_ANNOTATE=all, as with the vitest UI)
//   ours-no-annotations  the same with context.annotate knocked out
//   ours-no-meta         the same with the recorded case knocked out (no results, no partial.jsonl)
//   before               `ours` in another checkout (--before <dir>, e.g. `git worktree add` of an
//                        older commit with node_modules linked and this folder's bench files copied)
// Per test = from one test's start to the next one's in the same file (median, and the mean,
// which includes what happens once per file). Overhead = ours - floor - the bare request.
//
//   node --import tsx scripts/bench/suite-overhead.ts [--models 3] [--repeats 40] [--rounds 3] [--variants floor,bare,ours]
//                                                    [--before <checkout>] [--profile <dir>]
// --profile writes CPU profiles of vitest's main process and of its workers (<dir>/<variant>-<round>/),
// for chrome://inspect or scripts/bench/profile-summary.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage, machineLine, median, printTable } from './embedded-shared.ts';
import { startInstantServer } from './instant-server.ts';
import { runSuite } from './suite-run.ts';

const VARIANTS = ['floor', 'annotate', 'bare', 'parts', 'ours', 'ours-annotate-all', 'ours-no-annotations', 'ours-no-meta', 'before'] as const;
const DEFAULT_VARIANTS = VARIANTS.filter((variant) => variant !== 'before');
type Variant = (typeof VARIANTS)[number];

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string' },
    before: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const modelCount = Number(values.models);
const repeats = Number(values.repeats);
const rounds = Number(values.rounds);
const variants = (values.variants?.split(',') ?? [...DEFAULT_VARIANTS, ...(values.before === undefined ? [] : ['before'])]) as Variant[];
const before = values.before === undefined ? undefined : path.resolve(values.before);
if (variants.includes('before') && before === undefined) throw new Error('the variant `before` needs --before <checkout>');
for (const variant of variants) {
  if (!VARIANTS.includes(variant)) throw new Error(`unknown variant ${variant}; known: ${VARIANTS.join(', ')}`);
}

interface RunFigures {
  wallMs: number;
  tests: number;
  /** From one test's start to the next one's, within a file. */
  cycles: number[];
  /** Each file's first start to last end, summed, over the tests. */
  meanInFileMs: number;
  bodies: number[];
  parts: Record<string, number[]>;
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-suite-overhead-'));
const models = Array.from({ length: modelCount }, (_, index) => `bench-${String.fromCharCode(97 + index)}`);
const server = await startInstantServer(models);

async function runOnce(variant: Variant, round: number): Promise<RunFigures> {
  const run = await runSuite({
    checkout: variant === 'before' ? before : undefined,
    baseURL: server.baseURL,
    models,
    folder: path.join(scratch, `${variant}-${round}`),
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile, `${variant}-${round}`),
    env: {
      EVAL_REPEATS: String(repeats),
      BENCH_SUITE_VARIANT: variant === 'before' ? 'ours' : variant,
      ...(variant === 'ours-annotate-all' ? { EVAL_ANNOTATE: 'all' } : {}),
    },
  });
  const figures: RunFigures = { wallMs: run.wallMs, tests: 0, cycles: [], meanInFileMs: 0, bodies: [], parts: {} };
  let inFile = 0;
  for (const file of run.stamps) {
    figures.tests += file.starts.length;
    for (let index = 1; index < file.starts.length; index++) figures.cycles.push((file.starts[index] ?? 0) - (file.starts[index - 1] ?? 0));
    file.starts.forEach((start, index) => figures.bodies.push((file.ends[index] ?? start) - start));
    if (file.starts.length > 0) inFile += (file.ends.at(-1) ?? 0) - (file.starts[0] ?? 0);
    for (const [part, times] of Object.entries(file.parts)) (figures.parts[part] ??= []).push(...times);
  }
  figures.meanInFileMs = figures.tests === 0 ? 0 : inFile / figures.tests;
  return figures;
}

console.log(`# Suite overhead: ${machineLine()}`);
console.log(`# ${modelCount} models x 6 prompts x ${repeats} repeats = ${modelCount * 6 * repeats} tests a run; ${rounds} round(s) of: ${variants.join(', ')}`);
console.log(`# load average at start: ${loadAverage()}`);

const results = new Map<Variant, RunFigures[]>(variants.map((variant) => [variant, []]));
for (let round = 0; round < rounds; round++) {
  // Rotate the order, so no variant always runs first (or right after another).
  const order = variants.map((_, index) => variants[(index + round) % variants.length] as Variant);
  for (const variant of order) {
    const figures = await runOnce(variant, round);
    results.get(variant)?.push(figures);
    console.error(`round ${round + 1}: ${variant} ${(figures.wallMs / 1000).toFixed(1)} s, per test ${median(figures.cycles).toFixed(2)} ms`);
  }
}
await server.close();

const pooled = (variant: Variant, pick: (figures: RunFigures) => number[]) => (results.get(variant) ?? []).flatMap(pick);
const medianOfRuns = (variant: Variant, pick: (figures: RunFigures) => number) => median((results.get(variant) ?? []).map(pick));
const perTest = (variant: Variant) => median(pooled(variant, (figures) => figures.cycles));
printTable(
  ['variant', 'tests', 'wall s', 'per test ms (median)', 'per test ms (mean, in file)', 'test body ms (median)'],
  variants.map((variant) => [
    variant,
    String(results.get(variant)?.[0]?.tests ?? 0),
    (medianOfRuns(variant, (figures) => figures.wallMs) / 1000).toFixed(2),
    perTest(variant).toFixed(2),
    medianOfRuns(variant, (figures) => figures.meanInFileMs).toFixed(2),
    median(pooled(variant, (figures) => figures.bodies)).toFixed(2),
  ]),
);

const partRows: string[][] = [];
for (const variant of variants) {
  const parts = new Map<string, number[]>();
  for (const figures of results.get(variant) ?? []) for (const [part, times] of Object.entries(figures.parts)) parts.set(part, [...(parts.get(part) ?? []), ...times]);
  for (const [part, times] of parts) partRows.push([variant, part, String(times.length), median(times).toFixed(3)]);
}
if (partRows.length > 0) {
  console.log('');
  printTable(['variant', 'part', 'n', 'median ms'], partRows);
}

if (variants.includes('floor') && variants.includes('ours')) {
  const floor = perTest('floor');
  const ours = perTest('ours');
  const bareParts = pooled('bare', (figures) => figures.parts['bare request'] ?? []);
  const request = bareParts.length > 0 ? median(bareParts) : 0;
  const overhead = ours - floor - request;
  console.log('');
  console.log(`# per test: ours ${ours.toFixed(2)} ms - floor ${floor.toFixed(2)} ms - bare request ${request.toFixed(2)} ms = overhead ${overhead.toFixed(2)} ms (target under 1 ms: ${overhead < 1 ? 'met' : 'NOT met'})`);
  if (variants.includes('ours-annotate-all')) console.log(`# ours-annotate-all: ${(perTest('ours-annotate-all') - floor - request).toFixed(2)} ms of overhead a test`);
  for (const knockout of ['ours-no-annotations', 'ours-no-meta'] as const) {
    if (variants.includes(knockout)) console.log(`# ${knockout}: ${(ours - perTest(knockout)).toFixed(2)} ms a test less than ours`);
  }
  if (variants.includes('before')) console.log(`# before (${before}): ${(perTest('before') - floor - request).toFixed(2)} ms of overhead a test`);
}
console.log(`# load average at end: ${loadAverage()}`);
if (values.keep) console.log(`# runs kept in ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
