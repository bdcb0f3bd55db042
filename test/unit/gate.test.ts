// The gate on results with known answers: identical runs, clear shifts, pure noise, tiny
// samples, a single repeat, pass rates over repeats, memory, and the machine states.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS, type GateSettings } from '../../src/config/gate-settings.ts';
import { describePlanRow } from '../../src/report/gate.ts';
import { compareToBaseline, type Finding, type LatencyFinding, type PassRateFinding } from '../../src/stats/gate.ts';
import { planRepeats } from '../../src/stats/plan.ts';
import { buildResults, type CaseSpec, type ResultsSpec } from '../support/results.ts';

const OUTPUT_TOKENS = 21;
const BASE_TPOT = { 'chat/greeting': [10, 10.4, 9.8], 'code/sort': [20, 19.5, 20.6], 'math/add': [15, 15.3, 14.6] };
const BASE_TTFT = [40, 41, 39.5];

interface TestSpec {
  tpot: number[];
  ttft?: number[];
  outputTokens?: number;
  status?: CaseSpec['status'];
  cachedPromptTokens?: number;
}

/** Cases whose TPOT and TTFT are exactly the given values, repeat by repeat. */
function cases(model: string, tests: Record<string, TestSpec>): CaseSpec[] {
  return Object.entries(tests).flatMap(([prompt, spec]) =>
    spec.tpot.map((tpot, repeat) => {
      const ttftMs = spec.ttft?.[repeat] ?? BASE_TTFT[repeat % BASE_TTFT.length] ?? 40;
      const outputTokens = spec.outputTokens ?? OUTPUT_TOKENS;
      return { model, prompt, repeat, ttftMs, e2eMs: ttftMs + tpot * (outputTokens - 1), outputTokens, status: spec.status, cachedPromptTokens: spec.cachedPromptTokens };
    }),
  );
}

const scaled = (factor: number, extra: Partial<TestSpec> = {}): Record<string, TestSpec> =>
  Object.fromEntries(Object.entries(BASE_TPOT).map(([prompt, tpot]) => [prompt, { tpot: tpot.map((value) => value * factor), ...extra }]));

const run = (tests: Record<string, TestSpec>, spec: ResultsSpec = {}, model = 'small') => buildResults(cases(model, tests), { settings: { repeats: 3 }, ...spec });

const latency = (findings: Finding[], metric: 'tpotMs' | 'ttftMs') => findings.find((finding): finding is LatencyFinding => finding.kind === 'latency' && finding.metric === metric);
const passRates = (findings: Finding[]) => findings.filter((finding): finding is PassRateFinding => finding.kind === 'pass-rate');
const outcomes = (findings: Finding[]) => findings.map((finding) => `${finding.kind}${'metric' in finding ? `:${finding.metric}` : ''}${'test' in finding ? `:${finding.test ?? '*'}` : ''}=${finding.outcome}`);
const settings = (overrides: Partial<GateSettings>): GateSettings => ({ ...DEFAULT_GATE_SETTINGS, ...overrides });

