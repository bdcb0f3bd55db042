// What `npm run eval` checks before vitest starts, so that a mistake costs seconds, not a model
// load: the eval files of the run load and their definitions are valid (collect mode), and the
// file filters and `-t` select at least one test. Each problem is a usage error (exit code 2).
import { testNames } from '../suite/cases.ts';
import { collectEvalFiles, type CollectedEval } from '../suite/collect.ts';
import { isExample, listEvalFiles, selectEvalFiles } from '../suite/files.ts';
import { describeLocation } from '../suite/location.ts';
import { UsageError } from './errors.ts';
import type { VitestArguments } from './vitest-args.ts';

/** How many test names a "matches nothing" message lists before it says how many more there are. */
const LISTED_TESTS = 12;

export interface PreflightResult {
  /** The eval files vitest is given, relative to the project. */
  files: string[];
  /** Tests that will run, over all models. */
  tests: number;
  /** Tests left out by `skip: true`. */
  skipped: number;
}

function listed(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit).map((item) => `  ${item}`);
  if (items.length > limit) shown.push(`  … and ${items.length - limit} more`);
  return shown.join('\n');
}

function duplicateProblems(evals: readonly CollectedEval[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const { location, cases } of evals) {
    for (const { id } of cases) {
      const earlier = seen.get(id);
      const here = describeLocation(location);
      if (earlier !== undefined && earlier !== here) problems.push(`${here}: the test "${id}" is also defined at ${earlier}`);
      seen.set(id, here);
    }
  }
  return problems;
}

export async function preflight(models: readonly string[], vitest: VitestArguments): Promise<PreflightResult> {
  const all = listEvalFiles();
  const files = selectEvalFiles(all, vitest.fileFilters);
  if (files.length === 0) {
    const filters = vitest.fileFilters.map((filter) => `"${filter}"`).join(', ');
    throw new UsageError(`no eval file matches ${filters}; the eval files are:\n${listed(all, all.length)}`);
  }
  const { evals, problems } = await collectEvalFiles(files);
  problems.push(...duplicateProblems(evals));
  const focused = evals.flatMap(({ location, cases }) => cases.filter((entry) => entry.only).map((entry) => ({ location, entry })));
  if (!vitest.allowOnly) {
    for (const { location, entry } of focused) problems.push(`${describeLocation(location)}: ${entry.id} has \`only: true\`, which CI refuses (vitest's --allowOnly permits it)`);
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    throw new UsageError(`${count} in the eval files; nothing was started:\n${problems.join('\n')}`);
  }

  // `only` anywhere narrows the run to what says it: the files without it are left out, and vitest
  // runs only the tests marked in the others.
  const cases = evals.flatMap((collected) => collected.cases).filter((entry) => focused.length === 0 || entry.only);
  const runFiles = focused.length === 0 ? files : files.filter((file) => focused.some(({ location }) => location.file === file));
  const names = cases.flatMap((entry) => testNames(entry).map((name) => ({ name, skip: entry.skip })));
  const matching = models.flatMap((model) => names.filter(({ name }) => vitest.testNameFilter?.pattern.test(`${model} ${name}`) ?? true));
  const tests = matching.filter((test) => !test.skip).length;
  if (tests === 0 && vitest.testNameFilter !== undefined) {
    const skipped = matching.length > 0 ? ` (only ${matching.length} skipped ones)` : '';
    const examples = names.map(({ name }) => name);
    const scope = vitest.fileFilters.length > 0 || files.some(isExample) ? ` in ${files.join(', ')}` : '';
    throw new UsageError(
      `-t "${vitest.testNameFilter.typed}" matches no test${skipped}. It is matched against "<model> <test>", ` +
        `e.g. "${models[0]} ${examples[0] ?? 'code/sort-function'}"; the tests${scope} are:\n${listed(examples, LISTED_TESTS)}`,
    );
  }
  if (tests === 0) throw new UsageError(`no test to run: all ${matching.length} tests of ${files.join(', ')} are skipped (skip: true)`);
  return { files: runFiles, tests, skipped: matching.length - tests };
}
