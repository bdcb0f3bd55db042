// The gate on criterion scores end to end, as CI gets them: `npm run eval` with EVAL_BASELINE
// against an OpenAI-compatible server whose answer the test sets (EVAL_RUNTIME=openai). The two
// chat tests list key points; the model-free scorers grade an answer by the share it makes.
// The baseline's answer makes them all; the worse answer still passes every check (it names a
// model, says it runs on devices, in one sentence) but makes fewer key points, so the gate
// must find the drop in completeness alone, with the speed unchanged.
//   unchanged  the same answer: every drop beyond half a point ruled out, the gate passes
//   worse      completeness 5/5 -> 4/5 and 2/5, three repeats a side: regressions, exit 1
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/results/files.ts';
import type { CriterionFinding, Finding } from '../../src/stats/gate.ts';
import { startPacedServer, type PacedServer } from '../fixtures/streams/paced-server.ts';
import { gatedRun as gatedRunOf, RUN_TIMEOUT_MS } from '../support/gated-run.ts';

const FULL_ANSWER =
  'Hello, I am an AI assistant model here to help with your questions: edge AI runs models locally on your device, so answers come faster, data stays private and it works offline.';
const WORSE_ANSWER = 'Hello, I am a language model: edge AI runs models locally on devices.';
// Latency is not this test's subject: on a test machine running other suites at once, a 50 ms
// first token came after up to 200 ms, so only a far larger change may count.
const LOAD_PROOF = 'ttft=300%+300ms,tpot=300%+20ms';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-criteria-'));
let server: PacedServer;

beforeAll(async () => {
  server = await startPacedServer({ model: 'paced', answer: FULL_ANSWER, pace: { firstTokenMs: 50, tokenMs: 10 } });
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const gatedRun = (name: string, env: Record<string, string> = {}) => gatedRunOf({ work, baseURL: server.baseURL, tolerances: LOAD_PROOF }, name, env);

const completeness = (findings: Finding[]) =>
  findings.filter((finding): finding is CriterionFinding => finding.kind === 'criterion' && finding.criterion === 'completeness').map((finding) => [finding.test, finding.outcome, finding.baseline.mean, finding.current.mean]);

describe('the gate on criterion scores through npm run eval, against a server whose answer changes', { timeout: RUN_TIMEOUT_MS * 4 }, () => {
  const baselineFile = path.join(work, 'baseline.json');

  it('saves a baseline whose answers make every key point, then passes an unchanged run', async () => {
    const saved = await gatedRun('baseline', { EVAL_SAVE_BASELINE: baselineFile }).output();
    expect(saved.exitCode, saved.all).toBe(0);
    const baseline = readResultsFile(baselineFile);
    expect(baseline.cases).toHaveLength(6);
    expect(baseline.cases.every((testCase) => testCase.status === 'pass' && testCase.criteria?.some((score) => score.criterion === 'completeness' && score.score === 5))).toBe(true);

    const unchanged = gatedRun('unchanged', { EVAL_BASELINE: baselineFile });
    const { exitCode, all, text } = await unchanged.output();
    expect(exitCode, all).toBe(0);
    expect(text).toContain('Gate passed: no regressions against the baseline');
    const verdict = unchanged.verdict();
    expect(verdict).toMatchObject({ outcome: 'pass', ok: true });
    expect(completeness(verdict.findings)).toEqual([
      [null, 'within', 5, 5],
      ['chat/edge-ai-one-sentence', 'within', 5, 5],
      ['chat/introduce-yourself', 'within', 5, 5],
    ]);
    expect(verdict.warnings.filter((warning) => warning.kind === 'criteria-not-comparable')).toEqual([]);
  });

  it('fails a run whose answers make fewer key points, though every check passes and the speed is the same', async () => {
    server.setAnswer(WORSE_ANSWER);
    const worse = gatedRun('worse', { EVAL_BASELINE: baselineFile });
    const { exitCode, all, text } = await worse.output();
    expect(exitCode, all).toBe(1);
    expect(text).toContain('Gate failed: 3 regressions against the baseline');
    // Every answer half a point better would still be below every baseline answer, in both tests: (1/20)^2.
    expect(text).toContain(
      '✗ paced (all tests): completeness (key-points) -2.0 [-3.0, -1.0] (5.0/5 → 3.0/5): lower beyond the 0.5-point tolerance (p = 0.003; 2 tests, 6 and 6 answers)',
    );
    expect(text).toContain('✗ paced > chat/edge-ai-one-sentence: completeness (key-points) -3.0 [-3.0, -3.0] (5.0/5 → 2.0/5): lower beyond the 0.5-point tolerance (p = 0.05; 1 test, 3 and 3 answers)');
    const results = readResultsFile(path.join(worse.resultsDir, 'latest.json'));
    expect(results.cases.every((testCase) => testCase.status === 'pass')).toBe(true);
    const verdict = worse.verdict();
    expect(verdict).toMatchObject({ outcome: 'regression', ok: false });
    expect(completeness(verdict.findings)).toEqual([
      [null, 'regression', 5, 3],
      ['chat/edge-ai-one-sentence', 'regression', 5, 2],
      ['chat/introduce-yourself', 'regression', 5, 4],
    ]);
    const others = verdict.findings.filter((finding) => finding.kind !== 'criterion' && finding.outcome === 'regression');
    expect(others).toEqual([]);
    expect(readFileSync(path.join(worse.resultsDir, 'report.md'), 'utf8')).toContain('| paced (all tests) | completeness (key-points) | 5.0/5 (6) | 3.0/5 (6) |');
    expect(readFileSync(path.join(worse.resultsDir, 'report.html'), 'utf8')).toContain('<tr data-outcome="regression"><td>paced (all tests)</td><td>completeness (key-points)</td>');
  });
});
