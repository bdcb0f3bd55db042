// The gate on criterion scores with known answers: an unchanged run, a clear drop, a drop within
// the tolerance, one answer a side, many tests of one answer, scattered scores, and scores that
// must not be compared (another scorer, the judge against the model-free scorers, people).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS } from '../../src/config/gate-settings.ts';
import type { CriterionScore, ScoreSource, TextCriterion } from '../../src/contract/criteria.ts';
import type { Results } from '../../src/contract/results.ts';
import { describeFinding, describeWarning, findingCells, verdictTitle } from '../../src/report/gate.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { readBaselineFile } from '../../src/results/files.ts';
import { estimateDifference } from '../../src/stats/gate-criteria.ts';
import { compareToBaseline, type CriterionFinding, type Finding } from '../../src/stats/gate.ts';
import { seededRandom } from '../../src/stats/random.ts';
import { buildResults } from '../support/results.ts';

interface Scored {
  criterion?: TextCriterion;
  source?: ScoreSource;
  scorer?: string;
  /** One score a repeat. */
  scores: number[];
}

/** A run of model `small` whose answers, test by test and repeat by repeat, got these scores. */
function run(tests: Record<string, Scored[]>): Results {
  const specs = Object.entries(tests).flatMap(([prompt, scored]) => {
    const repeats = Math.max(...scored.map((entry) => entry.scores.length));
    return Array.from({ length: repeats }, (_, repeat) => ({ model: 'small', prompt, repeat }));
  });
  const results = buildResults(specs, { settings: { repeats: 3 } });
  const cases = results.cases.map((testCase) => ({
    ...testCase,
    criteria: (tests[`${testCase.category}/${testCase.prompt}`] ?? []).flatMap((entry): CriterionScore[] => {
      const score = entry.scores[testCase.repeat];
      if (score === undefined) return [];
      const source = entry.source ?? 'rules';
      return [{ criterion: entry.criterion ?? 'completeness', score, reason: 'fixed', source, scorer: entry.scorer ?? (source === 'judge' ? 'judge:big' : 'key-points') }];
    }),
  }));
  return { ...results, cases };
}

/** Every test with the same scores. */
const everyTest = (count: number, scored: Scored[]) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`chat/prompt-${index + 1}`, scored]));

const criterionFindings = (findings: Finding[]) => findings.filter((finding): finding is CriterionFinding => finding.kind === 'criterion');
const summary = (findings: Finding[]) => criterionFindings(findings).map((finding) => `${finding.criterion}:${finding.source}:${finding.test ?? '*'}=${finding.outcome}`);

