// Criterion scores (accuracy, completeness, clarity on 1 to 5), compared like with like: each
// test against itself in the baseline, scored by the same scorer on both sides. A model-free
// score is never set against a judge's, nor one judge's against another's, nor a key-points
// score against a reference answer's: such tests are "not comparable", a warning, never a
// finding. A model's change is the mean over its tests of each test's change in mean score;
// the decision comes from the stratified rank test, as for latency, against a shift of the
// tolerance in points:
//   regression    lower by more than the tolerance, shown at the chosen confidence
//   improvement   higher by more than the tolerance, shown likewise
//   within        a drop beyond the tolerance ruled out
//   inconclusive  none of these shown: too few answers for their scatter
// People's ratings are left out: they cover the answers someone rated, and belong to an answer
// rather than to a run.
import { TEXT_CRITERIA, type CriterionScore, type TextCriterion } from '../contract/criteria.ts';
import { datasetRow, testId, type CaseResult } from '../contract/results.ts';
import { decide, type Outcome } from './gate-latency.ts';
import { normalQuantile } from './normal.ts';
import { randomIndex, randomNormal, seededRandom } from './random.ts';
import { smallestPValue, stratifiedShiftTest, type PairedSamples } from './rank-test.ts';
import { quantileOfSorted } from './summary.ts';

export type GatedSource = 'rules' | 'judge';
const GATED_SOURCES: readonly GatedSource[] = ['rules', 'judge'];

export interface CriterionFinding {
  kind: 'criterion';
  model: string;
  /** The test, or null for all the model's tests compared on this criterion. */
  test: string | null;
  criterion: TextCriterion;
  source: GatedSource;
  /** The scorers compared, each the same on both sides of its test (`key-points`, `judge:qwen2.5-7b`). */
  scorers: string[];
  outcome: Outcome;
  /** Mean over tests of each test's mean score (1-5), and the answers scored. */
  baseline: { mean: number; answers: number };
  current: { mean: number; answers: number };
  /** current - baseline in points: the mean over tests of each test's difference of means. */
  difference: number;
  /** Bootstrap interval of the difference, over tests and answers, two-sided at `level`. */
  interval: { low: number; high: number; level: number };
  /** Points a change must pass to count. */
  tolerance: number;
  /** One-sided p-values of the stratified rank test: lower beyond the tolerance, higher beyond it, not lower beyond it. */
  p: { regression: number; improvement: number; within: number };
  /** The smallest p-value these numbers of answers can give; above alpha nothing can be shown. */
  smallestP: number;
  /** Whether these numbers of answers can show a change at the chosen confidence at all (smallestP <= alpha). */
  answersSuffice: boolean;
  /** Tests compared; for a dataset, its rows. */
  tests: number;
  /** A dataset's rows compared (its strata); null for prompts without data. */
  rows: number | null;
}

/** Tests where a source scored a criterion on one side only, or by another scorer: not compared. */
export interface CriteriaNotComparable {
  kind: 'criteria-not-comparable';
  model: string;
  source: GatedSource;
  criteria: TextCriterion[];
  tests: string[];
  /** The scorers on each side, over those tests; empty where that side has none. */
  baseline: string[];
  current: string[];
}

export interface CriteriaInput {
  model: string;
  baselineCases: readonly CaseResult[];
  currentCases: readonly CaseResult[];
  /** Points of the 1-5 scale. */
  tolerance: number;
  alpha: number;
}

interface TestScores extends PairedSamples {
  test: string;
  scorers: string[];
}

const RESAMPLES = 2_000;
/** Answers a side from which a test's resampled mean is drawn from its normal limit. */
const LARGE_SAMPLE = 30;
const SEED = 11;
/** Beyond this many tests, the resampled mean over tests is drawn from its normal limit (as the rank test's sum is). */
const MANY_TESTS = 200;

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Each test's scores of one criterion from one source, with the scorers that gave them. */
function scoresByTest(cases: readonly CaseResult[], criterion: TextCriterion, source: GatedSource): Map<string, CriterionScore[]> {
  const byTest = new Map<string, CriterionScore[]>();
  for (const testCase of cases) {
    const scores = (testCase.criteria ?? []).filter((score) => score.criterion === criterion && score.source === source);
    if (scores.length > 0) byTest.set(testId(testCase), [...(byTest.get(testId(testCase)) ?? []), ...scores]);
  }
  return byTest;
}

const scorersOf = (scores: readonly CriterionScore[]) => [...new Set(scores.map((score) => score.scorer))].sort();

