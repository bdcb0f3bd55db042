// Verdicts on a synthetic model with known answers: its planted truth names, per prompt, the
// checks that must fail because they catch a planted defect; every other content check must
// pass. A planted failure is expected (the test passes and says so); a check that misses its
// planted defect, or fails a correct answer, fails the test. The plant describes one exact
// answer: when the reply differs (a truncated reply, another model behind the name), nothing
// is expected and the checks judge it like any other reply.
import { checkIds, type CheckSpec } from '../assertions/index.ts';
import type { AssertionResult } from '../contract/results.ts';
import { plantedAnswer, plantedFailures } from '../embedded/synthetic/answers/index.ts';

export interface PlantedVerdicts {
  /** The checks, each marked with the defect it must catch where one is planted. */
  checks: AssertionResult[];
  /** Why the planted truth did not apply, or which planted checks the prompt lacks; null when all is in order. */
  note: string | null;
  /** Planted checks the prompt does not have (renamed or removed since the plant): a mismatch. */
  unknownChecks: string[];
}

/**
 * Whether a model's answer to this prompt is known: a model with known answers and a prompt it
 * has a planted answer for. Only then are content checks judged on a synthetic model; to a
 * prompt of one's own it gives its default answer, whose content means nothing there.
 */
export function answerKnown(model: { alias: string; knownAnswers?: boolean }, prompt: string): boolean {
  return model.knownAnswers === true && plantedAnswer(model.alias, prompt) !== undefined;
}

export function applyPlantedTruth(
  model: string,
  prompt: string,
  response: string,
  specs: readonly CheckSpec[],
  checks: AssertionResult[],
): PlantedVerdicts {
  const answer = plantedAnswer(model, prompt);
  if (answer === undefined) return { checks, note: `${model} has no planted answer for ${prompt}: its content is not judged`, unknownChecks: [] };
  if (response !== answer.text) {
    return { checks, note: `${model}'s reply differs from its planted answer for ${prompt}, so nothing is expected of the checks`, unknownChecks: [] };
  }
  const ids = checkIds(specs);
  const planted = plantedFailures(answer);
  const unknownChecks = [...planted.keys()].filter((id) => !ids.includes(id));
  return {
    checks: checks.map((check, index) => {
      const defect = planted.get(ids[index] ?? '');
      return defect === undefined ? check : { ...check, planted: defect };
    }),
    note: unknownChecks.length === 0 ? null : `the planted truth of ${model} for ${prompt} names checks the prompt does not have: ${unknownChecks.join(', ')}`,
    unknownChecks,
  };
}

/** What makes a test fail: checks that failed with nothing planted, and planted checks that passed. */
export function verdictProblems(checks: readonly AssertionResult[], unknownChecks: readonly string[]): string[] {
  const problems: string[] = [];
  for (const check of checks) {
    if (check.skipped === true) continue;
    if (!check.pass && check.planted === undefined) problems.push(`${check.type}: ${check.reason}`);
    if (check.pass && check.planted !== undefined) problems.push(`${check.type} passed, but it should catch the planted defect ${check.planted}: ${check.reason}`);
  }
  for (const id of unknownChecks) problems.push(`${id}: planted, but the prompt has no such check`);
  return problems;
}