describe('compareToBaseline: latency, test by test', () => {
  it('passes a run identical to its baseline, every change beyond the tolerance ruled out', () => {
    const results = run(scaled(1));
    const verdict = compareToBaseline(results, results);
    expect(verdict).toMatchObject({ outcome: 'pass', ok: true, incomplete: null, warnings: [] });
    expect(verdict.findings.every((finding) => finding.outcome === 'within')).toBe(true);
    const tpot = latency(verdict.findings, 'tpotMs');
    expect(tpot).toMatchObject({ ratio: 1, threshold: 1.2, baseline: tpot?.current });
    // Every current value / 1.2 below every baseline value, in each of 3 tests: (1/20)^3.
    expect(tpot?.p.within).toBeCloseTo(1 / 8000, 12);
  });

  it('finds a twice slower decode, with its interval and the evidence of every test', () => {
    const baseline = run(scaled(1));
    const verdict = compareToBaseline(run(scaled(2)), baseline);
    expect(verdict).toMatchObject({ outcome: 'regression', ok: false });
    expect(latency(verdict.findings, 'ttftMs')?.outcome).toBe('within');
    const tpot = latency(verdict.findings, 'tpotMs') as LatencyFinding;
    expect(tpot.outcome).toBe('regression');
    expect(tpot.ratio).toBeCloseTo(2, 12);
    expect(tpot.interval.low).toBeLessThanOrEqual(2);
    expect(tpot.interval.high).toBeGreaterThanOrEqual(2);
    expect(tpot.interval.level).toBeCloseTo(0.9, 12);
    expect(tpot.p.regression).toBeCloseTo(1 / 8000, 12);
    expect(tpot.smallestP).toBeCloseTo(1 / 8000, 12);
    expect(tpot.tests.map((test) => [test.test, test.baseline.median, test.current.median, test.baseline.requests])).toEqual([
      ['chat/greeting', 10, 20, 3],
      ['code/sort', 20, 40, 3],
      ['math/add', 15, 30, 3],
    ]);
    expect(tpot.plan).toBeNull();
  });

  it('reports a twice faster decode as an improvement, and passes', () => {
    const verdict = compareToBaseline(run(scaled(0.5)), run(scaled(1)));
    expect(verdict.outcome).toBe('pass');
    expect(latency(verdict.findings, 'tpotMs')?.outcome).toBe('improvement');
  });

  it('cannot tell on pure noise, and says how many repeats would', () => {
    const baseline = run({ 'chat/greeting': { tpot: [8, 12.5, 10] } });
    const current = run({ 'chat/greeting': { tpot: [12, 8.5, 10.5] } });
    const verdict = compareToBaseline(current, baseline);
    const tpot = latency(verdict.findings, 'tpotMs') as LatencyFinding;
    expect(verdict).toMatchObject({ outcome: 'inconclusive', ok: true });
    expect(tpot).toMatchObject({ outcome: 'inconclusive', ratio: expect.closeTo(1.05, 12), smallestP: 0.05, p: { within: expect.closeTo(0.25, 12) } });
    expect(tpot.spread).toBeCloseTo(0.2, 3);
    // 2 x 0.2^2 x (z0.95 + z0.8)^2 / (3/pi x log(1.2 / 1.05)^2) = 29.1 repeats to tell +5% from +20%.
    expect(tpot.plan).toEqual({ change: expect.closeTo(1.05, 12), repeats: 30 });
    expect(compareToBaseline(current, baseline, settings({ inconclusive: 'strict' })).ok).toBe(false);
  });

  it('cannot tell from one request a side, whatever the change, and plans nothing without a spread', () => {
    const verdict = compareToBaseline(run({ 'chat/greeting': { tpot: [30] } }), run({ 'chat/greeting': { tpot: [10] } }));
    const tpot = latency(verdict.findings, 'tpotMs') as LatencyFinding;
    expect(tpot).toMatchObject({ outcome: 'inconclusive', smallestP: 0.5, spread: null, plan: { repeats: null } });
  });

  it('decides from a single repeat over enough tests: six tests all twice slower', () => {
    const tests = (factor: number) => Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`chat/p${index}`, { tpot: [(10 + index) * factor] }]));
    const tpot = latency(compareToBaseline(run(tests(2)), run(tests(1))).findings, 'tpotMs') as LatencyFinding;
    expect(tpot.outcome).toBe('regression');
    expect(tpot.p.regression).toBeCloseTo(1 / 64, 12);
  });

  it('keeps a change under the absolute floor from counting: TTFT 2 ms -> 3 ms', () => {
    const fast = (ttft: number) => ({ 'chat/greeting': { tpot: [10, 10, 10, 10, 10], ttft: [ttft, ttft + 0.1, ttft - 0.1, ttft + 0.05, ttft - 0.05] } });
    const current = run(fast(3));
    const baseline = run(fast(2));
    const ttft = latency(compareToBaseline(current, baseline).findings, 'ttftMs') as LatencyFinding;
    expect(ttft.threshold).toBeCloseTo(3.5, 12);
    expect(ttft.outcome).toBe('within');
    const noFloor = settings({ tolerances: { ...DEFAULT_GATE_SETTINGS.tolerances, ttft: { relative: 0.2, absolute: 0 } } });
    expect(latency(compareToBaseline(current, baseline, noFloor).findings, 'ttftMs')?.outcome).toBe('regression');
  });

  it('compares per token when answers change length, and warns', () => {
    const verdict = compareToBaseline(run(scaled(1, { outputTokens: 41 })), run(scaled(1)));
    expect(latency(verdict.findings, 'tpotMs')?.outcome).toBe('within');
    expect(verdict.warnings).toEqual([{ kind: 'output-length', model: 'small', tests: ['chat/greeting', 'code/sort', 'math/add'] }]);
  });

  it('warns when the prompt cache served a different share of the prompt', () => {
    const verdict = compareToBaseline(run(scaled(1, { cachedPromptTokens: 11 })), run(scaled(1)));
    expect(verdict.warnings).toContainEqual({ kind: 'prompt-cache', model: 'small', baseline: 0, current: 11 / 12 });
  });

  it('gives the same verdict every time', () => {
    const current = run(scaled(1.3));
    const baseline = run(scaled(1));
    expect(compareToBaseline(current, baseline)).toEqual(compareToBaseline(current, baseline));
  });
});

