// The planted answers of the three synthetic models, and the lookup the suite uses to tell an
// expected failure (a check catching a planted defect) from a real one.
import { createHash } from 'node:crypto';
import { FIXTURE_MEDIUM } from './fixture-medium.ts';
import { FIXTURE_SMALL } from './fixture-small.ts';
import { FIXTURE_TINY } from './fixture-tiny.ts';
import { KEYWORD_SCORE, TIE_BREAK, TOPICS } from './topics.ts';
import type { CheckId, ModelAnswers, PlantedAnswer } from './types.ts';

export { DEFAULT_ANSWER, type AnswerKey, type CheckId, type ModelAnswers, type PlantedAnswer, type PlantedDefect, type PlantedScores } from './types.ts';
export { KEYWORD_SCORE, keywordForms, TIE_BREAK, TOPICS, type KeywordStrength, type Topic } from './topics.ts';

export const PLANTED_ANSWERS: Readonly<Record<'fixture-tiny' | 'fixture-small' | 'fixture-medium', ModelAnswers>> = {
  'fixture-tiny': FIXTURE_TINY,
  'fixture-small': FIXTURE_SMALL,
  'fixture-medium': FIXTURE_MEDIUM,
};

/** The planted answer of a model to a prompt (`<category>/<id>`, or DEFAULT_ANSWER); undefined when it has none. */
export function plantedAnswer(alias: string, prompt: string): PlantedAnswer | undefined {
  if (!Object.hasOwn(PLANTED_ANSWERS, alias)) return undefined;
  const { answers } = PLANTED_ANSWERS[alias as keyof typeof PLANTED_ANSWERS];
  return Object.hasOwn(answers, prompt) ? answers[prompt] : undefined;
}

/** Check id -> the name of the planted defect that must make it fail. */
export function plantedFailures(answer: PlantedAnswer): Map<CheckId, string> {
  return new Map(answer.defects.flatMap((defect) => defect.fails.map((check) => [check, defect.name] as const)));
}

/** SHA-256 over a model's answers and the topics: a change to either means a different model. */
export function answersSha256(alias: keyof typeof PLANTED_ANSWERS): string {
  return createHash('sha256').update(JSON.stringify({ answers: PLANTED_ANSWERS[alias], TOPICS, KEYWORD_SCORE, TIE_BREAK })).digest('hex');
}
