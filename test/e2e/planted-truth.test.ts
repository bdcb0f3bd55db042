// The default job, `npm run eval` on a fresh cache and offline, measured against the planted
// truth of the three synthetic models: every reply is its planted answer, byte for byte; every
// planted defect is caught by the check it targets (recall) and no check fails a correct answer
// (precision). Planted failures are expected ones, so the run exits 0 when every verdict matches
// the plant. One run serves both tests.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssertionResult, Results } from '../../src/contract/results.ts';
import { readResultsFile } from '../../src/results/files.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { plantedTruth } from '../support/planted-truth.ts';
import { processesMatching } from '../support/processes.ts';
import { SHIPPED_PROMPTS } from '../support/shipped-prompts.ts';

const MODELS = ['fixture-tiny', 'fixture-small', 'fixture-medium'];

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-planted-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cache = path.join(work, 'cache');
const resultsDir = path.join(work, 'results');

let defaultRun: ReturnType<typeof evalRun> | undefined;
const runDefaultJob = () => (defaultRun ??= evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: resultsDir }, { timeout: 540_000 }));

/** The thresholds, as checks: they judge the machine's speed, not the answer. */
const PERFORMANCE_CHECKS = new Set(['max-ttft', 'max-e2e', 'max-tpot', 'min-tokens-per-sec']);

/** The checks that judge what a reply says or how it is shaped. */
function judged(checks: readonly AssertionResult[]): AssertionResult[] {
  return checks.filter((check) => !PERFORMANCE_CHECKS.has(check.type));
}

