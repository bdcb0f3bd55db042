// Where in an eval file something was defined, for error messages a person can act on:
// `evals/code.eval.ts:12  prompts.0.assert.1.type: unknown assertion type "icontain"`.
import path from 'node:path';
import { PROJECT_ROOT } from '../util/paths.ts';

export interface SourceLocation {
  /** Relative to the project root, e.g. `evals/code.eval.ts`. */
  file: string;
  /** 1-based line of the defineEval or evalTest call; null when the stack did not show it. */
  line: number | null;
}

// A stack frame in an eval file: `at … (/abs/evals/x.eval.ts:12:3)` or `file:///abs/…:12:3`.
// Stacks are source-mapped both under vitest and under tsx, so lines are those of the .ts file.
const EVAL_FRAME = /(?:file:\/\/)?((?:[A-Za-z]:)?[/\\][^:()]+\.eval\.[cm]?[jt]s):(\d+):\d+/;

/** The eval file (and line) that called the public function this is called from. */
export function callerLocation(): SourceLocation {
  for (const frame of new Error().stack?.split('\n') ?? []) {
    const match = EVAL_FRAME.exec(frame);
    if (match?.[1] !== undefined) return { file: path.relative(PROJECT_ROOT, match[1]), line: Number(match[2]) };
  }
  return { file: 'an eval file', line: null };
}

export function describeLocation(location: SourceLocation): string {
  return location.line === null ? location.file : `${location.file}:${location.line}`;
}

/** A mistake in an eval file: reported with its place, exit code 2, before any model starts. */
export class EvalFileError extends Error {
  constructor(
    readonly location: SourceLocation,
    /** One line per problem, each naming its field, e.g. `prompts.0.id: expected ...`. */
    readonly problems: readonly string[],
    summary = 'invalid eval definition',
  ) {
    super(`${describeLocation(location)}: ${summary}\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'EvalFileError';
  }
}
