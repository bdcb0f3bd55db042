// The criteria of a run, from its cases: speed per answer (from the measured latencies, against
// the fastest model on the same prompt), each criterion per model from each source with its 95%
// interval, which source heads each criterion, and each model's weighted score. Pure.
import { CRITERIA, TEXT_CRITERIA, type Agreement, type Criterion, type CriterionScore, type CriterionSummary, type CriterionWeights, type ScoreSource } from '../contract/criteria.ts';
import type { CaseResult, CriteriaSettings, Results } from '../contract/results.ts';
import { meanAbsoluteDifference, spearman, weightedKappa } from '../stats/agreement.ts';
import { meanInterval } from '../stats/interval.ts';
import { percentile } from '../stats/summary.ts';

/** Every doubling of the wait against the fastest model on the prompt costs one point: 2x is 4, 4x is 3, 16x or more is 1. */
export function speedScore(ratio: number): number {
  const score = 5 - Math.log2(Math.max(1, ratio));
  return Math.round(Math.min(5, Math.max(1, score)) * 10) / 10;
}

const promptKey = (testCase: Pick<CaseResult, 'category' | 'prompt'>) => `${testCase.category}/${testCase.prompt}`;

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/**
 * The cases with a speed score each: E2E latency (the time to the last token of the answer)
 * against the fastest model's median E2E on the same prompt. Cases without a latency get none.
 */
export function withSpeed(cases: readonly CaseResult[]): CaseResult[] {
  const medians = new Map<string, Map<string, number>>();
  const latencies = new Map<string, number[]>();
  for (const testCase of cases) {
    const e2e = testCase.error === null ? testCase.metrics?.e2eMs : null;
    if (e2e === null || e2e === undefined) continue;
    const key = `${promptKey(testCase)}\u0000${testCase.model}`;
    latencies.set(key, [...(latencies.get(key) ?? []), e2e]);
  }
  for (const [key, values] of latencies) {
    const [prompt, model] = key.split('\u0000') as [string, string];
    const perModel = medians.get(prompt) ?? new Map<string, number>();
    perModel.set(model, percentile(values, 50));
    medians.set(prompt, perModel);
  }
  return cases.map((testCase) => {
    const kept = (testCase.criteria ?? []).filter((score) => score.criterion !== 'speed');
    const e2e = testCase.error === null ? testCase.metrics?.e2eMs : null;
    const perModel = medians.get(promptKey(testCase));
    if (e2e === null || e2e === undefined || perModel === undefined) return { ...testCase, criteria: kept };
    const [fastest, fastestMs] = [...perModel.entries()].reduce((best, entry) => (entry[1] < best[1] ? entry : best));
    const ratio = fastestMs > 0 ? e2e / fastestMs : 1;
    const reason =
      perModel.size === 1
        ? `E2E ${seconds(e2e)}; the only model measured on this prompt`
        : ratio <= 1.05
          ? `E2E ${seconds(e2e)}, the fastest model on this prompt`
          : `E2E ${seconds(e2e)}, ${ratio.toFixed(1)}x the fastest on this prompt (${fastest}, ${seconds(fastestMs)})`;
    const speed: CriterionScore = { criterion: 'speed', score: speedScore(ratio), reason, source: 'rules', scorer: 'latency' };
    return { ...testCase, criteria: [...kept, speed] };
  });
}

/** Each text criterion is headed by the judge when it scored any answer on it, else by the model-free scorers. */
export function headlineSources(cases: readonly CaseResult[]): CriteriaSettings['headline'] {
  const judged = (criterion: Criterion) => cases.some((testCase) => testCase.criteria?.some((score) => score.criterion === criterion && score.source === 'judge'));
  const source = (criterion: Criterion): ScoreSource => (judged(criterion) ? 'judge' : 'rules');
  return { accuracy: source('accuracy'), completeness: source('completeness'), clarity: source('clarity'), speed: 'rules' };
}

const SOURCES: readonly ScoreSource[] = ['rules', 'judge', 'human'];

