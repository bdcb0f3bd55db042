// The model-free scorers, and what an eval file may say about them (`criteria` on an eval or a
// prompt). By default every answer gets clarity from readability against what the prompt asks;
// completeness from the eval's key points (`expected`) or reference answer; accuracy from its
// reference facts, else from running its code (`python` check), else from a short reference
// answer. A criterion an eval has nothing to score it by is left out (a judge can score it).
import { z } from 'zod';
import { normalizeWeights, type CriterionScore } from '../contract/criteria.ts';
import { KeyPoint, type AssertionResult, type Expected } from '../contract/results.ts';
import { scoreAccuracyFromCode, scoreAccuracyFromFacts, scoreAccuracyFromReferenceAnswer } from './accuracy.ts';
import { formAsked, type FormAsked } from './asks.ts';
import { scoreClarity } from './clarity.ts';
import { scoreCompletenessFromKeyPoints, scoreCompletenessFromReference } from './completeness.ts';


const AccuracySpec = z
  .object({
    /** What a correct answer states: key points, e.g. `{ any: ['ascending', 'smallest first'] }`. */
    mustState: z.array(KeyPoint).min(1).optional(),
    /** What a correct answer never states, e.g. a common misconception. */
    mustNotState: z.array(KeyPoint).min(1).optional(),
  })
  .strict()
  .refine((spec) => spec.mustState !== undefined || spec.mustNotState !== undefined, 'expected mustState, mustNotState or both');

const ClaritySpec = z
  .object({
    /** At most this many sentences (read from "in one sentence" when not given). */
    maxSentences: z.number().int().positive().optional(),
    /** At most this many words. */
    maxWords: z.number().int().positive().optional(),
    /** Plain words for a general reader ("in simple terms"). */
    simple: z.boolean().optional(),
    /** A list of items. */
    list: z.boolean().optional(),
    /** Detail is welcome. */
    detailed: z.boolean().optional(),
    /** Brevity is asked for. */
    brief: z.boolean().optional(),
  })
  .strict();

/** What a prompt (or every prompt of an eval) says about its scoring; `false` leaves a criterion out. */
export const CriteriaSpec = z
  .object({
    accuracy: z.union([z.literal(false), AccuracySpec]).optional(),
    /** Completeness is scored against `expected`; `false` leaves it out. */
    completeness: z.literal(false).optional(),
    /** The form the answer should take, where the prompt's wording does not say it. */
    clarity: z.union([z.literal(false), ClaritySpec]).optional(),
  })
  .strict();
export type CriteriaSpec = z.infer<typeof CriteriaSpec>;

const weight = z.number().min(0, 'expected a weight of 0 or more').optional();

/**
 * An eval's `criteria`: what applies to every prompt, and the weights of its category in the
 * recommendation (a criterion left out weighs 0; normalised to sum 1).
 */
export const EvalCriteriaSpec = CriteriaSpec.extend({
  weights: z
    .object({ accuracy: weight, completeness: weight, clarity: weight, speed: weight })
    .strict()
    .refine((weights) => Object.values(weights).some((value) => value !== undefined && value > 0), 'expected at least one weight above 0')
    .transform(normalizeWeights)
    .optional(),
}).strict();
export type EvalCriteriaSpec = z.infer<typeof EvalCriteriaSpec>;

export interface ScoringInput {
  /** The question the answer replies to (the last user message). */
  prompt: string;
  /** The answer, without reasoning. */
  reply: string;
  /** Key points, or a reference answer. */
  expected?: Expected;
  criteria?: CriteriaSpec;
  /** The checks that already ran on the reply (a `python` check gives code accuracy). */
  checks: readonly AssertionResult[];
}

/** The prompt's spec over the eval's: a prompt's setting of a criterion replaces the eval's. */
export function mergeCriteria(evalLevel: EvalCriteriaSpec | undefined, promptLevel: CriteriaSpec | undefined): CriteriaSpec | undefined {
  if (evalLevel === undefined) return promptLevel;
  const { weights: _weights, ...common } = evalLevel;
  return promptLevel === undefined ? common : { ...common, ...promptLevel };
}

function accuracy(input: ScoringInput): CriterionScore | null {
  const spec = input.criteria?.accuracy;
  if (spec === false) return null;
  const fromCode = scoreAccuracyFromCode(input.checks);
  const fromFacts = spec === undefined ? null : scoreAccuracyFromFacts(input.reply, spec);
  if (fromCode !== null && fromFacts !== null) {
    const worse = fromFacts.score < fromCode.score ? fromFacts : fromCode;
    return { ...worse, reason: `${fromCode.reason}; ${fromFacts.reason}` };
  }
  if (fromCode !== null || fromFacts !== null) return fromCode ?? fromFacts;
  return typeof input.expected === 'string' ? scoreAccuracyFromReferenceAnswer(input.reply, input.expected) : null;
}

function completeness(input: ScoringInput): CriterionScore | null {
  if (input.criteria?.completeness === false || input.expected === undefined) return null;
  if (typeof input.expected === 'string') return scoreCompletenessFromReference(input.reply, input.expected);
  return input.expected.length === 0 ? null : scoreCompletenessFromKeyPoints(input.reply, input.expected);
}

function clarity(input: ScoringInput): CriterionScore | null {
  const spec = input.criteria?.clarity;
  if (spec === false) return null;
  const asked: FormAsked = { ...formAsked(input.prompt), ...spec };
  return scoreClarity(input.prompt, input.reply, asked);
}

const EMPTY_REASON = 'the answer is empty';

/** The model-free scores of one answer: accuracy, completeness and clarity, those it can give. */
export function scoreAnswer(input: ScoringInput): CriterionScore[] {
  const scores = [accuracy(input), completeness(input), clarity(input)].filter((score): score is CriterionScore => score !== null);
  if (input.reply.trim() !== '') return scores;
  // An empty answer is wrong and incomplete whatever the scorer, as it is unclear.
  return scores.map((score) => ({ ...score, score: 1, reason: EMPTY_REASON }));
}
