// What each eval test records for the reporter: machine data on `task.meta.edgeEvals`, which
// vitest's JSON, blob and custom reporters keep. The test writes it, the reporter and the
// partial-results file read it back.
// Type-only: the augmentation below merges into vitest's TaskMeta only where vitest resolves.
import type {} from 'vitest';
import type { ChatMessage } from './chat.ts';
import type { CriterionScore, CriterionWeights, JudgeError } from './criteria.ts';
import type { CaseResult, MemoryFit } from './results.ts';

export interface CaseMeta {
  case: CaseResult;
  model: {
    alias: string;
    modelId: string | null;
    synthetic: boolean;
    /** A synthetic model with planted answers (absent in partial results of older versions: false). */
    knownAnswers?: boolean;
    loadMs: number | null;
    downloadMs: number | null;
    startError: string | null;
    /** Why the model was not started on purpose (it does not fit in memory). */
    skipReason?: string | null;
    memory?: MemoryFit | null;
  };
  runtime: { name: string; version: string | null; reason: string };
  /** The criteria weights of the case's eval, when it sets its own. */
  criteriaWeights?: CriterionWeights;
}

/** A candidate's answer as the judge phase gets it (through the coordinator), with what the eval knows about a good one. */
export interface AnswerToJudge {
  caseName: string;
  model: string;
  category: string;
  prompt: string;
  repeat: number;
  /** The conversation the answer replies to; its last message is the question. */
  messages: ChatMessage[];
  answer: string;
  /** Key points or a reference answer. */
  expected?: string | (string | { any: string[] })[];
  /** Reference facts (criteria.accuracy of the eval). */
  facts?: { mustState?: (string | { any: string[] })[]; mustNotState?: (string | { any: string[] })[] };
}

/** What the judge phase records per answer it judged, on `task.meta.edgeEvalsJudge`. */
export interface JudgeMeta {
  /** The judged case's full test name (`fixture-small > code/sort-function`). */
  caseName: string;
  judge: { alias: string; modelId: string | null; runtime: string };
  scores: CriterionScore[];
  errors: JudgeError[];
  /** Set when the judge could not be started or reached, instead of verdicts. */
  startError?: string;
}

declare module 'vitest' {
  interface TaskMeta {
    edgeEvals?: CaseMeta;
    edgeEvalsJudge?: JudgeMeta;
  }
}
