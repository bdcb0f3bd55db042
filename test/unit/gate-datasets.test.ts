// The gate on datasets: a prompt's data rows are the strata of one test, not thousands of tests.
// One latency finding a metric, one pass-rate finding and one finding a criterion per dataset and
// model, the rows that flipped listed; a slowed dataset and newly failing rows still caught, and
// the prompts without data judged as they were without the dataset.
import { describe, expect, it } from 'vitest';
import type { CaseResult, Results } from '../../src/contract/results.ts';
import { describeFinding, findingCells } from '../../src/report/gate.ts';
import { compareToBaseline, type CriterionFinding, type Finding, type LatencyFinding, type PassRateFinding } from '../../src/stats/gate.ts';
import { buildResults, type CaseSpec } from '../support/results.ts';

const ROWS = 300;
const OUTPUT_TOKENS = 21;

interface RowSpec {
  /** Decode slowed by this factor. */
  slower?: number;
  /** Rows (by index) that fail. */
  failing?: ReadonlySet<number>;
}

/** Row `r` of dataset `capitals/ask`: its own speed (rows differ), one request a side. */
function datasetCases(model: string, { slower = 1, failing = new Set() }: RowSpec): CaseSpec[] {
  return Array.from({ length: ROWS }, (_, row) => {
    const tpot = (8 + (row % 17) * 0.7) * slower;
    const ttftMs = 30 + (row % 11);
    return {
      model,
      prompt: `capitals/ask/r${row + 1}`,
      ttftMs,
      e2eMs: ttftMs + tpot * (OUTPUT_TOKENS - 1),
      outputTokens: OUTPUT_TOKENS,
      status: failing.has(row) ? 'fail' : 'pass',
      vars: { country: `country-${row + 1}` },
    } satisfies CaseSpec;
  });
}

/** Three prompts without data, three repeats each. */
function plainCases(model: string, slower = 1): CaseSpec[] {
  return ['chat/greeting', 'code/sort', 'math/add'].flatMap((prompt, index) =>
    [10, 10.4, 9.8].map((tpot, repeat) => ({ model, prompt, repeat, ttftMs: 40 + repeat, e2eMs: 40 + repeat + tpot * (index + 1) * slower * (OUTPUT_TOKENS - 1), outputTokens: OUTPUT_TOKENS })),
  );
}

const run = (specs: CaseSpec[]): Results => buildResults(specs, { settings: { repeats: 1 } });
const scopeOf = (finding: Finding) => `${finding.kind}${'metric' in finding ? `:${finding.metric}` : ''}${'test' in finding ? `:${finding.test ?? '*'}` : ''}`;
const latency = (findings: Finding[], metric: 'ttftMs' | 'tpotMs', test: string | null) =>
  findings.find((finding): finding is LatencyFinding => finding.kind === 'latency' && finding.metric === metric && finding.test === test);
const passRate = (findings: Finding[], test: string | null) => findings.find((finding): finding is PassRateFinding => finding.kind === 'pass-rate' && finding.test === test);

