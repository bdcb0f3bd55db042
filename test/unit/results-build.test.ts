import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaseMeta } from '../../src/contract/case-meta.ts';
import type { CriterionWeights, TextCriterion } from '../../src/contract/criteria.ts';
import { resultsJsonSchema } from '../../src/contract/json-schema.ts';
import { Results, type AssertionResult, type CaseStatus } from '../../src/contract/results.ts';
import { DEFAULT_WEIGHTS } from '../../src/config/weights.ts';
import { buildResults } from '../../src/results/build.ts';
import { buildMetrics } from '../support/results.ts';

const RUNTIME = { name: 'embedded', version: 'node-llama-cpp 3.21.1', reason: 'EVAL_RUNTIME=embedded' };

const check = (pass: boolean, skipped = false): AssertionResult => ({ type: 'icontains', pass, score: pass ? 1 : 0, reason: 'r', ...(skipped ? { skipped } : {}) });

interface MetaOptions {
  category?: string;
  status?: CaseStatus;
  e2eMs?: number;
  synthetic?: boolean;
  knownAnswers?: boolean;
  peak?: number;
  startError?: string;
  checks?: AssertionResult[];
  repeat?: number;
  /** Model-free scores of the answer, e.g. `{ accuracy: 5, completeness: 2 }`. */
  scores?: Partial<Record<TextCriterion, number>>;
  weights?: CriterionWeights;
}

function meta(model: string, prompt: string, options: MetaOptions = {}): CaseMeta {
  const status = options.status ?? 'pass';
  const started = options.startError === undefined;
  return {
    case: {
      name: `${model} > ${options.category ?? 'chat'}/${prompt}`,
      model,
      modelId: started ? `${model}-id` : null,
      prompt,
      category: options.category ?? 'chat',
      repeat: options.repeat ?? 0,
      status,
      metrics: status === 'error' ? null : buildMetrics({ ttftMs: 10, e2eMs: options.e2eMs ?? 100, outputTokens: 20 }),
      assertions: options.checks ?? (status === 'error' ? [] : [check(status === 'pass')]),
      response: 'hello',
      error: status === 'error' ? (options.startError ?? 'boom') : null,
      resources: options.peak === undefined ? null : { peakRssMB: options.peak, meanCpuPercent: 50, loadAverage: 0.5, otherCpuPercent: 10, samples: Math.round(options.peak), intervalMs: 200 },
      criteria: Object.entries(options.scores ?? {}).map(([criterion, score]) => ({ criterion: criterion as TextCriterion, score, reason: 'r', source: 'rules' as const, scorer: 'test' })),
    },
    model: { alias: model, modelId: started ? `${model}-id` : null, synthetic: options.synthetic ?? false, knownAnswers: options.knownAnswers ?? false, loadMs: started ? 120 : null, downloadMs: started ? 0 : null, startError: options.startError ?? null },
    runtime: RUNTIME,
    ...(options.weights === undefined ? {} : { criteriaWeights: options.weights }),
  };
}

function build(metas: CaseMeta[], plannedModels?: string[]) {
  return buildResults({
    metas,
    plannedModels,
    settings: { repeats: 1, warmup: 1, maxTokens: 256, temperature: 0, seed: 42, promptCache: 'cold' },
    machine: { cpu: 'test CPU', cores: 2, memoryGB: 24, os: 'linux', node: 'v20' },
    edgeEvalsVersion: '0.1.0',
    createdAt: '2026-11-26T00:00:00.000Z',
    fallbackRuntime: { name: 'embedded', version: null },
    weights: DEFAULT_WEIGHTS,
  });
}