describe('npm run eval against the planted truth', () => {
  it('compares the three synthetic models on the six prompts, exits 0, and shows the trade-off and the planted defects caught', async () => {
    const run = await runDefaultJob();
    expect(run.exitCode, run.all).toBe(0);
    // The table shows the criteria for the three models, from the model-free scorers; at 80
    // columns (not a terminal) the planted counts in Checks leave no room for Speed, which the
    // table then names under it, and report.md shows.
    expect(run.stdout).toMatch(/Model\s+E2E p50\s+Accuracy\s+Completeness\s+Clarity\s+Checks/);
    expect(run.stdout).toMatch(/not shown at this width: .*Speed/s);
    expect(readFileSync(path.join(resultsDir, 'report.md'), 'utf8')).toMatch(/\| Accuracy \| Completeness \| Clarity \| Speed \|/);
    expect(run.stdout).toMatch(/^fixture-medium\s+[\d.]+ m?s\s+\d\.\d/m);
    const unwrapped = run.stdout.replace(/\s+/g, ' ');
    expect(unwrapped).toContain('accuracy, completeness, clarity by the model-free scorers');
    expect(unwrapped).toMatch(/overall: fixture-\w+ - best weighted score \(weights: accuracy 0\.4, completeness 0\.3, clarity 0\.2, speed 0\.1\)/);
    expect(run.stdout).toMatch(/^fixture-tiny\s.*\(3 planted\)$/m);
    expect(run.stdout).toMatch(/^fixture-small\s.*\(2 planted\)$/m);
    expect(run.stdout).toMatch(/^fixture-medium\s.*\s(\d+)\/\1$/m);
    expect(run.stdout).toContain('Planted defects caught (5)');
    for (const defect of ['sorts-descending', 'only-pros', 'names-one-benefit', 'ignores-one-sentence', 'parallel-myth']) {
      expect(run.stdout.replace(/\s+/g, ' ')).toContain(`planted defect ${defect}, caught by`);
    }
    expect(run.stdout).not.toMatch(/^Failures \(/m);

    const output: Results = readResultsFile(resultsFile(resultsDir));
    expect(output.runtime.name).toBe('embedded');
    expect(output.models.map((model) => model.alias)).toEqual(MODELS);
    for (const model of output.models) {
      expect(model).toMatchObject({ synthetic: true, knownAnswers: true, startError: null, cases: 6, errored: 0, skipped: 0 });
      expect(model.loadMs).toBeGreaterThan(0);
      expect(model.peakRssMB).toBeGreaterThan(50);
      expect(model.summary.tokensPerSec.n).toBe(6);
    }
    expect(output.models.map((model) => [model.failed, model.checksPlanted])).toEqual([[3, 3], [2, 2], [0, 0]]);
    expect(output.cases).toHaveLength(18);
    for (const testCase of output.cases) {
      expect(Object.keys(SHIPPED_PROMPTS)).toContain(`${testCase.category}/${testCase.prompt}`);
      expect(testCase.metrics?.tokenSource).toBe('usage');
      expect(testCase.metrics?.server).not.toBeNull();
      expect(testCase.assertions.some((check) => check.skipped === true)).toBe(false);
      expect(testCase.assertions.map((check) => check.type)).toContain('max-ttft');
      // Every answer scored on the four criteria; code accuracy from running it.
      expect([...new Set(testCase.criteria?.map((score) => score.criterion))].sort()).toEqual(['accuracy', 'clarity', 'completeness', 'speed']);
    }
    for (const model of output.models) {
      const headline = model.criteria?.filter((summary) => summary.headline) ?? [];
      expect(headline.map((summary) => summary.criterion)).toEqual(['accuracy', 'completeness', 'clarity', 'speed']);
      for (const summary of headline) expect(summary.mean).toBeGreaterThanOrEqual(1);
      expect(model.weightedScore).toBeGreaterThan(1);
    }
    // The planted characters come through: medium is the most complete and the slowest, tiny the least complete and the fastest.
    const mean = (alias: string, criterion: string) =>
      output.models.find((model) => model.alias === alias)?.criteria?.find((summary) => summary.criterion === criterion && summary.headline)?.mean ?? 0;
    expect(mean('fixture-medium', 'completeness')).toBeGreaterThan(mean('fixture-small', 'completeness'));
    expect(mean('fixture-small', 'completeness')).toBeGreaterThan(mean('fixture-tiny', 'completeness'));
    expect(mean('fixture-tiny', 'speed')).toBeGreaterThan(mean('fixture-medium', 'speed'));

    // The trade-off, stated with the criteria: the best answers come from the slowest model, the fastest misses points.
    const recommendation = (category: string) => output.recommendations.find((entry) => entry.category === category);
    expect(recommendation('quality')?.model).toBe('fixture-medium');
    expect(recommendation('quality')?.reason).toMatch(/^best accuracy, completeness and clarity: accuracy .*x slower than fixture-tiny, whose \w+ is \d\.\d\/5, synthetic, known answers$/);
    expect(output.recommendations.find((entry) => entry.model === 'fixture-tiny')?.reason).toMatch(/completeness \d\.\d\/5/);

    // One model in memory at a time: each is unloaded before the next one starts.
    const log = run.all ?? '';
    // The model's name once per line; a model generated for the run is said to be generated.
    expect(log).toContain('[edge-evals] fixture-tiny: building the weights');
    expect(log).not.toContain('fixture-tiny: fixture-tiny:');
    expect(log).toMatch(/\[edge-evals\] fixture-tiny: loaded fixture-tiny in \d+ ms \(generated in \d+ ms\)/);
    for (const [previous, next] of [['fixture-tiny', 'fixture-small'], ['fixture-small', 'fixture-medium']]) {
      expect(log.indexOf(`${previous}: unloaded`)).toBeGreaterThan(-1);
      expect(log.indexOf(`${previous}: unloaded`)).toBeLessThan(log.indexOf(`${next}: starting`));
    }
    expect(existsSync(path.join(resultsDir, 'partial.jsonl'))).toBe(false);
    expect(processesMatching('serve', cache)).toEqual([]);
  }, 600_000);

  it('gives every planted answer byte for byte, and every verdict of the shipped checks matches the plant: recall and precision', async () => {
    expect((await runDefaultJob()).exitCode).toBe(0);
    const output = readResultsFile(resultsFile(resultsDir));
    let planted = 0;
    let caught = 0;
    let falseAlarms = 0;
    const lines: string[] = [];
    for (const alias of MODELS) {
      const truth = plantedTruth(alias);
      for (const testCase of output.cases.filter((candidate) => candidate.model === alias)) {
        const key = `${testCase.category}/${testCase.prompt}`;
        const answer = truth.answers.find((candidate) => candidate.prompt === key);
        expect(testCase.response, `${alias} ${key}`).toBe(answer?.text);
        const checks = judged(testCase.assertions);
        for (const defect of answer?.defects ?? []) {
          // Each check the plant names is marked with the defect, and failed.
          const marked = checks.filter((check) => check.planted === defect.name);
          expect(marked.length, `${alias} ${key} ${defect.name}`).toBe(defect.fails.length);
          planted += defect.fails.length;
          const hits = marked.filter((check) => !check.pass);
          caught += hits.length;
          lines.push(`  ${alias} ${key}: ${defect.name} ${hits.length === defect.fails.length ? 'caught' : 'MISSED'} by ${marked.map((check) => check.type).join(', ')}`);
        }
        for (const check of checks.filter((candidate) => !candidate.pass && candidate.planted === undefined)) {
          falseAlarms += 1;
          lines.push(`  ${alias} ${key}: FALSE ALARM ${check.type}: ${check.reason}`);
        }
      }
    }
    const judgedChecks = output.cases.reduce((sum, testCase) => sum + judged(testCase.assertions).length, 0);
    const recall = planted === 0 ? 1 : caught / planted;
    const precision = caught + falseAlarms === 0 ? 1 : caught / (caught + falseAlarms);
    console.log(
      [
        `Planted truth: ${judgedChecks} verdicts of the shipped checks on ${output.cases.length} answers`,
        `  recall ${recall.toFixed(2)} (${caught} of ${planted} planted defects caught), precision ${precision.toFixed(2)} (${falseAlarms} correct answers failed)`,
        ...lines,
      ].join('\n'),
    );
    expect(planted).toBe(5);
    expect({ recall, precision }).toEqual({ recall: 1, precision: 1 });
  }, 600_000);
});
