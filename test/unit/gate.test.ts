import { describe, expect, it } from 'vitest';
import {
  classifyChange,
  compareToBaseline,
  DEFAULT_TOLERANCES,
  describeItem,
  parseTolerances,
  ToleranceSpecError,
  type GateTolerances,
} from '../../src/stats/gate.ts';
import { buildResults, scaleLatencies, type CaseSpec } from '../support/results.ts';

const cases = (model: string, overrides: Partial<CaseSpec> = {}): CaseSpec[] => [
  { model, prompt: 'chat/greeting', ttftMs: 20, e2eMs: 200, outputTokens: 40, ...overrides },
  { model, prompt: 'code/sort', ttftMs: 30, e2eMs: 400, outputTokens: 80, ...overrides },
  { model, prompt: 'math/add', ttftMs: 25, e2eMs: 300, outputTokens: 60, ...overrides },
];

/** One prompt, `count` repeats, the latencies given per repeat. */
const repeated = (count: number, e2eMs = (repeat: number) => 200 + repeat): CaseSpec[] =>
  Array.from({ length: count }, (_, repeat) => ({ model: 'small', prompt: 'chat/greeting', repeat, e2eMs: e2eMs(repeat) }));

const withTolerances = (overrides: Partial<GateTolerances>): GateTolerances => ({ ...DEFAULT_TOLERANCES, ...overrides });

const metricsOf = (items: { model: string; test: string | null; metric: string }[]) =>
  items.map((item) => `${item.model}|${item.test ?? '*'}|${item.metric}`);