/**
 * The mean of `values` resampled with replacement. From LARGE_SAMPLE answers on, drawn from its
 * normal limit (mean, population variance / n), which the resampled mean follows by the central
 * limit theorem: constant cost instead of n draws, which at 556 repeats a test made the 10,000-case
 * gate take seconds.
 */
function resampledMean(values: readonly number[], random: () => number, moments: { mean: number; sd: number }): number {
  const count = values.length;
  // A single answer is its own mean (a dataset's rows: thousands of tests of one answer each).
  if (count === 1) return values[0] as number;
  if (count >= LARGE_SAMPLE) return moments.mean + (moments.sd / Math.sqrt(count)) * randomNormal(random);
  // A loop, not map and a closure: this runs millions of times in a large run.
  let sum = 0;
  for (let draw = 0; draw < count; draw++) sum += values[randomIndex(random, count)] as number;
  return sum / count;
}

function momentsOf(values: readonly number[]): { mean: number; sd: number } {
  const center = mean(values);
  return { mean: center, sd: Math.sqrt(mean(values.map((value) => (value - center) ** 2))) };
}

/**
 * Over hundreds of tests (a dataset's rows), the interval from the normal limit of the two-level
 * resample: the mean of T tests each drawn at random, then its answers resampled, has by the law
 * of total variance the variance (Var over tests of their differences + mean over tests of each
 * difference's resampling variance) / T, and by the central limit theorem over so many tests it
 * is normal. Drawing 2000 x 3,334 resampled rows for each criterion took most of the gate.
 */
function normalInterval(tests: readonly PairedSamples[], moments: readonly { current: { sd: number }; baseline: { sd: number } }[], difference: number, level: number) {
  const differences = tests.map((test) => mean(test.current) - mean(test.baseline));
  const between = mean(differences.map((value) => (value - difference) ** 2));
  const within = mean(tests.map((test, index) => {
    const { current, baseline } = moments[index] as (typeof moments)[number];
    return current.sd ** 2 / test.current.length + baseline.sd ** 2 / test.baseline.length;
  }));
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt((between + within) / tests.length);
  return { difference, low: difference - half, high: difference + half };
}

/** The mean difference over tests, and its interval from resampling tests, then each test's answers (or its normal limit beyond `manyTests`). */
export function estimateDifference(tests: readonly PairedSamples[], level: number, manyTests = MANY_TESTS): { difference: number; low: number; high: number } {
  const difference = mean(tests.map((test) => mean(test.current) - mean(test.baseline)));
  const moments = tests.map((test) => ({ current: momentsOf(test.current), baseline: momentsOf(test.baseline) }));
  if (tests.length > manyTests) return normalInterval(tests, moments, difference, level);
  const random = seededRandom(SEED);
  const draws: number[] = [];
  for (let draw = 0; draw < RESAMPLES; draw++) {
    let sum = 0;
    for (let index = 0; index < tests.length; index++) {
      const pick = randomIndex(random, tests.length);
      const test = tests[pick] as PairedSamples;
      const { current, baseline } = moments[pick] as (typeof moments)[number];
      sum += resampledMean(test.current, random, current) - resampledMean(test.baseline, random, baseline);
    }
    draws.push(sum / tests.length);
  }
  draws.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { difference, low: quantileOfSorted(draws, tail), high: quantileOfSorted(draws, 1 - tail) };
}

function finding(scope: { model: string; test: string | null; criterion: TextCriterion; source: GatedSource }, tests: readonly TestScores[], input: CriteriaInput): CriterionFinding {
  const { tolerance, alpha } = input;
  const level = 1 - 2 * alpha;
  const p = {
    regression: stratifiedShiftTest(tests, -tolerance, 'below'),
    improvement: stratifiedShiftTest(tests, tolerance, 'above'),
    within: stratifiedShiftTest(tests, -tolerance, 'above'),
  };
  const { difference, low, high } = estimateDifference(tests, level);
  const side = (pick: (test: TestScores) => readonly number[]) => ({ mean: mean(tests.map((test) => mean(pick(test)))), answers: tests.reduce((sum, test) => sum + pick(test).length, 0) });
  const smallestP = smallestPValue(tests.map((test) => ({ baseline: test.baseline.length, current: test.current.length })));
  return {
    kind: 'criterion',
    ...scope,
    scorers: [...new Set(tests.flatMap((test) => test.scorers))].sort(),
    outcome: decide(p, alpha),
    baseline: side((test) => test.baseline),
    current: side((test) => test.current),
    difference,
    interval: { low, high, level },
    tolerance,
    p,
    smallestP,
    answersSuffice: smallestP <= alpha,
    tests: tests.length,
    rows: null,
  };
}

