// The four criteria people judge an answer by, as the results record them: accuracy,
// completeness and clarity on a 1-5 scale from the answer's text (by model-free scorers, a
// judge model or a person), and speed on the same scale from the measured latency. Part of the
// results contract (results.ts).
import { z } from 'zod';

export const CRITERIA = ['accuracy', 'completeness', 'clarity', 'speed'] as const;
export const Criterion = z.enum(CRITERIA);
export type Criterion = z.infer<typeof Criterion>;

/** The criteria judged from the answer's text; speed comes from its latency. */
export const TEXT_CRITERIA = ['accuracy', 'completeness', 'clarity'] as const;
export const TextCriterion = z.enum(TEXT_CRITERIA);
export type TextCriterion = z.infer<typeof TextCriterion>;

/**
 * Who gave a score: `rules` (the model-free scorers, and speed from latency), `judge` (a judge
 * model), `human` (`edge-evals rate`).
 */
export const ScoreSource = z.enum(['rules', 'judge', 'human']);
export type ScoreSource = z.infer<typeof ScoreSource>;

export const CriterionScore = z.object({
  criterion: Criterion,
  /** 1 (poor) to 5 (excellent). Integers, except speed and logprob-weighted judge scores. */
  score: z.number().min(1).max(5),
  /** One sentence: why this score. */
  reason: z.string(),
  source: ScoreSource,
  /**
   * What produced it: a model-free scorer (`readability`, `key-points`, `reference-facts`,
   * `reference-answer`, `python`, `latency`), `judge:<model>`, or `human`.
   */
  scorer: z.string(),
  /** Judge scores: the probability-weighted mean over the score tokens, or the integer the judge wrote. */
  method: z.enum(['logprob-weighted', 'integer']).optional(),
  /** Judge scores: the judge judged an answer of its own. */
  selfJudged: z.boolean().optional(),
  /** Judge scores: taken from the verdict cache (the same judge, rubric, question and answer). */
  cached: z.boolean().optional(),
});
export type CriterionScore = z.infer<typeof CriterionScore>;

/** A verdict the judge could not give: recorded with what it answered, never a silent pass. */
export const JudgeError = z.object({
  criterion: TextCriterion,
  judge: z.string(),
  error: z.string(),
  /** The judge's reply (the last attempt's), cut to a few thousand characters. */
  raw: z.string(),
});
export type JudgeError = z.infer<typeof JudgeError>;

/** One criterion of one model from one source, over its answers. */
export const CriterionSummary = z.object({
  criterion: Criterion,
  source: ScoreSource,
  n: z.number().int().nonnegative(),
  mean: z.number().nullable(),
  /** 95% interval of the mean (Student's t); null below MIN_ANSWERS_FOR_INTERVAL answers. */
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  /** The summary the comparison and the recommendation use for this criterion. */
  headline: z.boolean(),
});
export type CriterionSummary = z.infer<typeof CriterionSummary>;

/** Weights of the criteria in the recommendation; each 0..1, normalised to sum 1 where used. */
export const CriterionWeights = z.object({
  accuracy: z.number().min(0).max(1),
  completeness: z.number().min(0).max(1),
  clarity: z.number().min(0).max(1),
  speed: z.number().min(0).max(1),
});
export type CriterionWeights = z.infer<typeof CriterionWeights>;

/** The weights scaled to sum 1; throws when every weight is 0. */
export function normalizeWeights(weights: Partial<Record<Criterion, number>>): CriterionWeights {
  const total = CRITERIA.reduce((sum, criterion) => sum + (weights[criterion] ?? 0), 0);
  if (!(total > 0)) throw new Error('expected at least one weight above 0');
  const scaled = (criterion: Criterion) => (weights[criterion] ?? 0) / total;
  return { accuracy: scaled('accuracy'), completeness: scaled('completeness'), clarity: scaled('clarity'), speed: scaled('speed') };
}

/** How far two sources agree on one criterion, over the answers both scored. */
export const Agreement = z.object({
  criterion: TextCriterion,
  between: z.tuple([ScoreSource, ScoreSource]),
  n: z.number().int().nonnegative(),
  /** Cohen's kappa with quadratic weights on the rounded 1-5 scores; null when undefined. */
  weightedKappa: z.number().nullable(),
  /** Spearman's rank correlation; null when either side does not vary. */
  spearman: z.number().nullable(),
  /** Mean absolute difference, in points of the 1-5 scale. */
  meanAbsoluteDifference: z.number().nullable(),
});
export type Agreement = z.infer<typeof Agreement>;
