// Accuracy without a model, from what the eval knows to be true:
//   - reference facts: what a correct answer must state and what it must not state. Missing
//     facts lower the score by their share (1 + 4 x share stated); a statement that must not
//     be made caps it at 2, and each further one takes a point more.
//   - code: the result of running it (the eval's `python` check). Code that passes every test
//     is 5; code that fails any is at most 3 ("partly right"): 1 + 3 x share passed, rounded down.
//   - a short reference answer (a name, a number, a few words): 5 when the answer gives it, 1
//     when it does not. Longer reference answers need a judge.
import type { CriterionScore } from '../contract/criteria.ts';
import { shareToScore } from './completeness.ts';
import { describeKeyPoint, mentioned } from '../assertions/key-points.ts';
import type { AssertionResult, KeyPoint } from '../contract/results.ts';

export interface ReferenceFacts {
  /** What a correct answer states, e.g. `{ any: ['ascending', 'smallest to largest'] }`. */
  mustState?: readonly KeyPoint[];
  /** What a correct answer never states, e.g. a common misconception. */
  mustNotState?: readonly KeyPoint[];
}

/** Reference answers up to this many words are checked for in the answer; longer ones need a judge. */
export const SHORT_REFERENCE_WORDS = 6;

const base = { criterion: 'accuracy', source: 'rules' } as const;

export function scoreAccuracyFromFacts(reply: string, facts: ReferenceFacts): CriterionScore {
  const required = facts.mustState ?? [];
  const forbidden = facts.mustNotState ?? [];
  const stated = required.filter((point) => mentioned(reply, point) !== null);
  const missing = required.filter((point) => mentioned(reply, point) === null);
  const wrong = forbidden.flatMap((point) => {
    const phrase = mentioned(reply, point);
    return phrase === null ? [] : [phrase];
  });
  let score = required.length === 0 ? 5 : shareToScore(stated.length / required.length);
  if (wrong.length > 0) score = Math.max(1, Math.min(score, 2) - (wrong.length - 1));
  const parts: string[] = [];
  if (wrong.length > 0) parts.push(`states what is wrong: ${wrong.map((phrase) => `"${phrase}"`).join(', ')}`);
  if (required.length > 0) parts.push(`states ${stated.length} of ${required.length} required facts`);
  if (missing.length > 0) parts.push(`not ${missing.map(describeKeyPoint).join(', ')}`);
  if (wrong.length === 0 && forbidden.length > 0) parts.push(`none of the ${forbidden.length} known mistakes`);
  return { ...base, scorer: 'reference-facts', score, reason: parts.join('; ') };
}

/** Accuracy from the eval's `python` checks; null when there is none or it was skipped. */
export function scoreAccuracyFromCode(checks: readonly AssertionResult[]): CriterionScore | null {
  const runs = checks.filter((check) => check.type === 'python' && check.skipped !== true);
  if (runs.length === 0) return null;
  const share = runs.reduce((sum, check) => sum + check.score, 0) / runs.length;
  const allPassed = runs.every((check) => check.pass);
  const score = allPassed ? 5 : Math.max(1, Math.floor(1 + 3 * share));
  const firstReason = runs.find((check) => !check.pass)?.reason ?? runs[0]?.reason ?? '';
  const why = firstReason.length > 200 ? `${firstReason.slice(0, 199)}…` : firstReason;
  return { ...base, scorer: 'python', score, reason: allPassed ? `the code runs correctly: ${why}` : `running the code: ${why}` };
}

/** Accuracy against a short reference answer; null for one too long to look for word by word. */
export function scoreAccuracyFromReferenceAnswer(reply: string, reference: string): CriterionScore | null {
  const trimmed = reference.trim();
  if (trimmed === '' || trimmed.split(/\s+/).length > SHORT_REFERENCE_WORDS) return null;
  const found = mentioned(reply, trimmed) !== null;
  return {
    ...base,
    scorer: 'reference-answer',
    score: found ? 5 : 1,
    reason: found ? `gives the reference answer "${trimmed}"` : `does not give the reference answer "${trimmed}"`,
  };
}