describe('compareToBaseline: a dataset is one test, its rows the strata', () => {
  it('gives an unchanged dataset one latency finding a metric and one pass-rate finding, not one a row', () => {
    const results = run(datasetCases('small', {}));
    const verdict = compareToBaseline(results, results);
    expect(verdict.outcome).toBe('pass');
    expect(verdict.findings.map((finding) => `${scopeOf(finding)}=${finding.outcome}`)).toEqual([
      'latency:ttftMs:capitals/ask=within',
      'latency:tpotMs:capitals/ask=within',
      'memory=within',
      'pass-rate:capitals/ask=within',
    ]);
    const tpot = latency(verdict.findings, 'tpotMs', 'capitals/ask') as LatencyFinding;
    expect(tpot.rows).toBe(ROWS);
    // The rows' evidence is one entry, the dataset's, not 300.
    expect(tpot.tests).toHaveLength(1);
    expect(tpot.tests[0]).toMatchObject({ test: 'capitals/ask', ratio: 1, baseline: { requests: ROWS }, current: { requests: ROWS } });
    expect(passRate(verdict.findings, 'capitals/ask')?.rows).toEqual({ rows: ROWS, added: 0, removed: 0, newlyFailing: { count: 0, rows: [] }, newlyPassing: { count: 0, rows: [] } });
    expect(verdict.warnings).toEqual([]);
  });

  it('catches a dataset whose decode became 1.5 times slower, row against row', () => {
    const verdict = compareToBaseline(run(datasetCases('small', { slower: 1.5 })), run(datasetCases('small', {})));
    expect(verdict.outcome).toBe('regression');
    const tpot = latency(verdict.findings, 'tpotMs', 'capitals/ask') as LatencyFinding;
    expect(tpot.outcome).toBe('regression');
    expect(tpot.ratio).toBeCloseTo(1.5, 9);
    expect(tpot.p.regression).toBeLessThan(1e-6);
    expect(latency(verdict.findings, 'ttftMs', 'capitals/ask')?.outcome).toBe('within');
  });

  it('catches newly failing rows in the pooled pass rate, and lists the first ten of them', () => {
    const failing = new Set(Array.from({ length: 40 }, (_, index) => index * 7));
    const baseline = run(datasetCases('small', { failing: new Set([1, 2]) }));
    const verdict = compareToBaseline(run(datasetCases('small', { failing })), baseline);
    expect(verdict.outcome).toBe('regression');
    const finding = passRate(verdict.findings, 'capitals/ask') as PassRateFinding;
    expect(finding).toMatchObject({ outcome: 'regression', baseline: { passed: ROWS - 2, total: ROWS }, current: { passed: ROWS - 40, total: ROWS } });
    expect(finding.rows?.newlyFailing.count).toBe(40);
    expect(finding.rows?.newlyFailing.rows).toEqual(['r1', 'r8', 'r15', 'r22', 'r29', 'r36', 'r43', 'r50', 'r57', 'r64']);
    expect(finding.rows?.newlyPassing).toEqual({ count: 2, rows: ['r2', 'r3'] });
    expect(verdict.findings.filter((found) => found.kind === 'pass-rate')).toHaveLength(1);
    expect(describeFinding(finding)).toMatch(
      /^small > capitals\/ask: pass rate 260\/300 .*: a drop beyond chance \(p < 0\.001\); 40 of 300 rows newly failing \(r1, r8, r15, r22, r29, r36, r43, r50, r57, r64 and 30 more\); 2 newly passing \(r2, r3\)$/,
    );
  });

  it('words a dataset\'s latency by its rows, without a "most changed" list of rows measured once', () => {
    const verdict = compareToBaseline(run(datasetCases('small', { slower: 1.5 })), run(datasetCases('small', {})));
    const tpot = latency(verdict.findings, 'tpotMs', 'capitals/ask') as LatencyFinding;
    expect(describeFinding(tpot)).toMatch(/^small > capitals\/ask: TPOT \+50% .*slower beyond the 20% tolerance \(p < 0\.001; 300 rows, 300 and 300 requests\)$/);
    expect(findingCells(tpot)).toMatchObject({ scope: 'small > capitals/ask', evidence: 'p < 0.001; 300 rows, 300 and 300 requests' });
  });

  it('counts rows on one side only instead of warning about each, and names the dataset once when it is new', () => {
    const baseline = run(datasetCases('small', {}).slice(0, ROWS - 20));
    const current = run(datasetCases('small', {}).slice(10));
    const verdict = compareToBaseline(current, baseline);
    expect(passRate(verdict.findings, 'capitals/ask')?.rows).toMatchObject({ rows: ROWS - 30, added: 20, removed: 10 });
    expect(verdict.warnings).toEqual([]);
    const withoutDataset = compareToBaseline(run([...plainCases('small'), ...datasetCases('small', {})]), run(plainCases('small')));
    expect(withoutDataset.warnings).toEqual([{ kind: 'missing-in-baseline', model: 'small', test: 'capitals/ask' }]);
  });

  it('judges the prompts without data exactly as it does without the dataset beside them', () => {
    const alone = compareToBaseline(run(plainCases('small', 2)), run(plainCases('small')));
    const withDataset = compareToBaseline(run([...plainCases('small', 2), ...datasetCases('small', {})]), run([...plainCases('small'), ...datasetCases('small', {})]));
    const plain = (findings: Finding[]) => findings.filter((finding) => !('test' in finding) || finding.test !== 'capitals/ask');
    expect(plain(withDataset.findings)).toEqual(alone.findings);
    expect(withDataset.findings.filter((finding) => 'test' in finding && finding.test === 'capitals/ask').map((finding) => finding.outcome)).toEqual(['within', 'within', 'within']);
    expect(withDataset.outcome).toBe('regression');
  });

  it('gives each criterion of a dataset one finding over its rows, and finds a drop of a point and a half', () => {
    const scored = (results: Results, score: (row: number) => number): Results => ({
      ...results,
      cases: results.cases.map((testCase: CaseResult, index) => ({
        ...testCase,
        criteria: [{ criterion: 'accuracy' as const, score: score(index), reason: 'fixed', source: 'rules' as const, scorer: 'reference' }],
      })),
    });
    const baseline = scored(run(datasetCases('small', {})), (row) => 4 + (row % 2));
    const unchanged = compareToBaseline(baseline, baseline);
    const criteria = (findings: Finding[]) => findings.filter((finding): finding is CriterionFinding => finding.kind === 'criterion');
    expect(criteria(unchanged.findings).map((finding) => [finding.test, finding.rows, finding.outcome])).toEqual([['capitals/ask', ROWS, 'within']]);
    const dropped = compareToBaseline(scored(run(datasetCases('small', {})), (row) => 2.5 + (row % 2)), baseline);
    expect(criteria(dropped.findings).map((finding) => [finding.test, finding.outcome])).toEqual([['capitals/ask', 'regression']]);
    expect(dropped.outcome).toBe('regression');
  });
});
