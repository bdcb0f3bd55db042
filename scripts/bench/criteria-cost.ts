// What the criteria cost per answer:
//   1. the model-free scorers (accuracy, completeness, clarity) on the synthetic models' planted
//      answers to the six shipped prompts, with the shipped evals' settings, many rounds; the
//      python check itself is the check's cost (BENCHMARKS.md, "Python checks"), so code
//      accuracy is scored from a recorded check result here;
//   2. the judge phase on the embedded runtime: `edge-evals serve` with a synthetic judge, every
//      planted answer judged on the three criteria through the JSON-schema grammar, without the
//      verdict cache, then again from the cache.
//
//   node --import tsx scripts/bench/criteria-cost.ts [--judge fixture-small] [--rounds 200] [--judge-rounds 1]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TEXT_CRITERIA } from '../../src/contract/criteria.ts';
import type { AssertionResult } from '../../src/contract/results.ts';
import type { SyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { scoreAnswer } from '../../src/criteria/index.ts';
import { judgeCriterion } from '../../src/judge/judge.ts';
import { EndpointFeatures, type JudgeEndpoint } from '../../src/judge/request.ts';
import type { PlannedCase } from '../../src/suite/cases.ts';
import { percentile } from '../../src/stats/summary.ts';
import { fixture, loadAverage, machineLine, median, nodeLlamaCppVersion, printTable, startServe } from './embedded-shared.ts';
import { plantedAnswers, questionOf } from './planted-answers.ts';

const { values } = parseArgs({
  options: {
    judge: { type: 'string', default: 'fixture-small' },
    rounds: { type: 'string', default: '200' },
    'judge-rounds': { type: 'string', default: '1' },
  },
});
const judgeAlias = values.judge as SyntheticAlias;
const rounds = Number(values.rounds);
const judgeRounds = Number(values['judge-rounds']);
const answers = await plantedAnswers();

console.log(`# Criteria cost per answer: ${machineLine()}, node-llama-cpp ${nodeLlamaCppVersion()}`);
console.log(`# ${answers.length} planted answers (3 models x 6 shipped prompts); load average at start: ${loadAverage()}`);

// 1. The model-free scorers.
const python = (works: boolean): AssertionResult[] => [{ type: 'python', pass: works, score: works ? 1 : 0.25, reason: works ? '4 of 4 cases' : '1 of 4 cases' }];
const scorerMicros: number[] = [];
for (let round = 0; round < rounds + 10; round++) {
  for (const answer of answers) {
    const started = performance.now();
    scoreAnswer({
      prompt: questionOf(answer.planned),
      reply: answer.text,
      expected: answer.planned.expected,
      criteria: answer.planned.criteria,
      checks: answer.planned.category === 'code' ? python(answer.codeWorks) : [],
    });
    // The first rounds warm the JIT and are left out.
    if (round >= 10) scorerMicros.push((performance.now() - started) * 1000);
  }
}
const sortedScorer = [...scorerMicros].sort((a, b) => a - b);

// 2. The judge phase on the embedded runtime.
await fixture(judgeAlias);
const server = await startServe(['--model', judgeAlias]);
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-bench-verdicts-'));
const endpoint: JudgeEndpoint = { alias: judgeAlias, modelId: judgeAlias, runtime: 'embedded', baseURL: `${server.url}/v1` };
const features = new EndpointFeatures('embedded');
const factsOf = (planned: PlannedCase) => (planned.criteria?.accuracy === undefined || planned.criteria.accuracy === false ? undefined : planned.criteria.accuracy);
async function judgeAll(useCache: boolean): Promise<{ perAnswer: number[]; perVerdict: number[]; errors: number }> {
  const perAnswer: number[] = [];
  const perVerdict: number[] = [];
  let errors = 0;
  for (const answer of answers) {
    const started = performance.now();
    for (const criterion of TEXT_CRITERIA) {
      const verdictStarted = performance.now();
      const outcome = await judgeCriterion(
        endpoint,
        criterion,
        { messages: answer.planned.messages, answer: answer.text, expected: answer.planned.expected, facts: factsOf(answer.planned) },
        { cacheDir: useCache ? cacheDir : null, timeoutMs: 120_000, seed: 42, selfJudged: answer.model === judgeAlias, features },
      );
      if ('error' in outcome) errors++;
      perVerdict.push(performance.now() - verdictStarted);
    }
    perAnswer.push(performance.now() - started);
  }
  return { perAnswer, perVerdict, errors };
}
try {
  // One round to fill the cache (and warm the server), then the measured rounds without it.
  await judgeAll(true);
  const uncached = { perAnswer: [] as number[], perVerdict: [] as number[], errors: 0 };
  for (let round = 0; round < judgeRounds; round++) {
    const outcome = await judgeAll(false);
    uncached.perAnswer.push(...outcome.perAnswer);
    uncached.perVerdict.push(...outcome.perVerdict);
    uncached.errors += outcome.errors;
  }
  const cached = await judgeAll(true);
  const p95 = (values: number[]) => percentile(values, 95);
  printTable(
    ['what', 'median', 'p95', 'n'],
    [
      ['model-free scorers, per answer (3 criteria)', `${median(sortedScorer).toFixed(0)} µs`, `${p95(sortedScorer).toFixed(0)} µs`, String(sortedScorer.length)],
      [`judge ${judgeAlias} on the embedded runtime, per answer (3 verdicts)`, `${median(uncached.perAnswer).toFixed(0)} ms`, `${p95(uncached.perAnswer).toFixed(0)} ms`, String(uncached.perAnswer.length)],
      [`judge ${judgeAlias}, per verdict`, `${median(uncached.perVerdict).toFixed(0)} ms`, `${p95(uncached.perVerdict).toFixed(0)} ms`, String(uncached.perVerdict.length)],
      ['judge, per answer from the verdict cache', `${median(cached.perAnswer).toFixed(2)} ms`, `${p95(cached.perAnswer).toFixed(2)} ms`, String(cached.perAnswer.length)],
    ],
  );
  console.log(`# judge errors: ${uncached.errors} of ${uncached.perVerdict.length} verdicts; load average at end: ${loadAverage()}`);
} finally {
  server.child.kill('SIGTERM');
  await server.child;
  rmSync(cacheDir, { recursive: true, force: true });
}