/** Each dataset row's test id (`capitals/ask/france`) with its dataset's (`capitals/ask`). */
function datasetsOf(cases: readonly CaseResult[]): Map<string, string> {
  const datasets = new Map<string, string>();
  for (const testCase of cases) {
    const dataset = datasetRow(testCase)?.test;
    if (dataset !== undefined) datasets.set(testId(testCase), dataset);
  }
  return datasets;
}

/**
 * One source's findings on one criterion: over all the tests without data compared and, where a
 * test has the answers to show a change on its own, that test (with one test, only its own
 * finding); and one for each dataset, its rows the strata.
 */
function compareCriterion(criterion: TextCriterion, source: GatedSource, input: CriteriaInput, datasets: ReadonlyMap<string, string>) {
  const before = scoresByTest(input.baselineCases, criterion, source);
  const after = scoresByTest(input.currentCases, criterion, source);
  const currentTests = new Set(input.currentCases.map(testId));
  const shared = new Set(input.baselineCases.map(testId).filter((test) => currentTests.has(test)));
  const compared: TestScores[] = [];
  const mismatched: { test: string; baseline: string[]; current: string[] }[] = [];
  for (const test of [...shared].sort()) {
    const baseline = before.get(test) ?? [];
    const current = after.get(test) ?? [];
    if (baseline.length === 0 && current.length === 0) continue;
    const scorers = { baseline: scorersOf(baseline), current: scorersOf(current) };
    if (baseline.length > 0 && current.length > 0 && scorers.baseline.join() === scorers.current.join()) {
      compared.push({ test, scorers: scorers.current, baseline: baseline.map((score) => score.score), current: current.map((score) => score.score) });
    } else {
      mismatched.push({ test, ...scorers });
    }
  }
  const findings: CriterionFinding[] = [];
  const scope = { model: input.model, criterion, source };
  const plain = compared.filter((test) => !datasets.has(test.test));
  if (plain.length > 1) findings.push(finding({ ...scope, test: null }, plain, input));
  for (const test of plain) {
    const enough = smallestPValue([{ baseline: test.baseline.length, current: test.current.length }]) <= input.alpha;
    if (plain.length === 1 || enough) findings.push(finding({ ...scope, test: test.test }, [test], input));
  }
  const rowsByDataset = new Map<string, TestScores[]>();
  for (const test of compared) {
    const dataset = datasets.get(test.test);
    if (dataset === undefined) continue;
    const rows = rowsByDataset.get(dataset);
    if (rows === undefined) rowsByDataset.set(dataset, [test]);
    else rows.push(test);
  }
  for (const [dataset, rows] of [...rowsByDataset].sort(([a], [b]) => a.localeCompare(b))) findings.push({ ...finding({ ...scope, test: dataset }, rows, input), rows: rows.length });
  return { findings, mismatched };
}

/** Every text criterion of a model, from the model-free scorers and from the judge, against the baseline. */
export function compareCriteria(input: CriteriaInput): { findings: CriterionFinding[]; notComparable: CriteriaNotComparable[] } {
  const findings: CriterionFinding[] = [];
  const notComparable: CriteriaNotComparable[] = [];
  const datasets = datasetsOf(input.currentCases);
  for (const source of GATED_SOURCES) {
    const mismatches = TEXT_CRITERIA.map((criterion) => {
      const compared = compareCriterion(criterion, source, input, datasets);
      findings.push(...compared.findings);
      return { criterion, mismatched: compared.mismatched };
    }).filter((entry) => entry.mismatched.length > 0);
    if (mismatches.length === 0) continue;
    const all = mismatches.flatMap((entry) => entry.mismatched);
    const union = (pick: (entry: (typeof all)[number]) => string[]) => [...new Set(all.flatMap(pick))].sort();
    notComparable.push({
      kind: 'criteria-not-comparable',
      model: input.model,
      source,
      criteria: mismatches.map((entry) => entry.criterion),
      // A dataset named once, not row by row.
      tests: [...new Set(all.map((entry) => datasets.get(entry.test) ?? entry.test))].sort(),
      baseline: union((entry) => entry.baseline),
      current: union((entry) => entry.current),
    });
  }
  return { findings, notComparable };
}
