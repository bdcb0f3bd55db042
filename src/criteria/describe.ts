// One score as a person reads it, in the vitest UI's annotations and the reports:
// `accuracy 4/5 (reference-facts): states 2 of 2 required facts`.
import type { CriterionScore } from '../contract/criteria.ts';

export function describeScore(score: CriterionScore): string {
  const value = Number.isInteger(score.score) ? String(score.score) : score.score.toFixed(score.source === 'judge' ? 2 : 1);
  const notes = [
    score.scorer,
    ...(score.method === 'logprob-weighted' ? ['weighted by the score tokens\' probabilities'] : []),
    ...(score.cached === true ? ['cached'] : []),
    ...(score.selfJudged === true ? ['its own answer'] : []),
  ];
  return `${score.criterion} ${value}/5 (${notes.join(', ')}): ${score.reason}`;
}
