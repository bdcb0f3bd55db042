// What each eval test records for the reporter: machine data on `task.meta.edgeEvals`, which
// vitest's JSON, blob and custom reporters keep. The test writes it, the reporter and the
// partial-results file read it back.
// Type-only: the augmentation below merges into vitest's TaskMeta only where vitest resolves.
import type {} from 'vitest';
import type { CaseResult } from './results.ts';

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
  };
  runtime: { name: string; version: string | null; reason: string };
}

declare module 'vitest' {
  interface TaskMeta {
    edgeEvals?: CaseMeta;
  }
}