/** Each criterion from each source that scored the model, over its answers. */
export function summarizeCriteria(cases: readonly CaseResult[], headline: CriteriaSettings['headline']): CriterionSummary[] {
  const summaries: CriterionSummary[] = [];
  for (const criterion of CRITERIA) {
    for (const source of SOURCES) {
      const values = cases.flatMap((testCase) => (testCase.criteria ?? []).filter((score) => score.criterion === criterion && score.source === source).map((score) => score.score));
      const isHeadline = headline[criterion] === source;
      if (values.length === 0 && !isHeadline) continue;
      const { n, mean, low, high } = meanInterval(values, { min: 1, max: 5 });
      summaries.push({ criterion, source, n, mean, ciLow: low, ciHigh: high, headline: isHeadline });
    }
  }
  return summaries;
}

/** The headline mean of each criterion; null where nothing was scored. */
export function headlineMeans(summaries: readonly CriterionSummary[]): Record<Criterion, number | null> {
  const pick = (criterion: Criterion) => summaries.find((summary) => summary.criterion === criterion && summary.headline)?.mean ?? null;
  return { accuracy: pick('accuracy'), completeness: pick('completeness'), clarity: pick('clarity'), speed: pick('speed') };
}

/** Σ weight × mean over the criteria that have a mean, divided by the weights used; null when none has. */
export function weightedScore(means: Record<Criterion, number | null>, weights: CriterionWeights): number | null {
  let total = 0;
  let weightUsed = 0;
  for (const criterion of CRITERIA) {
    const mean = means[criterion];
    if (mean === null || weights[criterion] === 0) continue;
    total += weights[criterion] * mean;
    weightUsed += weights[criterion];
  }
  return weightUsed === 0 ? null : total / weightUsed;
}

/** The weights without speed: what "quality" means in the recommendation. */
export function qualityWeights(weights: CriterionWeights): CriterionWeights {
  const quality = weights.accuracy + weights.completeness + weights.clarity;
  if (quality === 0) return { accuracy: 1 / 3, completeness: 1 / 3, clarity: 1 / 3, speed: 0 };
  return { accuracy: weights.accuracy / quality, completeness: weights.completeness / quality, clarity: weights.clarity / quality, speed: 0 };
}


/** The pairs of sources compared, people first: whether the judge (or the scorers) can stand in for them. */
const PAIRS: readonly [ScoreSource, ScoreSource][] = [
  ['human', 'judge'],
  ['human', 'rules'],
  ['judge', 'rules'],
];

/** Below this many answers scored by both, an agreement figure says nothing and is left out. */
export const MIN_ANSWERS_FOR_AGREEMENT = 3;

/** How far each pair of sources agrees on each text criterion, over the answers both scored. */
export function sourceAgreement(cases: readonly CaseResult[]): Agreement[] {
  const agreement: Agreement[] = [];
  for (const criterion of TEXT_CRITERIA) {
    for (const [first, second] of PAIRS) {
      const pairs = cases.flatMap((testCase) => {
        const pick = (source: ScoreSource) => testCase.criteria?.find((score) => score.criterion === criterion && score.source === source)?.score;
        const a = pick(first);
        const b = pick(second);
        return a === undefined || b === undefined ? [] : [[a, b] as const];
      });
      if (pairs.length < MIN_ANSWERS_FOR_AGREEMENT) continue;
      const firsts = pairs.map(([a]) => a);
      const seconds = pairs.map(([, b]) => b);
      agreement.push({
        criterion,
        between: [first, second],
        n: pairs.length,
        weightedKappa: weightedKappa(firsts, seconds),
        spearman: spearman(firsts, seconds),
        meanAbsoluteDifference: meanAbsoluteDifference(firsts, seconds),
      });
    }
  }
  return agreement;
}

/**
 * The results with every criteria aggregate computed again from their cases, after scores were
 * added to them (people's ratings): the model summaries and weighted scores, the headline
 * sources and the agreement. The recommendation stands: people's ratings head no criterion.
 */
export function refreshCriteria(results: Results): Results {
  if (results.criteria === undefined) return results;
  const headline = headlineSources(results.cases);
  const criteria = { ...results.criteria, headline, agreement: sourceAgreement(results.cases) };
  const models = results.models.map((model) => {
    const summaries = summarizeCriteria(
      results.cases.filter((testCase) => testCase.model === model.alias),
      headline,
    );
    return { ...model, criteria: summaries, weightedScore: weightedScore(headlineMeans(summaries), criteria.weights) };
  });
  return { ...results, criteria, models };
}
