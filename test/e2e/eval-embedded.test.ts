// `npm run eval` end to end on the embedded runtime, offline: a configuration mistake, a run
// where one model cannot start and another's server is killed midway, and Ctrl-C. The whole
// default job, measured against the planted truth, is in planted-truth.test.ts. Each run
// gets its own model cache (which also holds the service state) and results folder.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseMeta } from '../../src/contract/case-meta.ts';
import { readResultsFile } from '../../src/results/files.ts';
import { isAlive, sampleProcessTree } from '../../src/util/process-tree.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { plantedTruth } from '../support/planted-truth.ts';
import { processesMatching, waitForNoProcesses } from '../support/processes.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function folders(name: string) {
  return { cache: path.join(work, name, 'cache'), results: path.join(work, name, 'results') };
}

/** Cases recorded so far in results/partial.jsonl. */
function partialCases(resultsDir: string): CaseMeta[] {
  const file = path.join(resultsDir, 'partial.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CaseMeta);
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The shipped prompts. */
const PROMPT_COUNT = 6;

describe('npm run eval on the embedded runtime', () => {
  it('stops with exit code 2 and names the variable on a configuration mistake, before starting anything', async () => {
    const { cache, results } = folders('misconfigured');
    const run = await evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results, EVAL_REPEATS: 'lots', EVAL_RUNTIME: 'ollamma' });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('EVAL_REPEATS="lots": expected an integer from 1 to 10000');
    expect(run.stderr).toContain('EVAL_RUNTIME="ollamma": expected one of auto, embedded');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(cache)).toBe(false);
    expect(existsSync(results)).toBe(false);
    const flag = await evalRun(['--save-baseline'], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain('--save-baseline needs a value');
  });

  it('finishes a run where one model cannot start and another server dies, with the failures explicit', async () => {
    const { cache, results } = folders('failures');
    const run = evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results, EVAL_MODELS: 'fixture-medium,no-such-model,fixture-tiny' });

    // Kill fixture-medium's server once its first answer is recorded.
    await waitFor(() => (partialCases(results).some((meta) => meta.case.model === 'fixture-medium') ? true : undefined), 300_000, "fixture-medium's first case");
    const state = JSON.parse(readFileSync(path.join(cache, 'service.json'), 'utf8')) as { pid: number };
    process.kill(state.pid, 'SIGKILL');

    const finished = await run;
    expect(finished.exitCode, finished.all).toBe(1);
    const output = readResultsFile(resultsFile(results));
    const model = (alias: string) => output.models.find((entry) => entry.alias === alias);
    const cases = (alias: string) => output.cases.filter((testCase) => testCase.model === alias);

    expect(model('no-such-model')?.startError).toContain("unknown model 'no-such-model': not in the embedded catalog");
    expect(cases('no-such-model')).toHaveLength(6);
    for (const testCase of cases('no-such-model')) expect(testCase).toMatchObject({ status: 'error', metrics: null });

    const medium = cases('fixture-medium');
    expect(medium).toHaveLength(6);
    expect(medium.filter((testCase) => testCase.status === 'pass').length).toBeGreaterThanOrEqual(1);
    const lost = medium.filter((testCase) => testCase.status === 'error');
    expect(lost.length).toBeGreaterThanOrEqual(1);
    for (const testCase of lost) expect(testCase.error).toMatch(/connect|ECONNREFUSED|ECONNRESET|terminated|socket|fetch failed/i);

    // A new service is started for the next model, which runs normally: it fails only where
    // its answers carry a planted defect.
    const planted = new Set(plantedTruth('fixture-tiny').answers.filter((answer) => answer.defects.length > 0).map((answer) => answer.prompt));
    for (const testCase of cases('fixture-tiny')) expect(testCase.status).toBe(planted.has(`${testCase.category}/${testCase.prompt}`) ? 'fail' : 'pass');
    expect(finished.stdout).toMatch(/^no-such-model\s+failed/m);
    expect(finished.stdout).toContain('no-such-model: could not start');
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
  }, 600_000);

  it('stops everything on Ctrl-C and concludes the run from the cases measured so far, marked as interrupted', async () => {
    const { cache, results } = folders('interrupted');
    const run = evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results, EVAL_MODELS: 'fixture-medium,fixture-tiny', EVAL_REPEATS: '3' }, { detached: true });
    const measured = await waitFor(() => {
      const count = partialCases(results).length;
      return count > 0 ? count : undefined;
    }, 300_000, 'the first case');
    const state = JSON.parse(readFileSync(path.join(cache, 'service.json'), 'utf8')) as { pid: number };
    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-(run.pid as number), 'SIGINT');
    const finished = await run;
    expect(finished.exitCode, finished.all).toBe(130);
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
    expect(isAlive(state.pid)).toBe(false);

    // The cases measured became latest.json, marked as interrupted, and partial.jsonl went with it.
    const output = readResultsFile(resultsFile(results));
    expect(output.interrupted).toEqual({ signal: 'SIGINT', modelsNotReached: ['fixture-tiny'] });
    expect(output.cases.length).toBeGreaterThanOrEqual(measured);
    expect(output.cases.length).toBeLessThan(2 * PROMPT_COUNT * 3);
    expect(output.models.map((model) => model.alias)).toEqual(['fixture-medium']);
    expect(existsSync(path.join(results, 'partial.jsonl'))).toBe(false);
    expect(existsSync(path.join(results, 'history'))).toBe(false);

    const count = `${output.cases.length} case${output.cases.length === 1 ? '' : 's'}`;
    expect(finished.stderr).toContain(`[edge-evals] SIGINT: interrupted after ${count}; partial results follow`);
    expect(finished.stdout).toContain(`Interrupted (SIGINT): ${count} measured before the run stopped`);
    expect(finished.stdout).toMatch(/^fixture-medium\s/m);
    expect(finished.all).not.toMatch(/^\s+at /m);
    expect(readFileSync(path.join(results, 'report.md'), 'utf8')).toContain(`> ⚠️ **Interrupted (SIGINT): ${count} measured before the run stopped; not reached: fixture-tiny.`);
    expect(readFileSync(path.join(results, 'report.html'), 'utf8')).toContain('<p class="verdict interrupted" id="interrupted">Interrupted (SIGINT)');
    // junit.xml is written with the reports, from the same cases: never the empty file vitest's
    // own JUnit reporter left, which opened it at the start.
    const junit = readFileSync(path.join(results, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase classname="fixture-medium"/g)).toHaveLength(output.cases.length);
    expect(junit).toContain(`<error message="Interrupted (SIGINT): ${count} measured before the run stopped`);
  }, 600_000);

  it('concludes the run from the cases measured so far when vitest itself is killed, and leaves nothing running', async () => {
    const { cache, results } = folders('crashed');
    const run = evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results, EVAL_MODELS: 'fixture-tiny', EVAL_REPEATS: '3' });
    await waitFor(() => (partialCases(results).length > 0 ? true : undefined), 300_000, 'the first case');
    // The vitest process this eval command started (never another run's on the machine):
    // killed at once, its reporter never runs.
    const family = new Set((await sampleProcessTree([run.pid as number])).map((member) => member.pid));
    const [vitest] = processesMatching('vitest.mjs', 'run', '--project', 'fixture-tiny').filter((pid) => family.has(pid));
    expect(vitest).toBeDefined();
    process.kill(vitest as number, 'SIGKILL');
    const finished = await run;
    expect(finished.exitCode, finished.all).toBe(1);
    expect(finished.stderr).toMatch(/\[edge-evals\] vitest ended \(SIGKILL\) before concluding the run: interrupted after \d+ cases?; partial results follow/);
    const output = readResultsFile(resultsFile(results));
    expect(output.interrupted?.signal).toBe('SIGKILL');
    expect(output.cases.length).toBeGreaterThan(0);
    const junit = readFileSync(path.join(results, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase classname="fixture-tiny"/g)).toHaveLength(output.cases.length);
    expect(junit).toContain('<error message="Interrupted (SIGKILL)');
    // The service followed the vitest process it was bound to; vitest's workers ended with it.
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
    const deadline = Date.now() + 10_000;
    while ([...family].some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect([...family].filter(isAlive)).toEqual([]);
  }, 600_000);
});
