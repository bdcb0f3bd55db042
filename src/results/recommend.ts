// The recommendation that ends the comparison, as people write it by hand ("start with
// phi-4-mini for development, switch to qwen2.5-7b for reasoning"): a fast model that is good
// enough to develop with, the most accurate one (and what its accuracy costs in speed), the
// fastest one when neither of those is it (and what its speed costs in accuracy), and the best
// per category. Pure.
import type { GroupResult, ModelResult, Recommendation } from '../contract/results.ts';

/** A model counts as "good enough" for development within this share of the best pass rate. */
const GOOD_ENOUGH_SHARE = 0.8;

interface Standing {
  alias: string;
  synthetic: boolean;
  knownAnswers: boolean;
  passRate: number;
  /** Median over prompts of each prompt's E2E p50, ms; null when nothing was measured. */
  e2eMs: number | null;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function standing(model: ModelResult, groups: readonly GroupResult[]): Standing {
  const mine = groups.filter((group) => group.model === model.alias);
  const latencies = mine.flatMap((group) => (group.summary.e2eMs.p50 === null ? [] : [group.summary.e2eMs.p50]));
  return {
    alias: model.alias,
    synthetic: model.synthetic,
    knownAnswers: model.knownAnswers === true,
    passRate: mine.length === 0 ? 0 : mine.reduce((total, group) => total + group.passRate, 0) / mine.length,
    e2eMs: median(latencies),
  };
}

/** Higher pass rate first, then lower latency; unmeasured latency last. */
function byQuality(a: Standing, b: Standing): number {
  return b.passRate - a.passRate || (a.e2eMs ?? Infinity) - (b.e2eMs ?? Infinity);
}

function byLatency(a: Standing, b: Standing): number {
  return (a.e2eMs ?? Infinity) - (b.e2eMs ?? Infinity) || b.passRate - a.passRate;
}

const percent = (standing: Standing) => `${Math.round(standing.passRate * 100)}%`;

/**
 * The headline lines carry the comparison (faster than the slowest; slower than the fastest,
 * and how that one does) and the synthetic caveat; category lines stay short.
 */
function describe(pick: Standing, others: readonly Standing[], headline: boolean): string {
  const parts = [`${percent(pick)} of tests passed`];
  if (pick.e2eMs !== null) parts.push(`E2E p50 ${Math.round(pick.e2eMs)} ms`);
  if (!headline) return parts.join(', ');
  const measured = others.flatMap((other) => (other.e2eMs !== null && other.e2eMs > 0 ? [{ standing: other, e2eMs: other.e2eMs }] : []));
  measured.sort((a, b) => a.e2eMs - b.e2eMs);
  const fastest = measured[0];
  const slowest = measured.at(-1);
  if (pick.e2eMs !== null && pick.e2eMs > 0) {
    if (slowest !== undefined && slowest.e2eMs > pick.e2eMs * 1.2) parts.push(`${(slowest.e2eMs / pick.e2eMs).toFixed(1)}x faster than the slowest`);
    if (fastest !== undefined && pick.e2eMs > fastest.e2eMs * 1.2) {
      parts.push(`${(pick.e2eMs / fastest.e2eMs).toFixed(1)}x slower than ${fastest.standing.alias} (${percent(fastest.standing)} passed)`);
    }
  }
  if (pick.synthetic) parts.push(pick.knownAnswers ? 'synthetic, known answers' : 'synthetic: judged on speed and format only');
  return parts.join(', ');
}

function pickFor(
  category: string,
  standings: readonly Standing[],
  order: (a: Standing, b: Standing) => number,
  why: string,
  headline = false,
): Recommendation {
  const [pick] = [...standings].sort(order);
  if (pick === undefined) return { category, model: null, reason: 'no model could be evaluated' };
  return { category, model: pick.alias, reason: `${why}: ${describe(pick, standings, headline)}` };
}

export function recommend(models: readonly ModelResult[], groups: readonly GroupResult[]): Recommendation[] {
  const started = models.filter((model) => model.startError === null && model.cases > model.errored);
  const overall = started.map((model) => standing(model, groups));
  const best = Math.max(0, ...overall.map((entry) => entry.passRate));
  const goodEnough = overall.filter((entry) => entry.passRate >= best * GOOD_ENOUGH_SHARE);
  const recommendations = [
    pickFor('development', goodEnough, byLatency, `fastest model within ${Math.round(GOOD_ENOUGH_SHARE * 100)}% of the best pass rate`, true),
    pickFor('quality', overall, byQuality, 'highest pass rate', true),
  ];
  // The other side of the trade-off, when neither headline pick is the fastest model.
  const fastest = [...overall].sort(byLatency)[0];
  if (fastest !== undefined && fastest.e2eMs !== null && !recommendations.some((entry) => entry.model === fastest.alias)) {
    recommendations.push({ category: 'speed', model: fastest.alias, reason: `fastest model: ${describe(fastest, overall, true)}` });
  }
  const categories = [...new Set(groups.map((group) => group.category))].sort();
  for (const category of categories) {
    const inCategory = groups.filter((group) => group.category === category);
    const standings = started
      .filter((model) => inCategory.some((group) => group.model === model.alias))
      .map((model) => standing(model, inCategory));
    recommendations.push(pickFor(category, standings, byQuality, 'best pass rate, then fastest'));
  }
  return recommendations;
}
