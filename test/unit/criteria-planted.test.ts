// The model-free scorers against the planted truth of the synthetic models: every shipped
// prompt's planted answer, scored with the shipped evals' own settings (key points, reference
// facts, the python check run for real), must come close to the score a careful grader planted
// (fixtures/planted-truth/), and must order the three models on each criterion as the planted
// scores do. Prints the error per criterion.
import { describe, expect, it } from 'vitest';
import { evaluateAssertions } from '../../src/assertions/index.ts';
import { TEXT_CRITERIA, type TextCriterion } from '../../src/contract/criteria.ts';
import { scoreAnswer } from '../../src/criteria/index.ts';
import type { PlannedCase } from '../../src/suite/cases.ts';
import { collectEvalFiles } from '../../src/suite/collect.ts';
import { plantedTruth } from '../support/planted-truth.ts';

const MODELS = ['fixture-tiny', 'fixture-small', 'fixture-medium'];
const EVAL_FILES = ['evals/chat.eval.ts', 'evals/code.eval.ts', 'evals/reasoning.eval.ts', 'evals/summary.eval.ts'];

interface Scored {
  model: string;
  prompt: string;
  criterion: TextCriterion;
  score: number;
  planted: number;
}

async function scorePlantedAnswers(): Promise<Scored[]> {
  const collection = await collectEvalFiles(EVAL_FILES);
  expect(collection.problems).toEqual([]);
  // defineEval collects whole planned cases; evalTest only their names.
const cases = collection.evals.flatMap((entry) => entry.cases).filter((entry): entry is PlannedCase => 'messages' in entry);
  const scored: Scored[] = [];
  for (const model of MODELS) {
    for (const answer of plantedTruth(model).answers) {
      const planned = cases.find((candidate) => candidate.id === answer.prompt);
      if (planned === undefined) continue;
      const content = planned.assertions.filter((spec) => spec.type === 'python');
      const checks = await evaluateAssertions(content, { response: answer.text, metrics: null, model, synthetic: false, messages: planned.messages });
      const prompt = planned.messages.at(-1)?.content ?? '';
      for (const score of scoreAnswer({ prompt, reply: answer.text, expected: planned.expected, criteria: planned.criteria, checks })) {
        if (score.criterion === 'speed') continue;
        scored.push({ model, prompt: answer.prompt, criterion: score.criterion, score: score.score, planted: answer.planted[score.criterion].score });
      }
    }
  }
  return scored;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe('the model-free scorers on the planted answers', () => {
  it('score every criterion of every shipped prompt close to the planted scores, and rank the models as they do', async () => {
    const scored = await scorePlantedAnswers();
    expect(scored).toHaveLength(MODELS.length * 6 * TEXT_CRITERIA.length);
    const lines: string[] = [];
    for (const criterion of TEXT_CRITERIA) {
      const mine = scored.filter((entry) => entry.criterion === criterion);
      const errors = mine.map((entry) => Math.abs(entry.score - entry.planted));
      const means = MODELS.map((model) => {
        const ofModel = mine.filter((entry) => entry.model === model);
        return { model, scored: mean(ofModel.map((entry) => entry.score)), planted: mean(ofModel.map((entry) => entry.planted)) };
      });
      lines.push(
        `${criterion}: mean absolute error ${mean(errors).toFixed(2)}, largest ${Math.max(...errors)}; ` +
          means.map((entry) => `${entry.model} ${entry.scored.toFixed(2)} (planted ${entry.planted.toFixed(2)})`).join(', '),
      );
      expect(mean(errors), `${criterion}: ${JSON.stringify(mine.filter((entry) => entry.score !== entry.planted))}`).toBeLessThanOrEqual(0.35);
      expect(Math.max(...errors)).toBeLessThanOrEqual(2);
      // The same order of the models as the planted means, ties included.
      const order = (key: 'scored' | 'planted') => [...means].sort((a, b) => a[key] - b[key] || a.model.localeCompare(b.model)).map((entry) => entry.model);
      expect(order('scored'), criterion).toEqual(order('planted'));
    }
    process.stdout.write(`[criteria] model-free scorers against the planted scores:\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  }, 60_000);
});
