// Completeness without a model: the share of the eval's key points the answer makes
// (`expected: ['qubits', { any: ['superposition', 'both 0 and 1'] }]`), or, for a reference
// answer, the share of its content words the answer uses. The share maps linearly onto the
// scale, 1 + 4 x share, rounded: none made is 1, half is 3, all is 5.
import type { CriterionScore } from '../contract/criteria.ts';
import { mentioned } from '../assertions/key-points.ts';
import type { KeyPoint } from '../contract/results.ts';
import { contentWords } from './matching.ts';

export function shareToScore(share: number): number {
  return Math.round(1 + 4 * Math.min(1, Math.max(0, share)));
}

export function scoreCompletenessFromKeyPoints(reply: string, points: readonly KeyPoint[]): CriterionScore {
  const made = points.filter((point) => mentioned(reply, point) !== null);
  const missing = points.filter((point) => mentioned(reply, point) === null);
  const base = { criterion: 'completeness', source: 'rules', scorer: 'key-points' } as const;
  const summary = `${made.length} of ${points.length} key points made`;
  // The first phrase of each missing point is enough to say what is missing.
  const reason = missing.length === 0 ? summary : `${summary}; missing ${missing.map((point) => `"${typeof point === 'string' ? point : point.any[0]}"`).join(', ')}`;
  return { ...base, score: shareToScore(made.length / points.length), reason };
}

/** Recall of the reference answer's content words (stop words left out, simple stemming): ROUGE-1 recall, on a 1-5 scale. */
export function scoreCompletenessFromReference(reply: string, reference: string): CriterionScore | null {
  const wanted = [...new Set(contentWords(reference))];
  if (wanted.length === 0) return null;
  const used = new Set(contentWords(reply));
  const covered = wanted.filter((word) => used.has(word));
  const missing = wanted.filter((word) => !used.has(word));
  const shown = missing.slice(0, 6).map((word) => `"${word}"`).join(', ');
  const reason =
    `uses ${covered.length} of the reference answer's ${wanted.length} content words` +
    (missing.length === 0 ? '' : `; not ${shown}${missing.length > 6 ? ', ...' : ''}`);
  return { criterion: 'completeness', source: 'rules', scorer: 'reference-answer', score: shareToScore(covered.length / wanted.length), reason };
}
