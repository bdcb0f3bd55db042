// The planted truth of a synthetic model as data: written next to the model file when the model
// is generated, and committed under fixtures/planted-truth/ (a test keeps the two equal). Per
// prompt: the exact answer and its length in tokens, the planted defects with the checks each
// must make fail (every other content check must pass), and the scores a careful grader would
// give. Also how the model picks an answer: the topics and their keywords.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TOPICS, type ModelAnswers } from './answers/index.ts';
import type { ModelVocabulary } from './vocabulary.ts';

export const PLANTED_TRUTH_VERSION = 1;

/** The committed copies, `<alias>.json` each: what the project promises its models answer. */
export const PLANTED_TRUTH_FIXTURES = fileURLToPath(new URL('../../../fixtures/planted-truth/', import.meta.url));

const Score = z.object({ score: z.number().int().min(1).max(5), reason: z.string() });

export const PlantedTruth = z.object({
  plantedTruthVersion: z.literal(PLANTED_TRUTH_VERSION),
  model: z.string(),
  generatorVersion: z.string(),
  character: z.string(),
  /** How a prompt picks its answer: the topic whose keywords weigh most in it; none: the default answer. */
  topics: z.array(z.object({ prompt: z.string(), keywords: z.record(z.string(), z.array(z.string())) })),
  answers: z.array(
    z.object({
      /** `<category>/<id>` of a shipped prompt, or `default`. */
      prompt: z.string(),
      text: z.string(),
      /** Tokens of the answer, <|im_end|> not counted. */
      tokens: z.number().int().positive(),
      defects: z.array(z.object({ name: z.string(), description: z.string(), fails: z.array(z.string()) })),
      planted: z.object({ accuracy: Score, completeness: Score, clarity: Score }),
    }),
  ),
});
export type PlantedTruth = z.infer<typeof PlantedTruth>;

export function buildPlantedTruth(model: string, generatorVersion: string, answers: ModelAnswers, vocabulary: ModelVocabulary): PlantedTruth {
  return {
    plantedTruthVersion: PLANTED_TRUTH_VERSION,
    model,
    generatorVersion,
    character: answers.character,
    topics: TOPICS.map((topic) => ({ prompt: topic.prompt, keywords: { ...topic.keywords } as Record<string, string[]> })),
    answers: Object.entries(answers.answers).map(([prompt, answer]) => ({
      prompt,
      text: answer.text,
      tokens: vocabulary.answerTokens.get(prompt)?.length ?? 0,
      defects: answer.defects.map((defect) => ({ ...defect, fails: [...defect.fails] })),
      planted: answer.planted,
    })),
  };
}

/** The file name of a model's planted truth, next to its GGUF in the cache and under fixtures/planted-truth/. */
export function plantedTruthFileName(alias: string): string {
  return `${alias}.planted-truth.json`;
}

export function formatPlantedTruth(truth: PlantedTruth): string {
  return `${JSON.stringify(truth, null, 2)}\n`;
}