describe('buildResults', () => {
  it('produces results that satisfy the contract, models in plan order', () => {
    const results = build(
      [meta('fast', 'a', { e2eMs: 50, peak: 100 }), meta('slow', 'a', { e2eMs: 900, peak: 300 }), meta('fast', 'b', { e2eMs: 70, peak: 150 })],
      ['slow', 'fast'],
    );
    expect(Results.parse(results)).toEqual(results);
    expect(results.models.map((model) => model.alias)).toEqual(['slow', 'fast']);
    const fast = results.models[1];
    expect(fast).toMatchObject({ alias: 'fast', modelId: 'fast-id', cases: 2, passed: 2, peakRssMB: 150, loadMs: 120, checksPassed: 2, checksTotal: 2 });
    expect(fast?.summary.e2eMs).toMatchObject({ n: 2, min: 50, max: 70, p50: 60 });
    expect(results.runtime).toEqual(RUNTIME);
    expect(results.settings.percentileMethod).toBe('linear');
  });

  it('keeps failed requests out of latency statistics and counts statuses', () => {
    const results = build([meta('m', 'a', { e2eMs: 100 }), meta('m', 'b', { status: 'fail', e2eMs: 300 }), meta('m', 'c', { status: 'error' })]);
    const model = results.models[0];
    expect(model).toMatchObject({ cases: 3, passed: 1, failed: 1, errored: 1, skipped: 0, checksPassed: 1, checksTotal: 2 });
    expect(model?.summary.e2eMs.n).toBe(2);
  });

  it('does not count skipped checks, and records a model that failed to start', () => {
    const results = build([
      meta('synthetic', 'a', { synthetic: true, checks: [check(true, true), check(true)] }),
      meta('broken', 'a', { status: 'error', startError: 'not in the catalog' }),
    ]);
    expect(results.models[0]).toMatchObject({ synthetic: true, checksPassed: 1, checksTotal: 1, checksSkipped: 1 });
    expect(results.models[1]).toMatchObject({ startError: 'not in the catalog', errored: 1, loadMs: null, modelId: null });
    expect(results.cases.find((testCase) => testCase.model === 'broken')?.error).toBe('not in the catalog');
  });

  it("averages the cases' scores per model, over the cases that ran a check", () => {
    const scored = (prompt: string, score: number | null) => {
      const recorded = meta('m', prompt);
      return { ...recorded, case: { ...recorded.case, score } };
    };
    const results = build([scored('a', 1), scored('b', 0.5), scored('c', null)]);
    expect(results.models[0]?.score).toBe(0.75);
    expect(build([scored('a', null)]).models[0]?.score).toBeNull();
  });

  it('computes pass rates over repeats per (model, prompt)', () => {
    const results = build([meta('m', 'a', { repeat: 0 }), meta('m', 'a', { repeat: 1, status: 'fail' }), meta('m', 'a', { repeat: 2 }), meta('m', 'a', { repeat: 3, status: 'skip', checks: [check(true, true)] })]);
    expect(results.groups).toHaveLength(1);
    expect(results.groups[0]).toMatchObject({ model: 'm', prompt: 'a', repeats: 4, passRate: 2 / 3 });
  });

  it('keeps prompts with the same id in different categories apart', () => {
    const results = build([meta('m', 'summary', { category: 'chat' }), meta('m', 'summary', { category: 'code', status: 'fail' })]);
    expect(results.groups.map((group) => `${group.category}/${group.prompt}: ${group.passRate}`)).toEqual(['chat/summary: 1', 'code/summary: 0']);
  });

  it('recommends by the weighted criteria, and states the trade-off with numbers', () => {
    const good = { accuracy: 5, completeness: 5, clarity: 4 };
    const terse = { accuracy: 4, completeness: 2, clarity: 5 };
    const results = build([
      meta('small', 'a', { category: 'chat', e2eMs: 100, scores: terse }),
      meta('small', 'b', { category: 'reasoning', e2eMs: 100, scores: terse }),
      meta('large', 'a', { category: 'chat', e2eMs: 310, scores: good }),
      meta('large', 'b', { category: 'reasoning', e2eMs: 310, scores: good }),
      meta('broken', 'a', { category: 'chat', status: 'error', startError: 'x' }),
    ]);
    const line = (category: string) => results.recommendations.find((entry) => entry.category === category);
    const weighted = Object.fromEntries(results.models.map((model) => [model.alias, model.weightedScore]));
    expect(weighted.small).toBeCloseTo(0.4 * 4 + 0.3 * 2 + 0.2 * 5 + 0.1 * 5, 10);
    // large is 3.1x slower: speed 5 - log2(3.1) = 3.4.
    expect(weighted.large).toBeCloseTo(0.4 * 5 + 0.3 * 5 + 0.2 * 4 + 0.1 * 3.4, 10);
    expect(weighted.broken).toBeNull();
    expect(line('overall')?.model).toBe('large');
    expect(line('overall')?.reason).toBe(
      'best weighted score (weights: accuracy 0.4, completeness 0.3, clarity 0.2, speed 0.1): weighted score 4.6/5, accuracy 5.0/5, completeness 5.0/5, clarity 4.0/5, E2E p50 310 ms, 3.1x slower than small, whose completeness is 2.0/5',
    );
    expect(line('quality')?.model).toBe('large');
    // small's quality, (0.4·4 + 0.3·2 + 0.2·5) / 0.9 = 3.6, is not within 0.5 points of large's 4.8.
    expect(line('development')?.model).toBe('large');
    expect(results.recommendations.map((entry) => entry.model)).not.toContain('broken');
    // The other side of the trade-off: the fastest model, and what its speed costs.
    expect(results.recommendations.map((entry) => entry.category)).toEqual(['overall', 'quality', 'development', 'speed', 'chat', 'reasoning']);
    expect(line('speed')).toEqual({
      category: 'speed',
      model: 'small',
      reason: 'fastest model: accuracy 4.0/5, completeness 2.0/5, clarity 5.0/5, E2E p50 100 ms, 3.1x faster than large, whose completeness is 5.0/5 against 2.0',
    });
  });

  it('picks a faster model for development when it is good enough, and says what it gives up', () => {
    const results = build([
      meta('small', 'a', { e2eMs: 100, scores: { accuracy: 5, completeness: 4, clarity: 5 } }),
      meta('large', 'a', { e2eMs: 1000, scores: { accuracy: 5, completeness: 5, clarity: 5 } }),
    ]);
    const development = results.recommendations.find((entry) => entry.category === 'development');
    expect(development?.model).toBe('small');
    expect(development?.reason).toContain('10.0x faster than large, whose completeness is 5.0/5 against 4.0');
  });

  it('uses a category\'s own weights for its line', () => {
    const codeWeights = { accuracy: 1, completeness: 0, clarity: 0, speed: 0 };
    const results = build([
      meta('fast', 'sort', { category: 'code', e2eMs: 100, scores: { accuracy: 3, completeness: 5, clarity: 5 }, weights: codeWeights }),
      meta('slow', 'sort', { category: 'code', e2eMs: 900, scores: { accuracy: 5, completeness: 2, clarity: 2 }, weights: codeWeights }),
    ]);
    expect(results.criteria?.categoryWeights).toEqual({ code: codeWeights });
    const code = results.recommendations.find((entry) => entry.category === 'code');
    expect(code?.model).toBe('slow');
    expect(code?.reason).toContain('its own weights: accuracy 1, completeness 0, clarity 0, speed 0');
  });

  it('falls back on the pass rate when no criterion was scored', () => {
    const results = build([
      meta('small', 'a', { e2eMs: 100 }),
      meta('small', 'b', { e2eMs: 100, status: 'fail' }),
      meta('large', 'a', { e2eMs: 1000 }),
      meta('large', 'b', { e2eMs: 1000 }),
    ]);
    const development = results.recommendations.find((entry) => entry.category === 'development');
    expect(development?.model).toBe('large');
    expect(development?.reason).toContain('fastest model within 80% of the best pass rate');
    // The fastest model is already a pick (overall, on speed alone): no separate speed line.
    expect(results.recommendations.map((entry) => entry.category)).toEqual(['overall', 'quality', 'development', 'chat']);
  });

  it('says "synthetic, known answers" for synthetic models whose content was judged', () => {
    const results = build([meta('fixture-small', 'a', { synthetic: true, knownAnswers: true }), meta('fixture-x', 'a', { synthetic: true, e2eMs: 1000 })]);
    const reasons = results.recommendations.map((entry) => `${entry.category} ${entry.model}: ${entry.reason}`);
    expect(reasons.find((reason) => reason.startsWith('development fixture-small'))).toContain('synthetic, known answers');
    expect(results.models.map((model) => model.knownAnswers)).toEqual([true, false]);
  });
});

describe('results JSON Schema', () => {
  it('is committed and up to date (npm run schema writes it)', () => {
    const committed = readFileSync(new URL('../../schemas/results.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(resultsJsonSchema());
  });
});