describe('compareToBaseline', () => {
  it('passes with nothing to report when the run equals its baseline', () => {
    const results = buildResults(cases('small'));
    const verdict = compareToBaseline(results, results);
    expect(verdict.ok).toBe(true);
    expect(verdict.regressions).toEqual([]);
    expect(verdict.improvements).toEqual([]);
    expect(verdict.warnings).toEqual([]);
    expect(verdict.compared).toBeGreaterThan(0);
    expect(verdict.title).toBe('Gate passed: no regressions against the baseline');
  });

  it('fails and names the regressed latency when the baseline was 50% faster', () => {
    const current = buildResults(cases('small'));
    const baseline = scaleLatencies(current, 0.5);
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.ok).toBe(false);
    // TTFT went 12.5 -> 25 ms: +100%, but under the 20 ms floor, so not counted.
    expect(metricsOf(verdict.regressions)).toEqual(['small|*|e2eMs.p50']);
    expect(verdict.regressions[0]).toMatchObject({ baseline: 150, current: 300, change: 150, relativeChange: 1, better: 'lower', unit: 'ms' });
    expect(verdict.regressions[0]?.tolerance).toBe('50% or 20 ms');
    // Plain data: what gate.json holds is exactly the item.
    expect(Object.keys(verdict.regressions[0] ?? {}).sort()).toEqual(
      ['baseline', 'better', 'change', 'current', 'label', 'metric', 'model', 'relativeChange', 'test', 'tolerance', 'unit'],
    );
    expect(verdict.title).toBe('Gate failed: 1 regression against the baseline');
    expect(verdict.message).toContain('regression: small (all prompts): E2E p50 300 ms, baseline 150 ms, +150 ms (+100%), tolerance 50% or 20 ms');
  });

  it('lists improvements and still passes when the run got faster', () => {
    const current = buildResults(cases('small'));
    const verdict = compareToBaseline(current, scaleLatencies(current, 3));
    expect(verdict.ok).toBe(true);
    expect(verdict.regressions).toEqual([]);
    expect(metricsOf(verdict.improvements)).toEqual(['small|*|ttftMs.p50', 'small|*|e2eMs.p50']);
    expect(verdict.title).toBe('Gate passed: no regressions against the baseline (2 improvements)');
  });

  it('ignores changes within the relative tolerance', () => {
    const baseline = buildResults(cases('small', { e2eMs: 1000, outputTokens: 100 }));
    const slower = buildResults(cases('small', { e2eMs: 1400, outputTokens: 100 }));
    expect(compareToBaseline(slower, baseline).regressions).toEqual([]);
    const muchSlower = buildResults(cases('small', { e2eMs: 1600, outputTokens: 100 }));
    expect(metricsOf(compareToBaseline(muchSlower, baseline).regressions)).toEqual(['small|*|e2eMs.p50', 'small|*|tokensPerSec.p50']);
  });

  it('does not call 2 ms -> 3 ms a regression, because of the absolute floor', () => {
    const baseline = buildResults(cases('tiny', { ttftMs: 2, e2eMs: 10 }));
    const current = buildResults(cases('tiny', { ttftMs: 3, e2eMs: 10 }));
    expect(compareToBaseline(current, baseline).ok).toBe(true);
    const noFloor = withTolerances({ latency: { relative: 0.3, absolute: 0 } });
    const verdict = compareToBaseline(current, baseline, noFloor);
    expect(verdict.ok).toBe(false);
    expect(metricsOf(verdict.regressions)).toEqual(['tiny|*|ttftMs.p50']);
  });

  it('treats lower tokens/s as a regression and higher as an improvement', () => {
    const baseline = buildResults(cases('small', { e2eMs: 1000, outputTokens: 100 }));
    const fewerTokens = buildResults(cases('small', { e2eMs: 1000, outputTokens: 50 }));
    const worse = compareToBaseline(fewerTokens, baseline);
    expect(metricsOf(worse.regressions)).toEqual(['small|*|tokensPerSec.p50']);
    expect(worse.regressions[0]).toMatchObject({ better: 'higher', baseline: 100, current: 50, tolerance: '35% or 2 tok/s' });
    const better = compareToBaseline(baseline, fewerTokens);
    expect(better.ok).toBe(true);
    expect(metricsOf(better.improvements)).toEqual(['small|*|tokensPerSec.p50']);
  });

  it('compares peak memory per model with its own floor', () => {
    const baseline = buildResults(cases('small'), { models: { small: { peakRssMB: 400 } } });
    const bigger = buildResults(cases('small'), { models: { small: { peakRssMB: 600 } } });
    const slightlyBigger = buildResults(cases('small'), { models: { small: { peakRssMB: 450 } } });
    expect(metricsOf(compareToBaseline(bigger, baseline).regressions)).toEqual(['small|*|peakRssMB']);
    expect(compareToBaseline(slightlyBigger, baseline).ok).toBe(true);
    const unmeasured = buildResults(cases('small'), { models: { small: { peakRssMB: null } } });
    expect(compareToBaseline(unmeasured, baseline).ok).toBe(true);
  });

  it("compares a test's own median from 3 repeats and its p95 from 5, and warns when a model has too few requests", () => {
    const two = buildResults(repeated(2));
    const twoVerdict = compareToBaseline(two, scaleLatencies(two, 0.5));
    expect(twoVerdict.ok).toBe(true);
    expect(twoVerdict.warnings).toEqual([
      { kind: 'few-samples', message: 'model small: latency not compared, fewer than 3 measured requests on one side (run more prompts or raise EVAL_REPEATS)' },
    ]);
    const three = buildResults(repeated(3));
    expect(metricsOf(compareToBaseline(three, scaleLatencies(three, 0.5)).regressions)).toEqual(['small|*|e2eMs.p50', 'small|chat/greeting|e2eMs.p50']);
    const five = buildResults(repeated(5));
    expect(metricsOf(compareToBaseline(five, scaleLatencies(five, 0.5)).regressions)).toEqual([
      'small|*|e2eMs.p50',
      'small|*|e2eMs.p95',
      'small|chat/greeting|e2eMs.p50',
      'small|chat/greeting|e2eMs.p95',
    ]);
  });

  it('requires the minimum pass rate per (model, prompt) over repeats', () => {
    const repeats = (passes: number): CaseSpec[] =>
      Array.from({ length: 5 }, (_, repeat) => ({ model: 'small', prompt: 'code/sort', repeat, status: repeat < passes ? 'pass' : 'fail' }));
    const allPass = buildResults(repeats(5));
    const fourOfFive = buildResults(repeats(4));

    const strict = compareToBaseline(fourOfFive, allPass);
    expect(strict.ok).toBe(false);
    expect(strict.regressions).toEqual([
      expect.objectContaining({ metric: 'passRate', test: 'code/sort', baseline: 1, current: 0.8, tolerance: 'minimum 100%' }),
    ]);
    expect(describeItem(strict.regressions[0]!)).toContain('pass rate 80%, baseline 100%, -20 pts, tolerance minimum 100%');

    expect(compareToBaseline(fourOfFive, allPass, withTolerances({ minPassRate: 0.8 })).ok).toBe(true);

    const threeOfFive = buildResults(repeats(3));
    const improved = compareToBaseline(fourOfFive, threeOfFive, withTolerances({ minPassRate: 0.6 }));
    expect(improved.ok).toBe(true);
    expect(metricsOf(improved.improvements)).toEqual(['small|code/sort|passRate']);
  });

  it('accepts failures planted in a model with known answers, not a planted defect missed', () => {
    const caught = { type: 'python', pass: false, score: 0, reason: 'sorted descending', planted: 'sorts-descending' };
    const asPlanted = buildResults([{ model: 'fixture-tiny', prompt: 'code/sort', status: 'fail', assertions: [caught] }]);
    expect(asPlanted.groups[0]).toMatchObject({ passRate: 0, passRateAsPlanted: 1 });
    expect(compareToBaseline(asPlanted, asPlanted).ok).toBe(true);
    const missed = buildResults([{ model: 'fixture-tiny', prompt: 'code/sort', status: 'fail', assertions: [{ ...caught, pass: true, score: 1 }] }]);
    expect(metricsOf(compareToBaseline(missed, asPlanted).regressions)).toEqual(['fixture-tiny|code/sort|passRate']);
  });

  it('checks the minimum pass rate of tests the baseline does not have, and warns they were not compared', () => {
    const baseline = buildResults(cases('small'));
    const current = buildResults([...cases('small'), { model: 'small', prompt: 'code/new', status: 'fail', e2eMs: 300 }]);
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.ok).toBe(false);
    expect(verdict.regressions).toEqual([expect.objectContaining({ test: 'code/new', metric: 'passRate', baseline: null, current: 0 })]);
    expect(verdict.warnings).toContainEqual({ kind: 'missing-in-baseline', message: 'small > code/new is not in the baseline: only its pass rate is checked' });
  });

  it('tells apart tests of different categories with the same prompt id', () => {
    const baseline = buildResults([...cases('small'), { model: 'small', prompt: 'chat/summary' }, { model: 'small', prompt: 'code/summary' }]);
    const current = buildResults([...cases('small'), { model: 'small', prompt: 'chat/summary' }, { model: 'small', prompt: 'code/summary', status: 'fail' }]);
    const verdict = compareToBaseline(current, baseline);
    expect(metricsOf(verdict.regressions)).toEqual(['small|code/summary|passRate']);
    expect(verdict.warnings).toEqual([]);
  });

  it('fails a model that could not start, through its pass rate', () => {
    const baseline = buildResults(cases('small'));
    const current = buildResults(cases('small', { status: 'error' }), { models: { small: { startError: 'load failed' } } });
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.ok).toBe(false);
    expect(metricsOf(verdict.regressions)).toEqual(['small|chat/greeting|passRate', 'small|code/sort|passRate', 'small|math/add|passRate']);
  });

  it('warns about tests and models missing on either side without failing', () => {
    const baseline = buildResults([...cases('small'), { model: 'small', prompt: 'math/sum', ttftMs: 25, e2eMs: 300, outputTokens: 60 }, ...cases('retired')]);
    const current = buildResults([...cases('small'), ...cases('newcomer')]);
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.ok).toBe(true);
    expect(verdict.warnings).toEqual([
      { kind: 'missing-in-baseline', message: 'model newcomer is not in the baseline: not compared' },
      { kind: 'missing-in-current', message: 'model retired is in the baseline but was not run' },
      { kind: 'missing-in-current', message: 'small > math/sum is in the baseline but was not run' },
    ]);
    expect(verdict.title).toBe('Gate passed: no regressions against the baseline (3 warnings)');
  });

  it('warns when the runtime, the machine, a model ID or the settings differ', () => {
    const baseline = buildResults(cases('small'));
    const current = buildResults(cases('small'), {
      runtime: { name: 'ollama', version: '0.12.0' },
      machine: { cpu: 'Other CPU', cores: 16 },
      settings: { maxTokens: 64 },
      models: { small: { modelId: 'small-q8' } },
    });
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.warnings.map((warning) => warning.kind).sort()).toEqual(['machine', 'model-id', 'runtime', 'settings']);
    expect(verdict.warnings.find((warning) => warning.kind === 'runtime')?.message).toBe('runtime differs: baseline embedded 3.21.1, this run ollama 0.12.0');
    expect(verdict.warnings.find((warning) => warning.kind === 'model-id')?.message).toBe('model small is a different model: baseline small-q4, this run small-q8');
    expect(verdict.warnings.find((warning) => warning.kind === 'settings')?.message).toContain('maxTokens 256 -> 64');
    expect(verdict.message).toContain('warning: machine differs: baseline Test CPU, 2 cores, 8 GB, linux 6.1; this run Other CPU, 16 cores, 8 GB, linux 6.1');
  });
});