describe('compareToBaseline: pass rates', () => {
  const withPasses = (passes: number, repeats = 3) =>
    buildResults(
      Array.from({ length: repeats }, (_, repeat) => ({ model: 'small', prompt: 'code/sort', repeat, status: repeat < passes ? ('pass' as const) : ('fail' as const) })),
      { settings: { repeats } },
    );

  it('calls 3 of 3 -> 0 of 3 a drop, and 3 of 3 -> 2 of 3 a possibly flaky repeat', () => {
    const dropped = passRates(compareToBaseline(withPasses(0), withPasses(3)).findings);
    expect(dropped.find((finding) => finding.test === 'code/sort')).toMatchObject({ outcome: 'regression', change: 'regression', p: expect.closeTo(0.05, 12) });
    const flaky = compareToBaseline(withPasses(2), withPasses(3));
    expect(flaky.outcome).toBe('inconclusive');
    const finding = passRates(flaky.findings).find((item) => item.test === 'code/sort');
    expect(finding).toMatchObject({ outcome: 'inconclusive', p: expect.closeTo(0.5, 12), current: { passed: 2, total: 3 } });
    expect(finding?.repeatsNeeded).toBeGreaterThan(3);
  });

  it('cannot tell a single failed repeat from a flaky one, but a model failing everywhere is a drop', () => {
    expect(compareToBaseline(withPasses(0, 1), withPasses(1, 1)).outcome).toBe('inconclusive');
    const everything = (status: CaseSpec['status']) => buildResults(Array.from({ length: 6 }, (_, index) => ({ model: 'small', prompt: `chat/p${index}`, status })));
    const verdict = compareToBaseline(everything('error'), everything('pass'));
    expect(verdict.outcome).toBe('regression');
    expect(passRates(verdict.findings).find((finding) => finding.test === null)).toMatchObject({ outcome: 'regression', p: expect.closeTo(1 / 924, 12) });
  });

  it('applies a minimum pass rate when set, judged by its Wilson interval', () => {
    const minimum = settings({ minPassRate: 0.8 });
    const verdict = compareToBaseline(withPasses(1, 5), withPasses(1, 5), minimum);
    expect(passRates(verdict.findings).find((finding) => finding.test === 'code/sort')).toMatchObject({ outcome: 'regression', change: 'within', minimumCheck: 'below' });
    const close = compareToBaseline(withPasses(4, 5), withPasses(4, 5), settings({ minPassRate: 0.9 }));
    expect(passRates(close.findings).find((finding) => finding.test === 'code/sort')).toMatchObject({ outcome: 'inconclusive', minimumCheck: 'possibly-below' });
  });

  it('counts a failure planted in a model with known answers as going as planted, not a planted defect missed', () => {
    const caught = { type: 'python', pass: false, score: 0, reason: 'sorted descending', planted: 'sorts-descending' };
    const planted = (check: typeof caught) =>
      buildResults(
        Array.from({ length: 3 }, (_, repeat) => ({ model: 'fixture-tiny', prompt: 'code/sort', repeat, status: 'fail' as const, assertions: [check] })),
        { settings: { repeats: 3 } },
      );
    const asPlanted = planted(caught);
    expect(asPlanted.groups[0]).toMatchObject({ passRate: 0, passRateAsPlanted: 1 });
    const same = compareToBaseline(asPlanted, asPlanted, settings({ minPassRate: 0.8 }));
    expect(passRates(same.findings).find((finding) => finding.test === 'code/sort')).toMatchObject({ outcome: 'within', current: { passed: 3, total: 3 } });
    const missed = compareToBaseline(planted({ ...caught, pass: true, score: 1 }), asPlanted);
    expect(passRates(missed.findings).find((finding) => finding.test === 'code/sort')).toMatchObject({ outcome: 'regression', current: { passed: 0, total: 3 } });
  });

  it('checks only the minimum for a test the baseline does not have, and warns', () => {
    const baseline = run(scaled(1));
    const current = buildResults([...cases('small', scaled(1)), { model: 'small', prompt: 'code/new', status: 'fail' }], { settings: { repeats: 3 } });
    const verdict = compareToBaseline(current, baseline);
    expect(passRates(verdict.findings).find((finding) => finding.test === 'code/new')).toMatchObject({ outcome: 'within', baseline: null, change: null });
    expect(verdict.warnings).toContainEqual({ kind: 'missing-in-baseline', model: 'small', test: 'code/new' });
  });
});

