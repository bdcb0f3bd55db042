// The synthetic models' planted answers to the shipped prompts, each with the planned case of
// the shipped eval it answers (its messages, key points, reference facts and checks) and the
// scores a careful grader planted: what the criteria benchmarks score, time and compare.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PLANTED_TRUTH_FIXTURES, PlantedTruth } from '../../src/embedded/synthetic/manifest.ts';
import type { PlannedCase } from '../../src/suite/cases.ts';
import { collectEvalFiles } from '../../src/suite/collect.ts';

export const SYNTHETIC_MODELS = ['fixture-tiny', 'fixture-small', 'fixture-medium'] as const;
const SHIPPED_EVALS = ['evals/chat.eval.ts', 'evals/code.eval.ts', 'evals/reasoning.eval.ts', 'evals/summary.eval.ts'];

export interface PlantedAnswer {
  model: string;
  planned: PlannedCase;
  text: string;
  planted: PlantedTruth['answers'][number]['planted'];
  /** No planted defect makes its python check fail. */
  codeWorks: boolean;
}

export async function plantedAnswers(): Promise<PlantedAnswer[]> {
  const collection = await collectEvalFiles(SHIPPED_EVALS);
  if (collection.problems.length > 0) throw new Error(collection.problems.join('\n'));
  // defineEval collects whole planned cases; evalTest only their names.
  const cases = collection.evals.flatMap((entry) => entry.cases).filter((entry): entry is PlannedCase => 'messages' in entry);
  return SYNTHETIC_MODELS.flatMap((model) => {
    const truth = PlantedTruth.parse(JSON.parse(readFileSync(path.join(PLANTED_TRUTH_FIXTURES, `${model}.json`), 'utf8')));
    return truth.answers.flatMap((answer) => {
      const planned = cases.find((candidate) => candidate.id === answer.prompt);
      if (planned === undefined) return [];
      const codeWorks = !answer.defects.some((defect) => defect.fails.includes('python'));
      return [{ model, planned, text: answer.text, planted: answer.planted, codeWorks }];
    });
  });
}

/** The question the answer replies to: the planned conversation's last message. */
export function questionOf(planned: PlannedCase): string {
  return planned.messages.at(-1)?.content ?? '';
}
