// The recommendation that ends the comparison, as people write it by hand ("start with
// phi-4-mini for development, switch to qwen2.5-7b for reasoning"), weighing the four criteria:
//   - overall: the best weighted score (EVAL_WEIGHTS);
//   - quality: the best on accuracy, completeness and clarity, speed left out;
//   - development: the fastest model whose quality is within GOOD_ENOUGH_POINTS of the best;
//   - one per category, with the category's own weights when its eval sets them.
// Each line states the trade-off with numbers. Without any criterion scored (every answer an
// error), the pass rate and the latency decide, as before criteria existed. Pure.
import { TEXT_CRITERIA, type Criterion, type CriterionWeights, type TextCriterion } from '../contract/criteria.ts';
import type { CaseResult, CriteriaSettings, GroupResult, ModelResult, Recommendation } from '../contract/results.ts';
import { percentile } from '../stats/summary.ts';
import { headlineMeans, qualityWeights, summarizeCriteria, weightedScore } from './criteria.ts';

/** A model is good enough to develop with when its quality is within this many points (1-5 scale) of the best. */
export const GOOD_ENOUGH_POINTS = 0.5;
/** Without any quality scored, good enough is this share of the best pass rate. */
const GOOD_ENOUGH_PASS_RATE = 0.8;
/** Latencies closer than this factor are "as fast". */
const SAME_SPEED = 1.2;

interface Standing {
  alias: string;
  synthetic: boolean;
  knownAnswers: boolean;
  means: Record<Criterion, number | null>;
  score: number | null;
  quality: number | null;
  passRate: number;
  /** Median over prompts of each prompt's E2E p50, ms; null when nothing was measured. */
  e2eMs: number | null;
}

export interface RecommendInput {
  models: readonly ModelResult[];
  groups: readonly GroupResult[];
  cases: readonly CaseResult[];
  criteria: Pick<CriteriaSettings, 'weights' | 'categoryWeights' | 'headline'>;
}

function standing(model: ModelResult, groups: readonly GroupResult[], cases: readonly CaseResult[], input: RecommendInput, weights: CriterionWeights): Standing {
  const mine = groups.filter((group) => group.model === model.alias);
  const latencies = mine.flatMap((group) => (group.summary.e2eMs.p50 === null ? [] : [group.summary.e2eMs.p50]));
  const means = headlineMeans(summarizeCriteria(cases.filter((testCase) => testCase.model === model.alias), input.criteria.headline));
  return {
    alias: model.alias,
    synthetic: model.synthetic,
    knownAnswers: model.knownAnswers === true,
    means,
    score: weightedScore(means, weights),
    quality: weightedScore(means, qualityWeights(weights)),
    passRate: mine.length === 0 ? 0 : mine.reduce((total, group) => total + group.passRate, 0) / mine.length,
    e2eMs: latencies.length === 0 ? null : percentile(latencies, 50),
  };
}

const orNegative = (value: number | null) => value ?? -Infinity;
const orInfinite = (value: number | null) => value ?? Infinity;

/** Higher first, then the pass rate, then faster. */
const by = (pick: (entry: Standing) => number | null) => (a: Standing, b: Standing) =>
  orNegative(pick(b)) - orNegative(pick(a)) || b.passRate - a.passRate || orInfinite(a.e2eMs) - orInfinite(b.e2eMs);
const byLatency = (a: Standing, b: Standing) => orInfinite(a.e2eMs) - orInfinite(b.e2eMs) || orNegative(b.quality) - orNegative(a.quality);

const one = (value: number) => value.toFixed(1);

function criteriaLine(entry: Standing): string {
  return TEXT_CRITERIA.flatMap((criterion) => (entry.means[criterion] === null ? [] : [`${criterion} ${one(entry.means[criterion] as number)}/5`])).join(', ');
}

/** The text criterion on which `other` trails `pick` most (positive), or leads it most (negative). */
function widestGap(pick: Standing, other: Standing, sign: 1 | -1): { criterion: TextCriterion; gap: number } | null {
  let widest: { criterion: TextCriterion; gap: number } | null = null;
  for (const criterion of TEXT_CRITERIA) {
    const mine = pick.means[criterion];
    const theirs = other.means[criterion];
    if (mine === null || theirs === null) continue;
    const gap = sign * (mine - theirs);
    if (gap > 0 && (widest === null || gap > widest.gap)) widest = { criterion, gap };
  }
  return widest;
}