describe('compareToBaseline: memory, coverage and the machine', () => {
  it('compares peak memory with its tolerance and floor', () => {
    const memory = (peakRssMB: number | null) => run(scaled(1), { models: { small: { peakRssMB } } });
    expect(outcomes(compareToBaseline(memory(600), memory(400)).findings)).toContain('memory=regression');
    expect(outcomes(compareToBaseline(memory(450), memory(400)).findings)).toContain('memory=within');
    expect(compareToBaseline(memory(null), memory(400)).findings.some((finding) => finding.kind === 'memory')).toBe(false);
  });

  it('warns about models and tests on one side only, and a different runtime, machine, model or setting', () => {
    const baseline = buildResults([...cases('small', scaled(1)), ...cases('retired', scaled(1))], { settings: { repeats: 3 } });
    const current = buildResults([...cases('small', { 'chat/greeting': { tpot: [10, 10.4, 9.8] } }), ...cases('newcomer', scaled(1))], {
      settings: { repeats: 3, maxTokens: 64 },
      runtime: { name: 'ollama', version: '0.12.0' },
      machine: { cpu: 'Other CPU', cores: 16 },
      models: { small: { modelId: 'small-q8' } },
    });
    const verdict = compareToBaseline(current, baseline);
    expect(verdict.warnings.map((warning) => warning.kind).sort()).toEqual([
      'machine', 'missing-in-baseline', 'missing-in-current', 'missing-in-current', 'missing-in-current', 'model-id', 'runtime', 'settings',
    ]);
    expect(verdict.warnings).toContainEqual({ kind: 'settings', differences: [{ setting: 'maxTokens', baseline: '256', current: '64' }] });
    expect(verdict.warnings).toContainEqual({ kind: 'missing-in-current', model: 'small', test: 'code/sort' });
  });

  it('warns when the machine ran slower or busier, and scales by the calibration when asked', () => {
    const calibration = (cpuMs: number) => ({ start: { cpuMs, loopbackMs: 0.2, loadAverage: 0.1 }, end: { cpuMs, loopbackMs: 0.2, loadAverage: 0.1 } });
    const baseline = run(scaled(1), { calibration: calibration(25) });
    const slowMachine = run(scaled(2), { calibration: calibration(50), models: { small: { otherCpuPercent: 95 } } });
    const plain = compareToBaseline(slowMachine, baseline);
    expect(plain.outcome).toBe('regression');
    expect(plain.warnings).toContainEqual({ kind: 'machine-speed', ratio: 2, normalized: false });
    expect(plain.warnings).toContainEqual({ kind: 'machine-load', model: 'small', baseline: 5, current: 95 });
    expect(plain.machine.current).toEqual({ calibration: { cpuMs: 50, loopbackMs: 0.2 }, loadAverage: 0.5, otherCpuPercent: 95 });
    const normalized = compareToBaseline(slowMachine, baseline, settings({ normalize: 'calibration' }));
    expect(normalized.machine.normalization).toBe(0.5);
    expect(latency(normalized.findings, 'tpotMs')).toMatchObject({ outcome: 'within', ratio: expect.closeTo(1, 12), normalization: 0.5 });
    const uncalibrated = compareToBaseline(run(scaled(1)), baseline, settings({ normalize: 'calibration' }));
    expect(uncalibrated.warnings).toContainEqual({ kind: 'no-calibration', side: 'current' });
    expect(uncalibrated.machine.normalization).toBeNull();
  });
});

describe('planRepeats (edge-evals report --power)', () => {
  // TPOT 10, 12.2 and 14.9 ms: log values 0.2 apart, a spread of 0.2 (about 20%) a request.
  const spread = run({ 'chat/greeting': { tpot: [0, 0.2, 0.4].map((log) => 10 * Math.exp(log)) } });

  it('plans from the spread of one results file, against the tolerance', () => {
    const tpot = planRepeats(spread, DEFAULT_GATE_SETTINGS, 1.5).find((row) => row.metric === 'tpotMs');
    // 2 x 0.2^2 x (z0.95 + z0.8)^2 / (3/pi x log(1.5 / 1.2)^2) = 10.4; from 1.2 to 1: 15.6.
    expect(tpot).toEqual({ model: 'small', metric: 'tpotMs', tests: 1, repeats: 3, spread: expect.closeTo(0.2, 12), threshold: 1.2, change: 1.5, toCatch: 11, toPass: 16 });
    expect(describePlanRow(tpot!)).toBe(
      'small TPOT: spread 20% a request over 3 repeats of 1 test; 11 repeats to call a +50% slowdown a regression; 16 repeats to pass an unchanged run against the +20% threshold',
    );
  });

  it('says when the slowdown asked for can never be a regression, and when there is no spread to plan from', () => {
    const within = planRepeats(spread, DEFAULT_GATE_SETTINGS, 1.1).find((row) => row.metric === 'tpotMs');
    expect(within?.toCatch).toBeNull();
    expect(describePlanRow(within!)).toContain('a +10% slowdown stays within the +20% threshold: never a regression (lower EVAL_GATE_TOLERANCES to catch it)');
    const single = planRepeats(run({ 'chat/greeting': { tpot: [10] } }), DEFAULT_GATE_SETTINGS, 1.5)[1];
    expect(single?.spread).toBeNull();
    expect(describePlanRow(single!)).toBe('small TPOT: one request a test shows no spread; run once with EVAL_REPEATS=3 to measure it');
  });
});
