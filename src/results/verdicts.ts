// The judge's verdicts, recorded by the judge phase after every candidate answered, merged into
// the cases they judge (by test name). A case keeps the scores of other sources; the judge's
// replace any it had, so that merging twice gives the same case.
import type { JudgeMeta } from '../contract/case-meta.ts';
import type { CaseResult, JudgeInfo } from '../contract/results.ts';

export function mergeVerdicts(cases: readonly CaseResult[], verdicts: readonly JudgeMeta[]): CaseResult[] {
  if (verdicts.length === 0) return [...cases];
  const byCase = new Map(verdicts.map((verdict) => [verdict.caseName, verdict]));
  return cases.map((testCase) => {
    const verdict = byCase.get(testCase.name);
    if (verdict === undefined) return testCase;
    const kept = (testCase.criteria ?? []).filter((score) => score.source !== 'judge');
    const judged: CaseResult = { ...testCase, criteria: [...kept, ...verdict.scores] };
    if (verdict.errors.length > 0) judged.judgeErrors = verdict.errors;
    else delete judged.judgeErrors;
    return judged;
  });
}

/** The judge of a run and how it fared, from what the judge phase recorded; null without a judge phase. */
export function judgeInfo(verdicts: readonly JudgeMeta[]): JudgeInfo | null {
  const first = verdicts[0];
  if (first === undefined) return null;
  const scores = verdicts.flatMap((verdict) => verdict.scores);
  const methods = new Set(scores.map((score) => score.method ?? 'integer'));
  return {
    alias: first.judge.alias,
    modelId: verdicts.find((verdict) => verdict.judge.modelId !== null)?.judge.modelId ?? null,
    runtime: first.judge.runtime,
    scoring: methods.size === 0 ? null : methods.size > 1 ? 'mixed' : methods.has('logprob-weighted') ? 'logprob-weighted' : 'integer',
    verdicts: scores.length,
    errors: verdicts.reduce((sum, verdict) => sum + verdict.errors.length, 0),
    cached: scores.filter((score) => score.cached === true).length,
    startError: verdicts.find((verdict) => verdict.startError !== undefined)?.startError ?? null,
  };
}
