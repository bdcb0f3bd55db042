// The criteria of a run from its cases: speed against the fastest model, summaries with their
// intervals, headline sources, weights, the recommendation's trade-off sentences, agreement
// between sources, and the statistics underneath.
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, parseWeights } from '../../src/config/weights.ts';
import { normalizeWeights, type CriterionScore } from '../../src/contract/criteria.ts';
import type { CaseResult } from '../../src/contract/results.ts';
import { headlineSources, speedScore, summarizeCriteria, weightedScore, withSpeed } from '../../src/results/criteria.ts';
import { meanAbsoluteDifference, ranks, spearman, weightedKappa } from '../../src/stats/agreement.ts';
import { meanInterval, tQuantile975 } from '../../src/stats/interval.ts';
import { buildCase } from '../support/results.ts';

const rules = (criterion: CriterionScore['criterion'], score: number): CriterionScore => ({ criterion, score, reason: 'r', source: 'rules', scorer: 'test' });

function scored(model: string, prompt: string, e2eMs: number, scores: CriterionScore[] = []): CaseResult {
  return { ...buildCase({ model, prompt, e2eMs }), criteria: scores };
}

describe('speed', () => {
  it('loses a point per doubling of the wait against the fastest model', () => {
    expect([1, 0.5, 2, 3, 4, 16, 100].map(speedScore)).toEqual([5, 5, 4, 3.4, 3, 1, 1]);
  });

  it('is scored per answer against the fastest model median on the same prompt', () => {
    const cases = withSpeed([scored('fast', 'chat/a', 100), scored('slow', 'chat/a', 400), scored('slow', 'chat/b', 50), { ...scored('slow', 'chat/c', 10), error: 'boom' }]);
    const speed = (index: number) => cases[index]?.criteria?.find((score) => score.criterion === 'speed');
    expect(speed(0)).toMatchObject({ score: 5, reason: 'E2E 100 ms, the fastest model on this prompt', scorer: 'latency' });
    expect(speed(1)).toMatchObject({ score: 3, reason: 'E2E 400 ms, 4.0x the fastest on this prompt (fast, 100 ms)' });
    expect(speed(2)?.reason).toBe('E2E 50 ms; the only model measured on this prompt');
    expect(speed(3)).toBeUndefined();
  });
});

describe('criteria summaries', () => {
  it('summarise each criterion per source, with a 95% interval from five answers on', () => {
    const cases = [4, 5, 3, 4, 5].map((score, index) => scored('m', `chat/${index}`, 100, [rules('accuracy', score)]));
    const summaries = summarizeCriteria(cases, headlineSources(cases));
    const accuracy = summaries.find((summary) => summary.criterion === 'accuracy');
    expect(accuracy).toMatchObject({ source: 'rules', n: 5, mean: 4.2, headline: true });
    // s = 0.8367, t(0.975, 4) = 2.776: 4.2 ± 1.039
    expect(accuracy?.ciLow).toBeCloseTo(3.161, 2);
    expect(accuracy?.ciHigh).toBe(5);
    expect(summaries.find((summary) => summary.criterion === 'completeness')).toMatchObject({ n: 0, mean: null, headline: true });
  });

  it('are headed by the judge wherever it scored, and weigh the headline means', () => {
    const judge: CriterionScore = { ...rules('clarity', 2), source: 'judge', scorer: 'judge:big' };
    const cases = [scored('m', 'chat/a', 100, [rules('clarity', 5), judge])];
    expect(headlineSources(cases)).toEqual({ accuracy: 'rules', completeness: 'rules', clarity: 'judge', speed: 'rules' });
    expect(weightedScore({ accuracy: 5, completeness: null, clarity: 2, speed: 4 }, DEFAULT_WEIGHTS)).toBeCloseTo((0.4 * 5 + 0.2 * 2 + 0.1 * 4) / 0.7, 10);
    expect(weightedScore({ accuracy: null, completeness: null, clarity: null, speed: null }, DEFAULT_WEIGHTS)).toBeNull();
  });
});

describe('weights', () => {
  it('parse EVAL_WEIGHTS: a criterion left out weighs 0, and the rest are normalised', () => {
    expect(parseWeights('accuracy=2, speed=2')).toEqual({ accuracy: 0.5, completeness: 0, clarity: 0, speed: 0.5 });
    const normalized = normalizeWeights({ accuracy: 4, completeness: 3, clarity: 2, speed: 1 });
    for (const [criterion, weight] of Object.entries(DEFAULT_WEIGHTS)) expect(normalized[criterion as keyof typeof normalized]).toBeCloseTo(weight, 12);
  });

  it('refuse what is not a weight, naming the part', () => {
    expect(() => parseWeights('accuracy')).toThrow('"accuracy": expected <criterion>=<weight>, e.g. accuracy=0.4');
    expect(() => parseWeights('acuracy=1')).toThrow('"acuracy" is not a criterion; expected accuracy, completeness, clarity, speed');
    expect(() => parseWeights('speed=-1')).toThrow('"speed=-1": expected a weight of 0 or more');
    expect(() => parseWeights('speed=0')).toThrow('expected at least one weight above 0');
    expect(() => parseWeights('speed=1,speed=2')).toThrow('speed is given twice');
  });
});

describe('statistics', () => {
  it('t quantiles match the table and approach the normal quantile', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(1000)).toBeCloseTo(1.9623, 3);
  });

  it('gives no interval below five values', () => {
    expect(meanInterval([1, 5], { min: 1, max: 5 })).toEqual({ n: 2, mean: 3, low: null, high: null });
    expect(meanInterval([], { min: 1, max: 5 })).toEqual({ n: 0, mean: null, low: null, high: null });
  });

  it('weighted kappa is 1 for perfect agreement, 0 for chance, and penalises far disagreements more', () => {
    expect(weightedKappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toBe(1);
    // Computed by hand: observed quadratic disagreement 2/16 against 14/16 expected by chance; and 2 against 1.25.
    const near = weightedKappa([1, 2, 3, 4, 5], [2, 2, 3, 4, 4]);
    const far = weightedKappa([1, 2, 3, 4, 5], [5, 2, 3, 4, 1]);
    expect(near).toBeCloseTo(0.8571, 3);
    expect(far).toBeCloseTo(-0.6, 3);
    expect(weightedKappa([5, 5, 5], [5, 5, 5])).toBeNull();
  });

  it('Spearman ranks ties by their mean rank', () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 10);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 10);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(meanAbsoluteDifference([1, 5], [2, 3])).toBe(1.5);
  });
});
