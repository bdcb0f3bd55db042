// The gate's three verdicts end to end, as CI gets them: `npm run eval` with EVAL_BASELINE
// against an OpenAI-compatible server whose speed the test sets (EVAL_RUNTIME=openai), so the
// verdict is known before the run starts. Two chat tests, three repeats, an answer of 13 tokens
// that passes their checks; the first token after 100 ms, then one every 20 ms. The server
// writes each token at its time from the request's arrival, so timer lag on a busy machine
// does not add up over the answer: TPOT keeps the default 20% tolerance. TTFT is the test's
// constant, not its subject: on a test machine running other suites at once a 100 ms first
// token lagged by up to 30 ms, so every run judges it against 100% + 50 ms.
//   pass          the same speed: every change beyond the tolerance is ruled out
//   regression    every token twice as slow: TPOT +100%, TTFT unchanged
//   inconclusive  tokens as fast on average but scattered (30, 22 and 12 ms in turn): the
//                 spread hides whether TPOT moved by 20%, and the verdict says what it would need
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/results/files.ts';
import type { GateVerdict, LatencyFinding } from '../../src/stats/gate.ts';
import { startPacedServer, type PacedServer } from '../fixtures/streams/paced-server.ts';
import { gatedRun as gatedRunOf, RUN_TIMEOUT_MS } from '../support/gated-run.ts';

const ANSWER = 'Hello, I am an assistant model: edge AI runs models locally on devices.';
const STEADY = { firstTokenMs: 100, tokenMs: 20 };
const LOAD_PROOF_TTFT = 'ttft=100%+50ms';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-verdicts-'));
let server: PacedServer;

beforeAll(async () => {
  server = await startPacedServer({ model: 'paced', answer: ANSWER, pace: STEADY });
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const gatedRun = (name: string, env: Record<string, string> = {}) => gatedRunOf({ work, baseURL: server.baseURL, tolerances: LOAD_PROOF_TTFT }, name, env);

const tpotOf = (verdict: GateVerdict) => verdict.findings.find((finding): finding is LatencyFinding => finding.kind === 'latency' && finding.metric === 'tpotMs');
const ttftOf = (verdict: GateVerdict) => verdict.findings.find((finding): finding is LatencyFinding => finding.kind === 'latency' && finding.metric === 'ttftMs');

describe('the gate through npm run eval, against a server of known speed', { timeout: RUN_TIMEOUT_MS * 5 }, () => {
  const baselineFile = path.join(work, 'baseline.json');

  it('saves a baseline with cold prompts and the machine calibrated, then passes an unchanged run', async () => {
    const saved = gatedRun('baseline', { EVAL_SAVE_BASELINE: baselineFile });
    const savedRun = await saved.output();
    expect(savedRun.exitCode, savedRun.all).toBe(0);
    const results = readResultsFile(baselineFile);
    expect(results.cases).toHaveLength(6);
    expect(results.cases.every((testCase) => testCase.status === 'pass')).toBe(true);
    expect(results.settings.promptCache).toBe('cold');
    expect(results.calibration?.start.cpuMs).toBeGreaterThan(0);
    expect(results.calibration?.end.loopbackMs).toBeGreaterThan(0);
    expect(results.models[0]?.otherCpuPercent).not.toBeNull();
    // No switch on a generic endpoint: every measured request began with its own nonce.
    const nonces = server.chats.map((chat) => (chat.body as { messages: { role: string; content: string }[] }).messages[0]?.content ?? '').filter((content) => content.startsWith('Request '));
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(nonces.length).toBeGreaterThanOrEqual(6);

    const unchanged = gatedRun('unchanged', { EVAL_BASELINE: baselineFile });
    const { exitCode, all, text } = await unchanged.output();
    expect(exitCode, all).toBe(0);
    expect(text).toContain('Gate passed: no regressions against the baseline');
    const verdict = unchanged.verdict();
    expect(verdict).toMatchObject({ outcome: 'pass', ok: true, title: expect.stringContaining('Gate passed') });
    expect(tpotOf(verdict)?.outcome).toBe('within');
    expect(tpotOf(verdict)?.ratio).toBeGreaterThan(0.85);
    expect(tpotOf(verdict)?.ratio).toBeLessThan(1.15);
    expect(readFileSync(path.join(unchanged.resultsDir, 'report.md'), 'utf8')).toContain('### ✅ Gate passed');
  });

  it('fails a run whose every token is twice as slow, naming TPOT with its interval and evidence', async () => {
    server.setPace({ ...STEADY, tokenMs: 40 });
    const slower = gatedRun('slower', { EVAL_BASELINE: baselineFile });
    const { exitCode, all, text } = await slower.output();
    expect(exitCode, all).toBe(1);
    expect(text).toContain('Gate failed: 1 regression against the baseline');
    expect(text).toMatch(/✗ paced: TPOT \+\d+% \[\+\d+%, \+\d+%\] \((19|2\d)\.\d ms → (39|4\d)\.\d ms\): slower beyond the 20% tolerance \(p = 0\.003; 2 tests, 6 and 6 requests\) most changed: chat\//);
    const verdict = slower.verdict();
    expect(verdict).toMatchObject({ outcome: 'regression', ok: false });
    const tpot = tpotOf(verdict);
    expect(tpot?.ratio).toBeGreaterThan(1.7);
    expect(tpot?.ratio).toBeLessThan(2.2);
    expect(tpot?.tests.map((test) => test.test)).toEqual(['chat/edge-ai-one-sentence', 'chat/introduce-yourself']);
    expect(ttftOf(verdict)?.outcome).toBe('within');
    const html = readFileSync(path.join(slower.resultsDir, 'report.html'), 'utf8');
    expect(html).toContain('<tr data-outcome="regression"><td>paced</td><td>TPOT</td>');
  });

  it('calls scattered repeats too noisy to tell, passing by default and failing when strict, with the repeats it would need', async () => {
    server.setPace({ ...STEADY, tokenMs: [30, 22, 12] });
    const noisy = gatedRun('noisy', { EVAL_BASELINE: baselineFile });
    const { exitCode, all, text } = await noisy.output();
    expect(exitCode, all).toBe(0);
    expect(text).toMatch(/Gate inconclusive: \d figures? too noisy to tell, not failing \(EVAL_GATE_INCONCLUSIVE=lenient\)/);
    expect(text).toMatch(/\? paced: TPOT [+-±][\d.]+% \[-\d+%, \+\d+%\] \([\d.]+ ms → [\d.]+ ms\): too noisy to tell against the 20% tolerance \(2 tests, 6 and 6 requests\); spread \d+% a request: about \d+ repeats of each test \(EVAL_REPEATS\) would tell/);
    const verdict = noisy.verdict();
    expect(verdict).toMatchObject({ outcome: 'inconclusive', ok: true });
    expect(tpotOf(verdict)?.outcome).toBe('inconclusive');
    expect(tpotOf(verdict)?.plan?.repeats).toBeGreaterThan(3);

    const strict = gatedRun('noisy-strict', { EVAL_BASELINE: baselineFile, EVAL_GATE_INCONCLUSIVE: 'strict' });
    const strictRun = await strict.output();
    expect(strictRun.exitCode, strictRun.all).toBe(1);
    expect(strict.verdict()).toMatchObject({ outcome: 'inconclusive', ok: false, title: expect.stringContaining('failing (EVAL_GATE_INCONCLUSIVE=strict)') });
  });
});