describe('classifyChange', () => {
  const tolerance = { relative: 0.1, absolute: 5 };
  it('uses the larger of the relative and absolute allowances, in the right direction', () => {
    expect(classifyChange(100, 111, 'lower', tolerance)).toBe('regression');
    expect(classifyChange(100, 110, 'lower', tolerance)).toBe('within');
    expect(classifyChange(100, 89, 'lower', tolerance)).toBe('improvement');
    expect(classifyChange(100, 89, 'higher', tolerance)).toBe('regression');
    expect(classifyChange(10, 14, 'lower', tolerance)).toBe('within');
    expect(classifyChange(0, 6, 'lower', tolerance)).toBe('regression');
  });
});

describe('parseTolerances', () => {
  it('reads every kind, keeps what an entry leaves out, and converts units', () => {
    const parsed = parseTolerances('latency=10%+5ms, throughput=15%, memory=+1GB');
    expect(parsed.latency).toEqual({ relative: 0.1, absolute: 5 });
    expect(parsed.throughput).toEqual({ relative: 0.15, absolute: DEFAULT_TOLERANCES.throughput.absolute });
    expect(parsed.memory).toEqual({ relative: DEFAULT_TOLERANCES.memory.relative, absolute: 1024 });
    expect(parseTolerances('latency=0.5s').latency.absolute).toBe(500);
    expect(parseTolerances('').latency).toEqual(DEFAULT_TOLERANCES.latency);
  });

  it('rejects what it cannot read, saying what was expected', () => {
    expect(() => parseTolerances('speed=10%')).toThrow(ToleranceSpecError);
    expect(() => parseTolerances('speed=10%')).toThrow(/unknown tolerance "speed".*expected latency, throughput or memory/);
    expect(() => parseTolerances('latency')).toThrow(/"latency" has no value/);
    expect(() => parseTolerances('latency=fast')).toThrow(/"fast" in "latency=fast" is not a tolerance/);
    expect(() => parseTolerances('memory=10ms')).toThrow(/unit "ms" does not fit memory \(use mb or gb/);
  });
});
