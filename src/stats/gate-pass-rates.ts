// Pass rates over repeats, judged as proportions: a drop counts when Fisher's exact test shows
// it at the chosen confidence (3 of 3 to 0 of 3 does; 3 of 3 to 2 of 3, one flaky repeat, does
// not), and a minimum pass rate counts when Wilson's interval lies wholly below it.
import { datasetRow, wentAsPlanted, type CaseResult } from '../contract/results.ts';
import type { Outcome } from './gate-latency.ts';
import { passRateDropPValue, repeatsToTellPassRateDrop, wilsonInterval } from './proportions.ts';

export interface PassCount {
  passed: number;
  /** Judged repeats: skipped ones (every check skipped) are not counted. */
  total: number;
  rate: number;
  /** Wilson interval, two-sided at the gate's interval level. */
  low: number;
  high: number;
}

/** A dataset's rows whose pass or fail flipped against the baseline, for people to look at. */
export interface RowChanges {
  /** Rows judged on both sides. */
  rows: number;
  /** Rows judged in this run only, and in the baseline only (the dataset changed): not compared row by row. */
  added: number;
  removed: number;
  /** Rows that passed in the baseline and fail now: how many, and the first few by name (`france`). */
  newlyFailing: { count: number; rows: string[] };
  /** Rows that failed in the baseline and pass now. */
  newlyPassing: { count: number; rows: string[] };
}

export interface PassRateFinding {
  kind: 'pass-rate';
  model: string;
  /** The test, or null for all the model's tests that both runs have. */
  test: string | null;
  outcome: Outcome;
  baseline: PassCount | null;
  current: PassCount;
  /** One-sided p-value of Fisher's exact test for the change in its direction; null without a baseline. */
  p: number | null;
  /** The comparison with the baseline alone; null without a baseline. */
  change: Outcome | null;
  /** The configured minimum, when there is one. */
  minimum: number | null;
  /** `below`: Wilson's interval lies wholly below the minimum; `possibly-below`: the rate does, its interval not. */
  minimumCheck: 'below' | 'possibly-below' | null;
  /** Repeats per side that would tell a drop this size from chance; null when not planned. */
  repeatsNeeded: number | null;
  /** For a dataset (its rows pooled into one test), the rows that flipped; null for a prompt without data. */
  rows: RowChanges | null;
}

/** Rows of a dataset listed by name in a finding; the rest are counted. */
export const ROWS_LISTED = 10;

/** Whether each row passed: every judged repeat went as planted. Rows with none judged are left out. */
function rowPasses(cases: readonly CaseResult[]): Map<string, boolean> {
  const passes = new Map<string, boolean>();
  for (const testCase of cases) {
    const row = datasetRow(testCase)?.row;
    if (row === undefined || testCase.status === 'skip') continue;
    passes.set(row, (passes.get(row) ?? true) && wentAsPlanted(testCase));
  }
  return passes;
}

/** The rows of one dataset whose pass or fail differs between the baseline and this run. */
export function rowChanges(baselineCases: readonly CaseResult[], currentCases: readonly CaseResult[]): RowChanges {
  const before = rowPasses(baselineCases);
  const after = rowPasses(currentCases);
  const changes: RowChanges = { rows: 0, added: 0, removed: 0, newlyFailing: { count: 0, rows: [] }, newlyPassing: { count: 0, rows: [] } };
  for (const row of before.keys()) if (!after.has(row)) changes.removed++;
  for (const [row, passed] of after) {
    const passedBefore = before.get(row);
    if (passedBefore === undefined) {
      changes.added++;
      continue;
    }
    changes.rows++;
    if (passedBefore === passed) continue;
    const flipped = passed ? changes.newlyPassing : changes.newlyFailing;
    flipped.count++;
    if (flipped.rows.length < ROWS_LISTED) flipped.rows.push(row);
  }
  return changes;
}

/**
 * A case that went as planted counts as passed: on a model with known answers, a check that
 * catches its planted defect is an expected failure, in the baseline as in this run.
 */
export function countPasses(cases: readonly CaseResult[], level: number): PassCount | null {
  const judged = cases.filter((testCase) => testCase.status !== 'skip');
  if (judged.length === 0) return null;
  const passed = judged.filter(wentAsPlanted).length;
  const { low, high } = wilsonInterval(passed, judged.length, level);
  return { passed, total: judged.length, rate: passed / judged.length, low, high };
}

const SEVERITY: Outcome[] = ['within', 'improvement', 'inconclusive', 'regression'];
const worse = (a: Outcome, b: Outcome) => (SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b);

export function comparePassRates(
  scope: { model: string; test: string | null },
  baseline: PassCount | null,
  current: PassCount,
  settings: { alpha: number; minPassRate: number | null },
): PassRateFinding {
  let change: Outcome | null = null;
  let p: number | null = null;
  let repeatsNeeded: number | null = null;
  if (baseline !== null) {
    if (current.rate < baseline.rate) {
      p = passRateDropPValue(baseline.passed, baseline.total, current.passed, current.total);
      change = p <= settings.alpha ? 'regression' : 'inconclusive';
      if (change === 'inconclusive') repeatsNeeded = repeatsToTellPassRateDrop(baseline.rate, current.rate, settings.alpha);
    } else if (current.rate > baseline.rate) {
      p = passRateDropPValue(current.passed, current.total, baseline.passed, baseline.total);
      change = p <= settings.alpha ? 'improvement' : 'within';
    } else {
      p = 1;
      change = 'within';
    }
  }
  const minimum = settings.minPassRate;
  const minimumCheck = minimum === null || current.rate >= minimum ? null : current.high < minimum ? 'below' : 'possibly-below';
  const fromMinimum: Outcome = minimumCheck === 'below' ? 'regression' : minimumCheck === 'possibly-below' ? 'inconclusive' : 'within';
  const outcome = worse(change ?? 'within', fromMinimum);
  return { kind: 'pass-rate', ...scope, outcome, baseline, current, p, change, minimum, minimumCheck, repeatsNeeded, rows: null };
}
