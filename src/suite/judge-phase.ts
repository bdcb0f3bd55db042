// The judge phase: a vitest test file of its own project, run after every candidate's project
// (its group comes last), so the judge model is loaded once, through the same coordinator, and
// never while a candidate is measured. It is collected only when its turn comes, when the
// candidates' answers are in: one test per answer, named after the answer's test
// (`judge fixture-small code/sort-function`, which `-t` filters find too), each asking the
// judge for accuracy, completeness and clarity. The verdicts go to `task.meta.edgeEvalsJudge`
// for the reporter, which merges them into the cases. A verdict the judge cannot give fails the
// judge's test, with the judge's raw reply; it never touches the candidate's.
import path from 'node:path';
import { beforeAll, describe, inject, test } from 'vitest';
import { loadConfig } from '../config/env.ts';
import type { AnswerToJudge, JudgeMeta } from '../contract/case-meta.ts';
import { TEXT_CRITERIA, type CriterionScore, type JudgeError } from '../contract/criteria.ts';
import { describeScore } from '../criteria/describe.ts';
import { judgeCriterion } from '../judge/judge.ts';
import { EndpointFeatures, type JudgeEndpoint } from '../judge/request.ts';
import { acquireModel, recordedAnswers } from '../lifecycle/control-client.ts';
import type { ModelLease } from '../lifecycle/coordinator.ts';
import { judgeRuntimeConfig, readPlan } from '../lifecycle/plan.ts';
import { endpointApiKey } from '../runtimes/endpoint-key.ts';

/** Judge verdicts kept under the model cache: they outlive a results folder. */
export const VERDICT_CACHE_FOLDER = 'judge-verdicts';

const config = loadConfig();
const judge = inject('edgeEvalsJudge') ?? null;
const annotate = inject('edgeEvalsAnnotate');
const control = inject('edgeEvalsControl');
const answers = judge === null ? [] : await recordedAnswers(control);
const plan = readPlan();

async function judgeOne(answer: AnswerToJudge, lease: Extract<ModelLease, { ok: true }>, features: EndpointFeatures) {
  const runtime = lease.runtime.name as JudgeEndpoint['runtime'];
  const endpoint: JudgeEndpoint = {
    alias: lease.model.alias,
    modelId: lease.model.modelId,
    runtime,
    baseURL: lease.model.baseURL,
    apiKey: endpointApiKey(runtime, judgeRuntimeConfig(config)),
  };
  const selfJudged = answer.model === lease.model.alias && plan?.runtime === runtime;
  const subject = { messages: answer.messages, answer: answer.answer, expected: answer.expected, facts: answer.facts };
  const options = { cacheDir: path.join(config.cacheDir, VERDICT_CACHE_FOLDER), timeoutMs: config.timeoutMs, seed: config.seed, selfJudged, features };
  // One request at a time: some servers take only one (Foundry Local), and a judge's latency is no measurement.
  const outcomes = [];
  for (const criterion of TEXT_CRITERIA) outcomes.push(await judgeCriterion(endpoint, criterion, subject, options));
  return outcomes;
}

/** The answer's test name without its model (`chat/greeting #2`): under describe blocks for the judge and the model, so that `-t` finds it as it finds the candidate's test. */
function testName(answer: AnswerToJudge): string {
  const prefix = `${answer.model} > `;
  return answer.caseName.startsWith(prefix) ? answer.caseName.slice(prefix.length) : answer.caseName;
}

if (judge !== null) {
  describe('judge', () => {
    let lease: ModelLease;
    const features = new EndpointFeatures(judge.runtime);
    beforeAll(async () => {
      lease = await acquireModel(control, judge.alias, 'judge');
    }, config.loadTimeoutMs + 60_000);

    if (answers.length === 0) test.skip('no answers to judge', () => {});
    for (const model of [...new Set(answers.map((answer) => answer.model))]) {
      describe(model, () => {
        for (const answer of answers.filter((candidate) => candidate.model === model)) registerVerdict(answer, () => lease, features);
      });
    }
  });
}

function registerVerdict(answer: AnswerToJudge, lease: () => ModelLease, features: EndpointFeatures): void {
  if (judge === null) return;
  test(
    testName(answer),
    async (context) => {
      const current = lease();
      const identity = { alias: judge.alias, modelId: current.ok ? current.model.modelId : null, runtime: judge.runtime };
      if (!current.ok) {
        const meta: JudgeMeta = { caseName: answer.caseName, judge: identity, scores: [], errors: [], startError: current.error };
        context.task.meta.edgeEvalsJudge = meta;
        throw new Error(`the judge ${judge.alias} could not be started: ${current.error}`);
      }
      const outcomes = await judgeOne(answer, current, features);
      const scores: CriterionScore[] = [];
      const errors: JudgeError[] = [];
      for (const outcome of outcomes) {
        if ('score' in outcome) scores.push(outcome.score);
        else errors.push(outcome.error);
      }
      context.task.meta.edgeEvalsJudge = { caseName: answer.caseName, judge: identity, scores, errors };
      const errorLines = errors.map((error) => `${error.criterion}: ${error.error}. The judge replied: ${error.raw === '' ? '(nothing)' : error.raw}`);
      // Annotated as the candidates' tests are (RunPlan.annotate): every verdict, or those of a failing test.
      const annotating = annotate === 'all' || errors.length > 0;
      await Promise.all([
        scores.length === 0 || !annotating ? null : context.annotate(scores.map(describeScore).join('\n'), 'criteria'),
        errorLines.length === 0 ? null : context.annotate(errorLines.join('\n'), 'judge-error'),
      ]);
      if (errors.length > 0) {
        throw new Error(`the judge gave no usable verdict for ${errors.map((error) => `${error.criterion} (${error.error})`).join(', ')}`);
      }
    },
    // Three criteria, each asked at most twice.
    config.timeoutMs * 6 + 30_000,
  );
}
