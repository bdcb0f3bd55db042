// Reading results/partial.jsonl back into results. The reporter appends one JSON line per
// finished case as the run goes, so a run stopped by Ctrl-C or SIGTERM (vitest exits at once,
// before its end-of-run hook) still has every case it measured; this turns them into results
// marked as interrupted, for `npm run eval` after the interruption and for `edge-evals report`.
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { CaseMeta, JudgeMeta } from '../contract/case-meta.ts';
import { CriterionScore, CriterionWeights, JudgeError } from '../contract/criteria.ts';
import { CaseResult, ModelResult, type Results } from '../contract/results.ts';
import { assembleResults, type AssembleOptions } from './assemble.ts';
import { describeJsonError, issuePath, readResultsText, ResultsFileError } from './files.ts';

/** One line of partial.jsonl: what run-case.ts records on `task.meta.edgeEvals`. */
const RecordedCase = z.object({
  case: CaseResult,
  model: ModelResult.pick({ alias: true, modelId: true, synthetic: true, knownAnswers: true, loadMs: true, downloadMs: true, startError: true, skipReason: true, memory: true }),
  runtime: z.object({ name: z.string(), version: z.string().nullable(), reason: z.string() }),
  criteriaWeights: CriterionWeights.optional(),
});

/** A line of the judge phase: its verdicts on one answer (what judge-phase.ts records on `task.meta.edgeEvalsJudge`). */
const RecordedVerdict = z.object({
  verdict: z.object({
    caseName: z.string(),
    judge: z.object({ alias: z.string(), modelId: z.string().nullable(), runtime: z.string() }),
    scores: z.array(CriterionScore),
    errors: z.array(JudgeError),
    startError: z.string().optional(),
  }),
});

const MAX_LISTED_ISSUES = 3;

export interface PartialCases {
  metas: CaseMeta[];
  verdicts: JudgeMeta[];
  /** A last line that is not a whole case (the run died while writing it), skipped. */
  warnings: string[];
}

/** Why `line` is not a recorded case or verdict, or what it records. */
function parseLine(line: string, lineNumber: number): CaseMeta | { verdict: JudgeMeta } | string {
  let data: unknown;
  try {
    data = JSON.parse(line) as unknown;
  } catch (error) {
    return `not valid JSON: ${describeJsonError(line, error as Error, lineNumber)}`;
  }
  if (typeof data === 'object' && data !== null && 'verdict' in data) {
    const verdict = RecordedVerdict.safeParse(data);
    if (verdict.success) return verdict.data;
  }
  const parsed = RecordedCase.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
    const more = issues.length > MAX_LISTED_ISSUES ? ` (and ${issues.length - MAX_LISTED_ISSUES} more)` : '';
    return `not a recorded eval case: ${listed.join('; ')}${more}`;
  }
  // Typed as CaseMeta so that a field added to CaseMeta but not to RecordedCase fails to compile.
  const meta: CaseMeta = parsed.data;
  return meta;
}

/**
 * The cases of a partial.jsonl text. `label` names the file in messages. Only the last line
 * may be broken: the reporter appends whole lines, so a crash can cut the one it was writing.
 * A broken line before it means the file is something else, or was edited: an error.
 */
export function parsePartialCases(text: string, label: string): PartialCases {
  const lines = text.split('\n');
  const lastContentIndex = lines.findLastIndex((line) => line.trim() !== '');
  const result: PartialCases = { metas: [], verdicts: [], warnings: [] };
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const outcome = parseLine(line, index + 1);
    if (typeof outcome !== 'string') {
      if ('verdict' in outcome) result.verdicts.push(outcome.verdict);
      else result.metas.push(outcome);
      return;
    }
    if (index === lastContentIndex) {
      result.warnings.push(`${label}: skipped its last line (${index + 1}), cut short when the run stopped: ${outcome}`);
      return;
    }
    throw new ResultsFileError(`${label}, line ${index + 1}: expected one recorded eval case per line, got a line that is ${outcome}`);
  });
  return result;
}

export function readPartialCases(file: string): PartialCases {
  const label = `Partial results file ${file}`;
  return parsePartialCases(readResultsText(file, label, 'a JSON Lines file'), label);
}

export interface PartialResults {
  results: Results;
  warnings: string[];
}

/**
 * The results of an interrupted run from its partial.jsonl, marked as interrupted. A file
 * without a single case is an error: there is nothing to report.
 */
export function readPartialResults(file: string, options: Omit<AssembleOptions, 'interrupted'> & { signal: string | null }): PartialResults {
  const { metas, verdicts, warnings } = readPartialCases(file);
  if (metas.length === 0) {
    throw new ResultsFileError(`Partial results file ${file} holds no measured case: the run stopped before its first case finished.`);
  }
  // Without a run to date it, the results date from the last case written.
  const createdAt = options.createdAt ?? statSync(file).mtime.toISOString();
  const results = assembleResults(metas, { config: options.config, plan: options.plan, createdAt, interrupted: { signal: options.signal } }, verdicts);
  return { results, warnings };
}
