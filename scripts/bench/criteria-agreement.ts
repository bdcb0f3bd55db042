// How far the criteria scores can be trusted: the synthetic models' planted answers to the
// shipped prompts (3 models x 6 prompts) scored on accuracy, completeness and clarity by
//   rules  the model-free scorers, with the shipped evals' settings and the python check run;
//   judge  a judge model (--judge) on the embedded runtime, as `EVAL_JUDGE` runs it, without
//          the verdict cache;
//   human  people's ratings (--ratings: a ratings.json of `edge-evals rate` on a run of the
//          synthetic models, matched to the answers by their key),
// each compared with the scores a careful grader planted (fixtures/planted-truth/) and with one
// another: weighted kappa, Spearman, mean absolute difference, exact and within-one shares, and
// whether the per-model means order the three models as the planted ones do.
//
//   node --import tsx scripts/bench/criteria-agreement.ts [--judge fixture-small] [--ratings <ratings.json>]
import { parseArgs } from 'node:util';
import { evaluateAssertions } from '../../src/assertions/index.ts';
import { TEXT_CRITERIA, type TextCriterion } from '../../src/contract/criteria.ts';
import { scoreAnswer } from '../../src/criteria/index.ts';
import { isSyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { judgeCriterion } from '../../src/judge/judge.ts';
import { EndpointFeatures, type JudgeEndpoint } from '../../src/judge/request.ts';
import { answerKey, readRatings } from '../../src/results/ratings.ts';
import { meanAbsoluteDifference, spearman, weightedKappa } from '../../src/stats/agreement.ts';
import { fixture, loadAverage, machineLine, printTable, startServe, stopServe } from './embedded-shared.ts';
import { plantedAnswers, questionOf, SYNTHETIC_MODELS, type PlantedAnswer } from './planted-answers.ts';

const { values } = parseArgs({
  options: {
    judge: { type: 'string' },
    ratings: { type: 'string' },
  },
});

type Source = 'planted' | 'rules' | 'judge' | 'human';
/** Per answer (its index in `answers`) and criterion, each source's score. */
type Scores = Map<string, number>;
const slot = (index: number, criterion: TextCriterion) => `${index}/${criterion}`;

const started = performance.now();
const answers = await plantedAnswers();
console.log(`# Criteria agreement: ${machineLine()}`);
console.log(`# ${answers.length} planted answers (${SYNTHETIC_MODELS.length} models x the shipped prompts); load average at start: ${loadAverage()}`);

const scores = new Map<Source, Scores>([['planted', new Map()]]);
answers.forEach((answer, index) => {
  for (const criterion of TEXT_CRITERIA) scores.get('planted')?.set(slot(index, criterion), answer.planted[criterion].score);
});

async function scoreWithRules(): Promise<Scores> {
  const rules: Scores = new Map();
  for (const [index, answer] of answers.entries()) {
    const pythonChecks = answer.planned.assertions.filter((spec) => spec.type === 'python');
    const checks = await evaluateAssertions(pythonChecks, { response: answer.text, metrics: null, model: answer.model, synthetic: false, messages: answer.planned.messages });
    const prompt = questionOf(answer.planned);
    for (const score of scoreAnswer({ prompt, reply: answer.text, expected: answer.planned.expected, criteria: answer.planned.criteria, checks })) {
      if (score.criterion !== 'speed') rules.set(slot(index, score.criterion), score.score);
    }
  }
  // The python checks' warm sandbox would keep this process alive.
  await (await import('../../src/assertions/python/sandbox.ts')).sharedPythonSandbox().stop();
  return rules;
}

async function scoreWithJudge(alias: string): Promise<{ judged: Scores; errors: string[]; judgeSeconds: number; features: EndpointFeatures }> {
  if (isSyntheticAlias(alias)) await fixture(alias);
  const server = await startServe(['--model', alias]);
  const endpoint: JudgeEndpoint = { alias, modelId: alias, runtime: 'embedded', baseURL: `${server.url}/v1` };
  const features = new EndpointFeatures(endpoint.runtime);
  const judged: Scores = new Map();
  const errors: string[] = [];
  const judgeStarted = performance.now();
  try {
    for (const [index, answer] of answers.entries()) {
      const accuracy = answer.planned.criteria?.accuracy;
      const subject = { messages: answer.planned.messages, answer: answer.text, expected: answer.planned.expected, facts: accuracy === false ? undefined : accuracy };
      for (const criterion of TEXT_CRITERIA) {
        // No verdict cache: every verdict is asked for, as on a first run.
        const options = { cacheDir: null, timeoutMs: 120_000, seed: 42, selfJudged: answer.model === alias, features };
        const outcome = await judgeCriterion(endpoint, criterion, subject, options);
        if ('score' in outcome) judged.set(slot(index, criterion), outcome.score.score);
        else errors.push(`${answer.model} ${answer.planned.id} ${criterion}: ${outcome.error.error}`);
      }
    }
  } finally {
    await stopServe(server);
  }
  return { judged, errors, judgeSeconds: (performance.now() - judgeStarted) / 1000, features };
}

function humanScores(file: string): Scores {
  const byKey = new Map(readRatings(file).flatMap((rating) => (rating.scores === null ? [] : [[rating.key, rating.scores] as const])));
  const human: Scores = new Map();
  answers.forEach((answer, index) => {
    const key = answerKey({ messages: [...answer.planned.messages], category: answer.planned.category, prompt: answer.planned.id, response: answer.text });
    const rated = byKey.get(key);
    if (rated !== undefined) for (const criterion of TEXT_CRITERIA) human.set(slot(index, criterion), rated[criterion]);
  });
  return human;
}

scores.set('rules', await scoreWithRules());
if (values.judge !== undefined) {
  const { judged, errors, judgeSeconds, features } = await scoreWithJudge(values.judge);
  scores.set('judge', judged);
  const verdicts = answers.length * TEXT_CRITERIA.length;
  console.log(`# judge ${values.judge}: ${verdicts - errors.length} of ${verdicts} verdicts in ${judgeSeconds.toFixed(1)} s (${features.logprobs ? 'logprob-weighted' : 'integer'} scores, ${features.structuredOutput ? 'structured output' : 'free text'})`);
  for (const error of errors) console.log(`#   judge error: ${error}`);
}
if (values.ratings !== undefined) {
  const human = humanScores(values.ratings);
  console.log(`# ratings ${values.ratings}: ${human.size / TEXT_CRITERIA.length} of ${answers.length} answers rated`);
  scores.set('human', human);
}

/** The paired scores of two sources on one criterion, over the answers both scored. */
function paired(first: Source, second: Source, criterion: TextCriterion): { a: number[]; b: number[]; models: string[] } {
  const a: number[] = [];
  const b: number[] = [];
  const models: string[] = [];
  answers.forEach((answer: PlantedAnswer, index) => {
    const x = scores.get(first)?.get(slot(index, criterion));
    const y = scores.get(second)?.get(slot(index, criterion));
    if (x === undefined || y === undefined) return;
    a.push(x);
    b.push(y);
    models.push(answer.model);
  });
  return { a, b, models };
}

const figure = (value: number | null, digits = 2) => (value === null ? '-' : value.toFixed(digits));
const share = (count: number, total: number) => (total === 0 ? '-' : `${Math.round((100 * count) / total)} %`);

/** Whether the per-model means of `a` order the models as those of `b` do (ties count as an order of their own). */
function sameModelOrder(a: readonly number[], b: readonly number[], models: readonly string[]): string {
  const means = (values: readonly number[]) =>
    SYNTHETIC_MODELS.flatMap((model) => {
      const own = values.filter((_, index) => models[index] === model);
      return own.length === 0 ? [] : [{ model, mean: own.reduce((sum, value) => sum + value, 0) / own.length }];
    });
  const order = (values: readonly number[]) => {
    const list = means(values);
    return list.map((entry) => list.filter((other) => other.mean < entry.mean - 1e-9).length).join(',');
  };
  const first = means(a);
  if (first.length < 2) return '-';
  return `${order(a) === order(b) ? 'yes' : 'no'} (${first.map((entry) => `${entry.model.replace('fixture-', '')} ${entry.mean.toFixed(2)}`).join(', ')})`;
}

const PAIRS: readonly [Source, Source][] = [
  ['rules', 'planted'],
  ['judge', 'planted'],
  ['human', 'planted'],
  ['human', 'rules'],
  ['human', 'judge'],
  ['judge', 'rules'],
];
const rows: string[][] = [];
for (const [first, second] of PAIRS) {
  if (!scores.has(first) || !scores.has(second)) continue;
  for (const criterion of TEXT_CRITERIA) {
    const { a, b, models } = paired(first, second, criterion);
    const exact = a.filter((value, index) => Math.abs(value - (b[index] as number)) < 0.5).length;
    const withinOne = a.filter((value, index) => Math.abs(value - (b[index] as number)) <= 1).length;
    rows.push([
      `${first} vs ${second}`,
      criterion,
      String(a.length),
      a.length === 0 ? '-' : figure(weightedKappa(a, b)),
      a.length === 0 ? '-' : figure(spearman(a, b)),
      figure(meanAbsoluteDifference(a, b)),
      share(exact, a.length),
      share(withinOne, a.length),
      a.length === 0 ? '-' : sameModelOrder(a, b, models),
    ]);
  }
}
printTable(['sources', 'criterion', 'n', 'weighted kappa', 'Spearman', 'mean abs diff', 'exact', 'within 1', 'same model order (first source means)'], rows);
console.log(`# ${((performance.now() - started) / 1000).toFixed(1)} s in all; load average at end: ${loadAverage()}`);