/** `3.1x slower than fixture-tiny, whose completeness is 2.2/5`, or the other way round; null when there is no trade-off. */
function tradeOff(pick: Standing, others: readonly Standing[]): string | null {
  const rivals = others.filter((other) => other.alias !== pick.alias);
  const fastest = [...rivals].sort(byLatency)[0];
  if (fastest?.e2eMs != null && pick.e2eMs !== null && pick.e2eMs > fastest.e2eMs * SAME_SPEED) {
    const gap = widestGap(pick, fastest, 1);
    const slower = `${one(pick.e2eMs / fastest.e2eMs)}x slower than ${fastest.alias}`;
    return gap === null ? slower : `${slower}, whose ${gap.criterion} is ${one(fastest.means[gap.criterion] as number)}/5`;
  }
  const better = [...rivals].sort(by((entry) => entry.quality))[0];
  if (better === undefined || better.quality === null || pick.quality === null || better.quality <= pick.quality) return null;
  const gap = widestGap(pick, better, -1);
  const faster = better.e2eMs !== null && pick.e2eMs !== null && better.e2eMs > pick.e2eMs * SAME_SPEED ? `${one(better.e2eMs / pick.e2eMs)}x faster than ${better.alias}` : `as fast as ${better.alias}`;
  if (gap === null) return faster;
  return `${faster}, whose ${gap.criterion} is ${one(better.means[gap.criterion] as number)}/5 against ${one(pick.means[gap.criterion] as number)}`;
}

function describe(pick: Standing, standings: readonly Standing[], measure: 'score' | 'quality' | 'speed', headline: boolean): string {
  const parts: string[] = [];
  if (measure === 'score' && pick.score !== null) parts.push(`weighted score ${one(pick.score)}/5`);
  const criteria = criteriaLine(pick);
  if (criteria !== '') parts.push(criteria);
  if (pick.e2eMs !== null) parts.push(`E2E p50 ${Math.round(pick.e2eMs)} ms`);
  const trade = tradeOff(pick, standings);
  if (trade !== null) parts.push(trade);
  if (criteria === '') parts.push(`${Math.round(pick.passRate * 100)}% of tests passed`);
  if (headline && pick.synthetic) parts.push(pick.knownAnswers ? 'synthetic, known answers' : 'synthetic: judged on speed and format only');
  return parts.join(', ');
}

function pickFor(category: string, standings: readonly Standing[], measure: 'score' | 'quality' | 'speed', why: string, headline = false): Recommendation {
  const order = measure === 'speed' ? byLatency : by((entry) => (measure === 'score' ? entry.score : entry.quality));
  const [pick] = [...standings].sort(order);
  if (pick === undefined) return { category, model: null, reason: 'no model could be evaluated' };
  return { category, model: pick.alias, reason: `${why}: ${describe(pick, standings, measure, headline)}` };
}

function describeWeights(weights: CriterionWeights): string {
  return (['accuracy', 'completeness', 'clarity', 'speed'] as const).map((criterion) => `${criterion} ${Math.round(weights[criterion] * 100) / 100}`).join(', ');
}

export function recommend(input: RecommendInput): Recommendation[] {
  const { models, groups, cases, criteria } = input;
  // A model skipped for memory was never measured: nothing to recommend it on.
  const started = models.filter((model) => model.startError === null && (model.skipReason ?? null) === null && model.cases > model.errored);
  const overall = started.map((model) => standing(model, groups, cases, input, criteria.weights));
  const bestQuality = Math.max(...overall.map((entry) => orNegative(entry.quality)));
  const bestPassRate = Math.max(0, ...overall.map((entry) => entry.passRate));
  const qualityScored = Number.isFinite(bestQuality);
  const goodEnough = overall.filter((entry) =>
    qualityScored ? entry.quality !== null && entry.quality >= bestQuality - GOOD_ENOUGH_POINTS : entry.passRate >= bestPassRate * GOOD_ENOUGH_PASS_RATE,
  );
  const threshold = qualityScored ? `${GOOD_ENOUGH_POINTS} points of the best quality` : `${Math.round(GOOD_ENOUGH_PASS_RATE * 100)}% of the best pass rate`;
  const recommendations = [
    pickFor('overall', overall, 'score', `best weighted score (weights: ${describeWeights(criteria.weights)})`, true),
    pickFor('quality', overall, 'quality', 'best accuracy, completeness and clarity', true),
    pickFor('development', goodEnough, 'speed', `fastest model within ${threshold}`, true),
  ];
  // The other side of the trade-off, when no headline pick is the fastest model.
  const fastest = [...overall].sort(byLatency)[0];
  if (fastest !== undefined && fastest.e2eMs !== null && !recommendations.some((entry) => entry.model === fastest.alias)) {
    recommendations.push({ category: 'speed', model: fastest.alias, reason: `fastest model: ${describe(fastest, overall, 'speed', true)}` });
  }
  for (const category of [...new Set(groups.map((group) => group.category))].sort()) {
    const weights = criteria.categoryWeights[category] ?? criteria.weights;
    const inCategory = groups.filter((group) => group.category === category);
    const categoryCases = cases.filter((testCase) => testCase.category === category);
    const standings = started
      .filter((model) => inCategory.some((group) => group.model === model.alias))
      .map((model) => standing(model, inCategory, categoryCases, input, weights));
    const own = criteria.categoryWeights[category] === undefined ? '' : ` (its own weights: ${describeWeights(weights)})`;
    recommendations.push(pickFor(category, standings, 'score', `best weighted score${own}`));
  }
  return recommendations;
}
