// People's ratings (`edge-evals rate`): one file, ratings.json, in the results folder. A rating
// belongs to an answer, not to a run: it is keyed by the question and the answer's text, so it
// applies again wherever the same answer comes back (a greedy model answers the same every
// run), and it never applies to an answer that changed. Merged into the results as scores of
// source `human`, with their agreement with the judge and the model-free scorers.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TEXT_CRITERIA, type CriterionScore } from '../contract/criteria.ts';
import { testId, type CaseResult, type Results } from '../contract/results.ts';
import { refreshCriteria } from './criteria.ts';
import { describeJsonError, issuePath, readResultsText, ResultsFileError, writeJsonAtomic } from './files.ts';

export const RATINGS_FILE = 'ratings.json';
export const RATINGS_VERSION = 1;

const Score = z.number().int().min(1).max(5);

export const Rating = z.object({
  /** The answer's key (answerKey): its question and its text. */
  key: z.string(),
  /** Where it was first rated, for people reading the file. */
  model: z.string(),
  test: z.string(),
  ratedAt: z.string(),
  /** null: skipped; asked again only with `edge-evals rate --skipped`. */
  scores: z.object({ accuracy: Score, completeness: Score, clarity: Score }).nullable(),
});
export type Rating = z.infer<typeof Rating>;

const RatingsFile = z.object({ ratingsVersion: z.literal(RATINGS_VERSION), ratings: z.array(Rating) });

/** The ratings file of a results file: ratings.json in its folder. */
export function ratingsFileFor(resultsFile: string): string {
  return path.join(path.dirname(resultsFile), RATINGS_FILE);
}

/** The key of an answer: its conversation (or, in results from before it was recorded, its test) and its text. */
export function answerKey(testCase: Pick<CaseResult, 'messages' | 'category' | 'prompt' | 'response'>): string {
  const question = testCase.messages ?? testId(testCase);
  return createHash('sha256').update(JSON.stringify({ question, answer: testCase.response })).digest('hex').slice(0, 32);
}

/** The ratings in `file`; none when it does not exist; a ResultsFileError (exit 2) when it is not a ratings file. */
export function readRatings(file: string): Rating[] {
  if (!existsSync(file)) return [];
  const label = `Ratings file ${file}`;
  const text = readResultsText(file, label, 'a JSON file');
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ResultsFileError(`${label} is not valid JSON: ${describeJsonError(text, error as Error)}`);
  }
  const parsed = RatingsFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResultsFileError(`${label} is not an edge-evals ratings file (version ${RATINGS_VERSION}): ${issuePath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.ratings;
}

/** Written atomically after every answer, so that quitting or a crash loses nothing rated. */
export function saveRatings(file: string, ratings: readonly Rating[]): void {
  writeJsonAtomic(file, { ratingsVersion: RATINGS_VERSION, ratings });
}

/** The cases with people's scores added where an answer was rated, and the criteria aggregates computed again. */
export function withRatings(results: Results, ratings: readonly Rating[]): Results {
  const byKey = new Map(ratings.flatMap((rating) => (rating.scores === null ? [] : [[rating.key, rating] as const])));
  if (byKey.size === 0) return results;
  let rated = 0;
  const cases = results.cases.map((testCase) => {
    const rating = byKey.get(answerKey(testCase));
    if (rating?.scores == null) return testCase;
    rated++;
    const kept = (testCase.criteria ?? []).filter((score) => score.source !== 'human');
    const human = TEXT_CRITERIA.map(
      (criterion): CriterionScore => ({ criterion, score: (rating.scores as NonNullable<Rating['scores']>)[criterion], reason: `rated by a person on ${rating.ratedAt.slice(0, 10)}`, source: 'human', scorer: 'human' }),
    );
    return { ...testCase, criteria: [...kept, ...human] };
  });
  return rated === 0 ? results : refreshCriteria({ ...results, cases });
}
