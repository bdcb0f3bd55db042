// The planted truth of a synthetic model, as its author writes it: per prompt the exact answer,
// the defects planted in it (each named, with the shipped checks it must fail) and the scores a
// careful grader would give it. The generator builds the model from these answers and writes
// them, with what it derived, into the model's manifest (manifest.ts).

/** A shipped prompt as `<category>/<id>`, or DEFAULT_ANSWER for every prompt that matches no topic. */
export type AnswerKey = string;

export const DEFAULT_ANSWER = 'default';

/**
 * A check of a prompt, named the way run-case names it: `custom:<name>` for a named custom
 * check, else the check type, with `#n` (1-based, in the prompt's order) when the prompt has
 * several checks of that type, e.g. `regex#2`.
 */
export type CheckId = string;

export interface PlantedDefect {
  /** Short and stable, e.g. `sorts-descending`: reports and the manifest show it. */
  name: string;
  description: string;
  /** The checks this defect must make fail; every other content check of the prompt must pass. */
  fails: CheckId[];
}

/** 1 (poor) to 5 (excellent), with the reason a grader would give. */
export interface PlantedScore {
  score: 1 | 2 | 3 | 4 | 5;
  reason: string;
}

export interface PlantedScores {
  accuracy: PlantedScore;
  completeness: PlantedScore;
  clarity: PlantedScore;
}

export interface PlantedAnswer {
  /** The reply, exactly as the model writes it (before <|im_end|>). */
  text: string;
  defects: PlantedDefect[];
  planted: PlantedScores;
}

export interface ModelAnswers {
  /** One line on the model's character, for the manifest and the catalog. */
  character: string;
  /** One entry per shipped prompt, and DEFAULT_ANSWER. */
  answers: Readonly<Record<AnswerKey, PlantedAnswer>>;
}
