// `npm run eval` with a judge, offline, end to end: the scripted judge stand-in on its own
// endpoint (verdicts, a refusal, a judge that dies midway), and a synthetic model judging on the
// embedded runtime through the same lifecycle as the candidates (JSON-schema grammar, the
// verdict cache, a model judging its own answers). Candidates answer first, the judge after.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wentAsPlanted } from '../../src/contract/results.ts';
import { readResultsFile } from '../../src/results/files.ts';
import type { AnnotatedTest } from '../support/annotations-reporter.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { startJudgeStandIn, type RunningJudge } from '../support/judge-stand-in.ts';
import { waitForNoProcesses } from '../support/processes.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-judge-'));
const judges: RunningJudge[] = [];
afterAll(async () => {
  await Promise.all(judges.map((judge) => judge.stop()));
  rmSync(work, { recursive: true, force: true });
});

function folders(name: string) {
  return { cache: path.join(work, name, 'cache'), results: path.join(work, name, 'results') };
}

describe('npm run eval with a judge', () => {
  it('judges every answer after the candidates, records a refusal as a judge error, and fails only the judge\'s test', async () => {
    const judge = await startJudgeStandIn(
      {
        rules: [{ criterion: 'clarity', answerContains: 'I am fixture-tiny', replies: ["I'm sorry, I cannot grade that."] }],
        default: { score: 4, reason: 'Scripted verdict.', probabilities: { '4': 0.75, '5': 0.25 } },
      },
      work,
      'scripted',
    );
    judges.push(judge);
    const { cache, results } = folders('scripted');
    const annotationsFile = path.join(work, 'scripted-annotations.json');
    const reporters = ['--reporter=default', '--reporter=./reporters/edge-evals-reporter.ts', '--reporter=./test/support/annotations-reporter.ts'];
    const run = await evalRun(['-t', 'chat/', ...reporters], {
      EDGE_EVALS_CACHE: cache,
      EVAL_RESULTS_DIR: results,
      EVAL_JUDGE: 'scripted-judge',
      EVAL_JUDGE_BASE_URL: judge.baseURL,
      ANNOTATIONS_REPORT_FILE: annotationsFile,
    });
    // The judge's refusal fails the judge's test, so the run; every candidate passes.
    expect(run.exitCode, run.all).toBe(1);
    const log = run.all ?? '';
    expect(log).toContain('judge: scripted-judge on openai (EVAL_JUDGE_BASE_URL), after the candidates');
    expect(log.indexOf('fixture-medium: unloaded')).toBeGreaterThan(-1);
    expect(log.indexOf('fixture-medium: unloaded')).toBeLessThan(log.indexOf('scripted-judge: starting on openai'));

    // The judge's tests annotate as the candidates' do (EVAL_ANNOTATE, by default the failing
    // ones only): the refused verdict's test shows the verdicts given and the judge's reply, the
    // others nothing.
    const annotated = (JSON.parse(readFileSync(annotationsFile, 'utf8')) as AnnotatedTest[]).filter((test) => test.name.startsWith('judge > '));
    expect(annotated).toHaveLength(6);
    for (const test of annotated) {
      const refusedTest = test.name === 'judge > fixture-tiny > chat/introduce-yourself';
      expect(test, test.name).toMatchObject(refusedTest ? { state: 'failed', annotations: ['criteria', 'judge-error'] } : { state: 'passed', annotations: [] });
    }

    const output = readResultsFile(resultsFile(results));
    expect(output.cases).toHaveLength(6);
    for (const testCase of output.cases) {
      // Passed, or failed only as planted (fixture-small's second sentence): the judge changes neither.
      expect(wentAsPlanted(testCase), testCase.name).toBe(true);
      const judged = testCase.criteria?.filter((score) => score.source === 'judge') ?? [];
      expect(judged.every((score) => score.score === 4.25 && score.method === 'logprob-weighted' && score.scorer === 'judge:scripted-judge')).toBe(true);
    }
    const refused = output.cases.find((testCase) => testCase.name === 'fixture-tiny > chat/introduce-yourself');
    expect(refused?.judgeErrors).toEqual([{ criterion: 'clarity', judge: 'scripted-judge', error: 'the judge refused to grade (after one retry)', raw: "I'm sorry, I cannot grade that." }]);
    expect(output.criteria?.headline).toEqual({ accuracy: 'judge', completeness: 'judge', clarity: 'judge', speed: 'rules' });
    expect(output.criteria?.judge).toMatchObject({ alias: 'scripted-judge', runtime: 'openai', scoring: 'logprob-weighted', verdicts: 17, errors: 1, cached: 0, startError: null });
    // Every judge request asked for the verdict schema and logprobs; every candidate answer was judged on three criteria (the refusal twice).
    expect(judge.requests()).toHaveLength(6 * 3 + 1);
    expect(judge.requests().every((request) => request.responseFormat && request.logprobs)).toBe(true);

    expect(run.stdout).toMatch(/^fixture-tiny\s+[\d.]+ m?s\s+4\.3\s+4\.3\s+4\.3\s/m);
    const markdown = readFileSync(path.join(results, 'report.md'), 'utf8');
    expect(markdown).toContain('Judge: scripted-judge on openai, 17 verdicts (logprob-weighted), 1 it could not give (listed with the failures).');
    expect(markdown).toContain("- **judge &gt; fixture-tiny &gt; chat/introduce-yourself** (error): clarity: the judge refused to grade (after one retry); the judge replied: I'm sorry, I cannot grade that.");
    const html = readFileSync(path.join(results, 'report.html'), 'utf8');
    expect(html).toContain('accuracy 4.25/5 (judge:scripted-judge, weighted by the score tokens&#39; probabilities): Scripted verdict.');
    expect(html).toContain('<section id="criteria">');
    const junit = readFileSync(path.join(results, 'junit.xml'), 'utf8');
    expect(junit).toContain('<property name="criteria" value="accuracy 4.25/5 (judge:scripted-judge');
    expect(junit).toContain('<error message="clarity: the judge refused to grade (after one retry)" type="judge">');
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
  }, 600_000);

  it('finishes the run when the judge process dies midway: what it could not judge is a judge error, never a pass', async () => {
    const judge = await startJudgeStandIn({ exitAfterRequests: 4 }, work, 'dying');
    judges.push(judge);
    const { cache, results } = folders('dying');
    // A file filter: the judge's own file runs too.
    const run = await evalRun(['evals/chat.eval.ts'], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results, EVAL_JUDGE: 'scripted-judge', EVAL_JUDGE_BASE_URL: judge.baseURL });
    expect(run.exitCode, run.all).toBe(1);
    await judge.child;
    const output = readResultsFile(resultsFile(results));
    expect(output.cases.every(wentAsPlanted)).toBe(true);
    const verdicts = output.cases.flatMap((testCase) => testCase.criteria?.filter((score) => score.source === 'judge') ?? []);
    const errors = output.cases.flatMap((testCase) => testCase.judgeErrors ?? []);
    expect(verdicts).toHaveLength(4);
    expect(errors).toHaveLength(6 * 3 - 4);
    for (const error of errors) expect(error.error).toMatch(/did not answer: .*(ECONNREFUSED|ECONNRESET|socket|closed|fetch failed)/);
    expect(output.criteria?.judge).toMatchObject({ verdicts: 4, errors: 14 });
    expect(existsSync(path.join(results, 'report.html'))).toBe(true);
    expect(run.stdout).toContain('Failures (');
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
  }, 600_000);

  it('loads a synthetic judge on the embedded runtime after the candidates, constrains it to the verdict schema, flags its own answers and caches its verdicts', async () => {
    const { cache, results } = folders('embedded');
    const env = { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: results, EVAL_JUDGE: 'fixture-small' };
    const first = await evalRun(['-t', 'summary/'], env);
    const log = first.all ?? '';
    expect(log).toContain("judge: fixture-small on embedded (the candidates' runtime), after the candidates");
    // fixture-small is started twice: as a candidate, and again as the judge after fixture-medium.
    const starts = [...log.matchAll(/fixture-small: starting on embedded/g)].length;
    expect(starts).toBe(2);
    expect(log.lastIndexOf('fixture-small: starting on embedded')).toBeGreaterThan(log.indexOf('fixture-medium: unloaded'));

    const output = readResultsFile(resultsFile(results));
    const judged = output.cases.flatMap((testCase) => (testCase.criteria ?? []).filter((score) => score.source === 'judge').map((score) => ({ model: testCase.model, score })));
    const errors = output.cases.flatMap((testCase) => testCase.judgeErrors ?? []);
    // The grammar makes every reply a verdict; the embedded runtime gives no logprobs.
    expect(errors).toEqual([]);
    expect(first.exitCode, first.all).toBe(0);
    expect(judged).toHaveLength(9);
    for (const { model, score } of judged) {
      expect(Number.isInteger(score.score) && score.score >= 1 && score.score <= 5).toBe(true);
      expect(score.method).toBe('integer');
      expect(score.selfJudged === true).toBe(model === 'fixture-small');
    }
    expect(output.criteria?.judge).toMatchObject({ alias: 'fixture-small', runtime: 'embedded', scoring: 'integer', verdicts: 9, errors: 0, cached: 0 });
    expect(readFileSync(path.join(results, 'report.md'), 'utf8')).toContain('it judged its own answers (fixture-small): those scores may be lenient.');

    const second = await evalRun(['-t', 'summary/'], env);
    expect(second.exitCode, second.all).toBe(0);
    expect(readResultsFile(resultsFile(results)).criteria?.judge).toMatchObject({ verdicts: 9, cached: 9 });
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
  }, 900_000);
});
