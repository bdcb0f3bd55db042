// The committed planted truth of the synthetic models (fixtures/planted-truth/), for tests that
// need an answer's exact text or token count.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PLANTED_TRUTH_FIXTURES, PlantedTruth } from '../../src/embedded/synthetic/manifest.ts';

export function plantedTruth(alias: string): PlantedTruth {
  return PlantedTruth.parse(JSON.parse(readFileSync(path.join(PLANTED_TRUTH_FIXTURES, `${alias}.json`), 'utf8')));
}

/** A model's planted answer to a prompt (`<category>/<id>` or `default`): its text and tokens (<|im_end|> not counted). */
export function plantedReply(alias: string, prompt: string): { text: string; tokens: number } {
  const answer = plantedTruth(alias).answers.find((candidate) => candidate.prompt === prompt);
  if (answer === undefined) throw new Error(`the planted truth of ${alias} has no answer for ${prompt}`);
  return { text: answer.text, tokens: answer.tokens };
}
