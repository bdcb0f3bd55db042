import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaseMeta } from '../../src/contract/case-meta.ts';
import { resultsJsonSchema } from '../../src/contract/json-schema.ts';
import { Results, type AssertionResult, type CaseStatus } from '../../src/contract/results.ts';
import { buildResults } from '../../src/results/build.ts';
import { buildMetrics } from '../support/results.ts';

const RUNTIME = { name: 'embedded', version: 'node-llama-cpp 3.21.1', reason: 'EVAL_RUNTIME=embedded' };

const check = (pass: boolean, skipped = false): AssertionResult => ({ type: 'icontains', pass, score: pass ? 1 : 0, reason: 'r', ...(skipped ? { skipped } : {}) });

function meta(model: string, prompt: string, options: { category?: string; status?: CaseStatus; e2eMs?: number; synthetic?: boolean; knownAnswers?: boolean; peak?: number; startError?: string; checks?: AssertionResult[]; repeat?: number } = {}): CaseMeta {
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
      resources: options.peak === undefined ? null : { peakRssMB: options.peak, meanCpuPercent: 50, samples: Math.round(options.peak), intervalMs: 200 },
    },
    model: { alias: model, modelId: started ? `${model}-id` : null, synthetic: options.synthetic ?? false, knownAnswers: options.knownAnswers ?? false, loadMs: started ? 120 : null, downloadMs: started ? 0 : null, startError: options.startError ?? null },
    runtime: RUNTIME,
  };
}

function build(metas: CaseMeta[], plannedModels?: string[]) {
  return buildResults({
    metas,
    plannedModels,
    settings: { repeats: 1, warmup: 1, maxTokens: 256, temperature: 0, seed: 42 },
    machine: { cpu: 'test CPU', cores: 2, memoryGB: 24, os: 'linux', node: 'v20' },
    edgeEvalsVersion: '0.1.0',
    createdAt: '2026-11-26T00:00:00.000Z',
    fallbackRuntime: { name: 'embedded', version: null },
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

  it('recommends the fastest good-enough model for development and the most accurate for quality', () => {
    const results = build([
      meta('small', 'a', { category: 'chat', e2eMs: 100 }),
      meta('small', 'b', { category: 'reasoning', e2eMs: 100, status: 'fail' }),
      meta('large', 'a', { category: 'chat', e2eMs: 1000 }),
      meta('large', 'b', { category: 'reasoning', e2eMs: 1000 }),
      meta('broken', 'a', { category: 'chat', status: 'error', startError: 'x' }),
    ]);
    const pick = (category: string) => results.recommendations.find((entry) => entry.category === category)?.model;
    // small passes 50%, large 100%: small is not within 80% of the best, so development is large too.
    expect(pick('quality')).toBe('large');
    expect(pick('reasoning')).toBe('large');
    expect(pick('chat')).toBe('small');
    expect(pick('development')).toBe('large');
    expect(results.recommendations.map((entry) => entry.model)).not.toContain('broken');
    // The trade-off, from both sides: what quality costs in speed, what speed costs in quality.
    expect(results.recommendations.map((entry) => entry.category)).toEqual(['development', 'quality', 'speed', 'chat', 'reasoning']);
    expect(results.recommendations.find((entry) => entry.category === 'quality')?.reason).toBe(
      'highest pass rate: 100% of tests passed, E2E p50 1000 ms, 10.0x slower than small (50% passed)',
    );
    expect(results.recommendations.find((entry) => entry.category === 'speed')).toEqual({
      category: 'speed',
      model: 'small',
      reason: 'fastest model: 50% of tests passed, E2E p50 100 ms, 10.0x faster than the slowest',
    });
  });

  it('picks a faster model for development when it is good enough', () => {
    const results = build([
      meta('small', 'a', { e2eMs: 100 }),
      meta('small', 'b', { e2eMs: 100 }),
      meta('large', 'a', { e2eMs: 1000 }),
      meta('large', 'b', { e2eMs: 1000 }),
    ]);
    const development = results.recommendations.find((entry) => entry.category === 'development');
    expect(development?.model).toBe('small');
    expect(development?.reason).toContain('10.0x faster than the slowest');
    // The fastest model is already the development pick: no separate speed line.
    expect(results.recommendations.map((entry) => entry.category)).not.toContain('speed');
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