describe('compareToBaseline: criterion scores', () => {
  it('passes an unchanged run: a drop beyond half a point ruled out in every test and overall', () => {
    const results = run(everyTest(3, [{ scores: [5, 5, 5] }, { criterion: 'clarity', scorer: 'readability', scores: [4, 4, 4] }]));
    const verdict = compareToBaseline(results, results);
    expect(verdict).toMatchObject({ outcome: 'pass', ok: true, warnings: [] });
    const findings = criterionFindings(verdict.findings);
    // Over all 3 tests, and each test alone (3 answers a side can show a change at 95%).
    expect(findings).toHaveLength(8);
    expect(findings.every((finding) => finding.outcome === 'within')).toBe(true);
    const overall = findings.find((finding) => finding.criterion === 'completeness' && finding.test === null);
    expect(overall).toMatchObject({ difference: 0, baseline: { mean: 5, answers: 9 }, current: { mean: 5, answers: 9 }, tests: 3, scorers: ['key-points'], tolerance: 0.5 });
    // Every current score + 0.5 above every baseline score, in each of 3 tests: (1/20)^3.
    expect(overall?.p.within).toBeCloseTo(1 / 8000, 12);
  });

  it('fails a drop of two points, test by test and overall, with its interval', () => {
    const baseline = run(everyTest(3, [{ scores: [5, 5, 5] }]));
    const verdict = compareToBaseline(run(everyTest(3, [{ scores: [3, 3, 3] }])), baseline);
    expect(verdict).toMatchObject({ outcome: 'regression', ok: false });
    expect(summary(verdict.findings)).toEqual([
      'completeness:rules:*=regression',
      'completeness:rules:chat/prompt-1=regression',
      'completeness:rules:chat/prompt-2=regression',
      'completeness:rules:chat/prompt-3=regression',
    ]);
    const [overall, first] = criterionFindings(verdict.findings);
    expect(overall).toMatchObject({ difference: -2, interval: { low: -2, high: -2, level: 0.9 }, baseline: { mean: 5 }, current: { mean: 3 } });
    expect(overall?.p.regression).toBeCloseTo(1 / 8000, 12);
    expect(first?.p.regression).toBeCloseTo(1 / 20, 12);
    expect(describeFinding(overall as CriterionFinding)).toBe(
      'small (all tests): completeness (key-points) -2.0 [-2.0, -2.0] (5.0/5 → 3.0/5): lower beyond the 0.5-point tolerance (p < 0.001; 3 tests, 9 and 9 answers)',
    );
    expect(verdictTitle(verdict)).toBe('Gate failed: 4 regressions against the baseline');
    expect(findingCells(overall as CriterionFinding)).toMatchObject({ metric: 'completeness (key-points)', baseline: '5.0/5 (9)', current: '3.0/5 (9)', tolerance: '0.5 points' });
    expect(renderMarkdown(baseline, { verdict })).toContain('| small (all tests) | completeness (key-points) | 5.0/5 (9) | 3.0/5 (9) | -2.0 \\[-2.0, -2.0\\] | 0.5 points | p &lt; 0.001; 3 tests, 9 and 9 answers |');
  });

  it('passes a drop smaller than the tolerance, and a larger one under a larger EVAL_GATE_CRITERIA_TOLERANCE', () => {
    const baseline = run(everyTest(3, [{ source: 'judge', scores: [4, 4, 4] }]));
    const slightly = compareToBaseline(run(everyTest(3, [{ source: 'judge', scores: [3.7, 3.7, 3.7] }])), baseline);
    expect(slightly.outcome).toBe('pass');
    expect(criterionFindings(slightly.findings).every((finding) => finding.outcome === 'within' && finding.scorers.join() === 'judge:big')).toBe(true);

    const onePoint = run(everyTest(3, [{ source: 'judge', scores: [3, 3, 3] }]));
    expect(compareToBaseline(onePoint, baseline).outcome).toBe('regression');
    expect(compareToBaseline(onePoint, baseline, { ...DEFAULT_GATE_SETTINGS, criteriaTolerance: 1.5 }).outcome).toBe('pass');
  });

  it('calls a drop in one test with one answer a side inconclusive: one answer cannot show it', () => {
    const verdict = compareToBaseline(run({ 'chat/a': [{ scores: [5] }] }), run({ 'chat/a': [{ scores: [1] }] }));
    const verdictDrop = compareToBaseline(run({ 'chat/a': [{ scores: [1] }] }), run({ 'chat/a': [{ scores: [5] }] }));
    expect(summary(verdict.findings)).toEqual(['completeness:rules:chat/a=inconclusive']);
    expect(verdictDrop).toMatchObject({ outcome: 'inconclusive', ok: true });
    const [finding] = criterionFindings(verdictDrop.findings);
    expect(finding).toMatchObject({ smallestP: 0.5, answersSuffice: false, difference: -4 });
    expect(describeFinding(finding as CriterionFinding)).toMatch(/too noisy to tell against the 0\.5-point tolerance \(1 test, 1 and 1 answers\); too few answers to show any change at this confidence/);
    expect(compareToBaseline(run({ 'chat/a': [{ scores: [1] }] }), run({ 'chat/a': [{ scores: [5] }] }), { ...DEFAULT_GATE_SETTINGS, inconclusive: 'strict' }).ok).toBe(false);
  });

  it('shows a broad drop over six tests of one answer each, where no test alone could', () => {
    const verdict = compareToBaseline(run(everyTest(6, [{ scores: [2] }])), run(everyTest(6, [{ scores: [4] }])));
    expect(summary(verdict.findings)).toEqual(['completeness:rules:*=regression']);
    expect(criterionFindings(verdict.findings)[0]?.p.regression).toBeCloseTo(1 / 64, 12);
  });

  it('calls scattered scores too noisy to tell when their means differ by about the tolerance', () => {
    const baseline = run({ 'chat/a': [{ source: 'judge', scores: [5, 3, 4, 5, 3] }] });
    const verdict = compareToBaseline(run({ 'chat/a': [{ source: 'judge', scores: [4, 2, 5, 3, 3] }] }), baseline);
    const [finding] = criterionFindings(verdict.findings);
    expect(finding).toMatchObject({ outcome: 'inconclusive', answersSuffice: true });
    expect(finding?.difference).toBeCloseTo(-0.6, 12);
    expect(finding?.interval.low).toBeLessThan(-0.6);
    expect(finding?.interval.high).toBeGreaterThan(0);
    expect(describeFinding(finding as CriterionFinding)).toContain('the answers or the tests disagree too much to tell');
  });

  it('never compares the judge with the model-free scorers: the judge added to a run is not comparable, its scorers still are', () => {
    const baseline = run(everyTest(2, [{ scores: [5, 5, 5] }]));
    // The naive comparison of headline means would set the judge's 2 against the scorers' 5.
    const current = run(everyTest(2, [{ scores: [5, 5, 5] }, { source: 'judge', scores: [2, 2, 2] }]));
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.outcome).toBe('pass');
    expect(criterionFindings(verdict.findings).every((finding) => finding.source === 'rules')).toBe(true);
    expect(verdict.warnings).toEqual([
      { kind: 'criteria-not-comparable', model: 'small', source: 'judge', criteria: ['completeness'], tests: ['chat/prompt-1', 'chat/prompt-2'], baseline: [], current: ['judge:big'] },
    ]);
    expect(describeWarning(verdict.warnings[0] as (typeof verdict.warnings)[number])).toBe(
      'model small: completeness by the judge not comparable in 2 tests (chat/prompt-1, chat/prompt-2): scored by none in the baseline, judge:big in this run; not compared',
    );
  });

  it('does not compare another judge, nor a criterion scored another way, nor people\'s ratings', () => {
    const baseline = run({
      'chat/a': [
        { source: 'judge', scorer: 'judge:big', scores: [5, 5, 5] },
        { criterion: 'accuracy', scorer: 'reference-facts', scores: [5, 5, 5] },
        { source: 'human', scorer: 'human', scores: [5, 5, 5] },
      ],
    });
    const current = run({
      'chat/a': [
        { source: 'judge', scorer: 'judge:other', scores: [1, 1, 1] },
        { criterion: 'accuracy', scorer: 'reference-answer', scores: [1, 1, 1] },
        { source: 'human', scorer: 'human', scores: [1, 1, 1] },
      ],
    });
    const verdict = compareToBaseline(current, baseline);
    expect(criterionFindings(verdict.findings)).toEqual([]);
    expect(verdict.outcome).toBe('pass');
    expect(verdict.warnings.map((warning) => warning.kind === 'criteria-not-comparable' && [warning.source, warning.criteria.join(), warning.baseline.join(), warning.current.join()])).toEqual([
      ['rules', 'accuracy', 'reference-facts', 'reference-answer'],
      ['judge', 'completeness', 'judge:big', 'judge:other'],
    ]);
  });

  it('gates a run against a baseline of schema version 2, which has no criterion scores: latency and pass rates compared, the scores not, one warning', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-gate-v2-'));
    try {
      const current = run(everyTest(3, [{ scores: [5, 5, 5] }]));
      const file = path.join(folder, 'baseline.json');
      const { cases, ...rest } = current;
      writeFileSync(file, JSON.stringify({ ...rest, schemaVersion: 2, cases: cases.map(({ criteria: _criteria, ...testCase }) => testCase) }));
      const verdict = compareToBaseline(current, readBaselineFile(file));
      expect(verdict).toMatchObject({ outcome: 'pass', ok: true, warnings: [{ kind: 'criteria-not-recorded' }] });
      expect(criterionFindings(verdict.findings)).toEqual([]);
      expect(verdict.findings.some((finding) => finding.kind === 'latency')).toBe(true);
      expect(verdict.findings.some((finding) => finding.kind === 'pass-rate')).toBe(true);
      expect(describeWarning({ kind: 'criteria-not-recorded' })).toMatch(/^the baseline has no criterion scores .*: accuracy, completeness and clarity not compared/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('draws the interval of a test with many answers from the normal limit of the resampled mean, as explicit resampling would give it', () => {
    // 100 answers a side: half of them a point lower now. Resampled, the difference of means
    // has sd sqrt(0.25 / 100) = 0.05; its 90% interval is -0.5 +- 1.645 x 0.05.
    const repeats = 100;
    const baseline = run({ 'chat/long': [{ scores: Array.from({ length: repeats }, () => 5) }] });
    const current = run({ 'chat/long': [{ scores: Array.from({ length: repeats }, (_, repeat) => (repeat % 2 === 0 ? 4 : 5)) }] });
    // One test: its own finding is the model's.
    const [overall] = criterionFindings(compareToBaseline(current, baseline).findings);
    expect(overall?.difference).toBeCloseTo(-0.5, 10);
    expect(overall?.interval.low).toBeCloseTo(-0.5 - 1.645 * 0.05, 1);
    expect(overall?.interval.high).toBeCloseTo(-0.5 + 1.645 * 0.05, 1);
    expect(Math.abs((overall?.interval.high ?? 0) - (overall?.interval.low ?? 0) - 2 * 1.645 * 0.05)).toBeLessThan(0.02);
  });

  it('takes the interval over hundreds of tests (a dataset\'s rows) from its normal limit, as resampling them would give it', () => {
    const random = seededRandom(5);
    const score = () => 1 + Math.floor(random() * 5);
    const tests = Array.from({ length: 400 }, (_, index) => {
      const answers = 1 + (index % 3);
      return { baseline: Array.from({ length: answers }, score), current: Array.from({ length: answers }, () => Math.max(1, score() - 1)) };
    });
    const normal = estimateDifference(tests, 0.9);
    const resampled = estimateDifference(tests, 0.9, Infinity);
    expect(normal.difference).toBe(resampled.difference);
    expect(normal.low).toBeCloseTo(resampled.low, 1);
    expect(normal.high).toBeCloseTo(resampled.high, 1);
    expect(Math.abs(normal.high - normal.low - (resampled.high - resampled.low))).toBeLessThan(0.03);
  });
});
