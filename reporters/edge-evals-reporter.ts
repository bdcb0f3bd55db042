// The edge-evals reporter: collects what each eval test recorded on `task.meta.edgeEvals`,
// builds the results (src/results/build.ts), writes results/latest.json atomically and prints
// the comparison table with the recommendation. Cases are also appended, one JSON line each,
// to results/partial.jsonl as they finish, so a crash or Ctrl-C loses nothing measured
// (after Ctrl-C, `npm run eval` concludes the run from it: src/cli/commands/eval.ts).
// Around the eval tests it calibrates the machine (src/lifecycle/calibration.ts), before the
// first model starts and after the last test. It does nothing in runs without eval tests
// (`npm test`), and calibrates nothing when merging shards (their machines are not this one).
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node';
import { loadConfig, type EvalConfig } from '../src/config/env.ts';
import type { Calibration } from '../src/contract/results.ts';
import { calibrateMachine } from '../src/lifecycle/calibration.ts';
import { readPlan } from '../src/lifecycle/plan.ts';
import { writeAndConclude } from '../src/report/conclude.ts';
import { assembleResults } from '../src/results/assemble.ts';
import { PARTIAL_RESULTS } from '../src/results/files.ts';
import { makeFolders } from '../src/util/files.ts';

const EVAL_FILE = /\.eval\.[cm]?[jt]s$/;
const MAX_LISTED_UNRECORDED = 5;

/** Eval tests that failed without recording their case, each with the first line of its error. */
function unrecordedFailures(testModules: ReadonlyArray<TestModule>): string[] {
  return testModules
    .filter((testModule) => EVAL_FILE.test(testModule.moduleId))
    .flatMap((testModule) => [...testModule.children.allTests()])
    .filter((test) => test.meta().edgeEvals === undefined && test.result().state === 'failed')
    .map((test) => `${test.fullName}: ${(test.result().errors?.[0]?.message ?? 'no error given').split('\n')[0]}`);
}

export default class EdgeEvalsReporter implements Reporter {
  private vitest: Vitest | undefined;
  private config: EvalConfig | undefined;
  /** partial.jsonl, open for appending from the first case on: one write per case, no open and close. */
  private partialFd: number | null = null;
  private calibrationAtStart: Calibration | null = null;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  async onTestRunStart(specifications: ReadonlyArray<TestSpecification>): Promise<void> {
    if (specifications.some((specification) => EVAL_FILE.test(specification.moduleId))) this.calibrationAtStart = await calibrateMachine();
  }

  onTestCaseResult(testCase: TestCase): void {
    const { edgeEvals: meta, edgeEvalsJudge: verdict } = testCase.meta();
    if (meta === undefined && verdict === undefined) return;
    if (this.partialFd === null) {
      const file = path.join(this.settings().resultsDir, PARTIAL_RESULTS);
      makeFolders(path.dirname(file));
      this.partialFd = openSync(file, 'w');
    }
    writeSync(this.partialFd, `${JSON.stringify(meta ?? { verdict })}\n`);
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): Promise<void> {
    const tests = testModules.flatMap((module) => [...module.children.allTests()]);
    const metas = tests.flatMap((test) => test.meta().edgeEvals ?? []);
    const verdicts = tests.flatMap((test) => test.meta().edgeEvalsJudge ?? []);
    if (this.partialFd !== null) closeSync(this.partialFd);
    this.partialFd = null;
    if (metas.length === 0) return;
    const config = this.settings();
    const start = this.calibrationAtStart;
    const calibration = start === null ? null : { start, end: await calibrateMachine() };
    // vitest cancelled the run itself (--bail): the results say so, like those of a Ctrl-C.
    const plan = readPlan();
    const results = assembleResults(metas, { config, plan, calibration, interrupted: reason === 'interrupted' ? { signal: null } : undefined }, verdicts);
    // latest.json, then history, baseline gate and saving, Markdown/HTML reports: src/report/conclude.ts.
    const conclusion = writeAndConclude(results, { config, state: reason, unhandledErrors: unhandledErrors.length, checkedBaseline: plan?.checkedBaseline, stream: process.stdout });
    this.log(`\n${conclusion.text}`);
    // vitest set its exit code before this hook; with a baseline, the gate's verdict wins.
    if (conclusion.exitCode !== null) process.exitCode = conclusion.exitCode;
    // Unless an eval test failed without a case to show for it: the gate never saw it.
    const unrecorded = unrecordedFailures(testModules);
    if (unrecorded.length > 0) {
      const listed = unrecorded.slice(0, MAX_LISTED_UNRECORDED).map((line) => `  - ${line}`);
      const more = unrecorded.length > MAX_LISTED_UNRECORDED ? [`  ... and ${unrecorded.length - MAX_LISTED_UNRECORDED} more`] : [];
      const count = `${unrecorded.length} eval test${unrecorded.length === 1 ? '' : 's'}`;
      this.log([`error: ${count} failed before recording a case (a hook that threw, a test past its timeout); the results, reports and gate leave them out:`, ...listed, ...more].join('\n'));
      if (conclusion.exitCode === 0) process.exitCode = 1;
    }
  }

  private settings(): EvalConfig {
    this.config ??= loadConfig();
    return this.config;
  }

  private log(text: string): void {
    if (this.vitest !== undefined) this.vitest.logger.log(text);
    else process.stdout.write(`${text}\n`);
  }
}
