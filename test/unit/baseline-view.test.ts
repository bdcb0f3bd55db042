// The gate's view of a baseline (src/results/baseline-view.ts): replies, conversations and
// chunk gaps left out, and the gate's verdict against it the same, finding for finding, as
// against the whole baseline.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Baseline, toBaseline } from '../../src/contract/baseline.ts';
import type { CaseResult, Results } from '../../src/contract/results.ts';
import { gateView, readGateView, removeGateView } from '../../src/results/baseline-view.ts';
import { checkBaseline, readBaselineFile, saveBaseline } from '../../src/results/files.ts';
import { compareToBaseline } from '../../src/stats/gate.ts';
import { buildResults, scaleLatencies, type CaseSpec } from '../support/results.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-baseline-view-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PLANTED_CHECK = { type: 'python', pass: false, score: 0, reason: 'sorted descending', planted: 'sorts-descending' };

/** Two models, repeats, a dataset, a planted defect, criterion scores and long replies: what a gate reads and what it does not. */
function run(options: { failing?: string; criterion?: number } = {}): Results {
  const specs: CaseSpec[] = ['small', 'big'].flatMap((model) => [
    ...['greeting', 'sort', 'add'].flatMap((prompt) =>
      [0, 1, 2].map((repeat) => ({
        model,
        prompt,
        repeat,
        category: prompt === 'sort' ? 'code' : 'chat',
        ttftMs: 40 + repeat,
        e2eMs: 400 + 10 * repeat,
        response: `A long reply to ${prompt}, `.repeat(200),
        status: options.failing === prompt ? ('fail' as const) : ('pass' as const),
        assertions: prompt === 'sort' ? [PLANTED_CHECK] : [{ type: 'contains', pass: options.failing !== prompt, score: 1, reason: 'found "hello" at 3' }],
      })),
    ),
    ...['france', 'japan', 'peru'].map((row) => ({ model, prompt: 'ask', category: 'capitals', vars: { country: row }, ttftMs: 30, e2eMs: 300, response: `The capital of ${row}.` })),
  ]);
  const results = buildResults(specs, { settings: { repeats: 3 } });
  const cases = results.cases.map(
    (testCase): CaseResult => ({
      ...testCase,
      messages: [{ role: 'user', content: `Question for ${testCase.prompt}`.repeat(50) }],
      expected: ['hello'],
      metrics: testCase.metrics === null ? null : { ...testCase.metrics, interChunkGapsMs: Array.from({ length: 200 }, (_, index) => index / 10) },
      criteria: [{ criterion: 'completeness', score: options.criterion ?? 5, reason: 'all key points', source: 'rules', scorer: 'key-points' }],
    }),
  );
  return { ...results, cases };
}

describe("the gate's view of a baseline", () => {
  const baseline = toBaseline(run(), { savedAt: '2026-12-01T00:00:00.000Z', source: null });

  it('gives the same verdict as the whole baseline: unchanged, slower, failing, scored lower', () => {
    const view = gateView(baseline);
    for (const current of [run(), scaleLatencies(run(), 1.8), run({ failing: 'greeting' }), run({ criterion: 2 })]) {
      expect(compareToBaseline(current, view)).toEqual(compareToBaseline(current, baseline));
    }
    // The runs above give every kind of finding, so the comparison covers them.
    const kinds = new Set([scaleLatencies(run(), 1.8), run({ failing: 'greeting' }), run({ criterion: 2 })].flatMap((current) => compareToBaseline(current, baseline).findings.map((finding) => `${finding.kind}:${finding.outcome}`)));
    expect([...kinds]).toEqual(expect.arrayContaining(['latency:regression', 'pass-rate:regression', 'criterion:regression']));
  });

  it('is still a valid baseline, without replies, conversations, chunk gaps or check reasons, at a fraction of the size', () => {
    const view = gateView(baseline);
    expect(Baseline.safeParse(JSON.parse(JSON.stringify(view))).success).toBe(true);
    for (const testCase of view.cases) {
      expect(testCase).toMatchObject({ response: '', metrics: { interChunkGapsMs: [] } });
      expect(testCase.messages).toBeUndefined();
      expect(testCase.assertions.every((assertion) => assertion.reason === '')).toBe(true);
    }
    // What decides a planted defect stays.
    expect(view.cases.some((testCase) => testCase.assertions.some((assertion) => assertion.planted === 'sorts-descending'))).toBe(true);
    expect(JSON.stringify(view).length).toBeLessThan(JSON.stringify(baseline).length / 4);
    // The baseline itself is untouched.
    expect(baseline.cases[0]?.response).toMatch(/^A long reply/);
  });

  it('is written when the baseline is checked, read back while the baseline is unchanged, and never when it changed', () => {
    const file = path.join(work, 'baseline.json');
    saveBaseline(file, run(), null, '2026-12-01T00:00:00.000Z');
    const checked = checkBaseline(file, { keepGateView: true });
    const viewFile = checked?.view;
    expect(viewFile).toBeDefined();
    expect(existsSync(viewFile as string)).toBe(true);
    expect(statSync(viewFile as string).mode & 0o777).toBe(0o600);
    expect(readBaselineFile(file, { checked: checked ?? undefined })).toEqual(readGateView(viewFile as string));
    expect(readBaselineFile(file, { checked: checked ?? undefined }).cases[0]?.response).toBe('');

    // Saved again (another size and time): the file is read, not the view of what it was.
    saveBaseline(file, run({ failing: 'add' }), null, '2026-12-01T00:00:01.000Z');
    const reread = readBaselineFile(file, { checked: checked ?? undefined });
    expect(reread.cases[0]?.response).toMatch(/^A long reply/);
    expect(reread.cases.some((testCase) => testCase.status === 'fail')).toBe(true);

    // The view gone: the file is read.
    const again = checkBaseline(file, { keepGateView: true });
    removeGateView(again?.view);
    expect(existsSync(again?.view as string)).toBe(false);
    expect(readBaselineFile(file, { checked: again ?? undefined }).cases[0]?.response).toMatch(/^A long reply/);
    removeGateView(viewFile);
  });

  it('is not written unless asked for', () => {
    const file = path.join(work, 'plain.json');
    saveBaseline(file, run(), null);
    expect(checkBaseline(file)?.view).toBeUndefined();
  });
});
