// Collect mode: what `npm run eval` does before vitest starts. It imports the eval files of the
// run with defineEval and evalTest recording their cases instead of registering vitest tests,
// so that a file that does not compile, an invalid definition, a data file that does not parse
// or a filter that matches nothing stops the run (exit code 2) before any model loads.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../util/paths.ts';
import type { PlannedCase } from './cases.ts';
import { describeLocation, EvalFileError, type SourceLocation } from './location.ts';

/** What test names are made of: enough to compute them and apply skip and only. */
export type CollectedCase = Pick<PlannedCase, 'id' | 'repeats' | 'skip' | 'only'>;

export interface CollectedEval {
  location: SourceLocation;
  cases: CollectedCase[];
}

interface Collector {
  add(location: SourceLocation, cases: Promise<readonly CollectedCase[]>): void;
}

// On globalThis: the eval files may reach defineEval through `edge-evals` or a relative path,
// and must find the same collector either way.
const COLLECTOR = Symbol.for('edge-evals.collector');
type GlobalWithCollector = typeof globalThis & { [COLLECTOR]?: Collector };

/** The collector when the eval files are being collected, else undefined (a vitest run). */
export function activeCollector(): Collector | undefined {
  return (globalThis as GlobalWithCollector)[COLLECTOR];
}

/** `evals/x.eval.ts:3:10: syntax error: Unexpected ";"` from the compiler's error, paths relative. */
function describeLoadError(error: unknown, file: string): string {
  if (error instanceof EvalFileError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const relative = (text: string) => text.split(`${PROJECT_ROOT}`).join('');
  // esbuild (through tsx): "Transform failed with 1 error:\n/abs/evals/x.eval.ts:1:10: ERROR: Unexpected ..."
  const syntax = [...message.matchAll(/^(.+?:\d+:\d+): ERROR: (.+)$/gm)];
  if (syntax.length > 0) return syntax.map((match) => `${relative(match[1] ?? file)}: syntax error: ${match[2]}`).join('\n');
  const frame = error instanceof Error ? error.stack?.split('\n').find((line) => line.includes(path.join(PROJECT_ROOT, file))) : undefined;
  const line = frame?.match(/:(\d+):\d+\)?$/)?.[1];
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  return `${line === undefined ? file : `${file}:${line}`}: failed to load: ${name}${relative(message)}`;
}

export interface Collection {
  evals: CollectedEval[];
  /** One message per problem, each starting with the file (and line) it is in. */
  problems: string[];
}

/** Imports each eval file (paths relative to the project) in collect mode; never throws for a broken file. */
export async function collectEvalFiles(files: readonly string[]): Promise<Collection> {
  type Settled = { ok: true; cases: readonly CollectedCase[] } | { ok: false; error: unknown };
  const pending: { location: SourceLocation; settled: Promise<Settled> }[] = [];
  // Settled at once: a data loader that fails while later files load is no unhandled rejection.
  const collector: Collector = {
    add: (location, cases) => pending.push({ location, settled: cases.then((ok) => ({ ok: true, cases: ok }), (error: unknown) => ({ ok: false, error })) }),
  };
  const global = globalThis as GlobalWithCollector;
  global[COLLECTOR] = collector;
  const problems: string[] = [];
  try {
    for (const file of files) {
      const before = pending.length;
      try {
        await import(pathToFileURL(path.join(PROJECT_ROOT, file)).href);
        if (pending.length === before) problems.push(`${file}: defines no evals (call defineEval or evalTest)`);
      } catch (error) {
        problems.push(describeLoadError(error, file));
      }
    }
  } finally {
    delete global[COLLECTOR];
  }
  const evals: CollectedEval[] = [];
  for (const { location, settled } of pending) {
    const outcome = await settled;
    if (outcome.ok) evals.push({ location, cases: [...outcome.cases] });
    else problems.push(outcome.error instanceof EvalFileError ? outcome.error.message : `${describeLocation(location)}: ${String(outcome.error)}`);
  }
  return { evals, problems };
}
