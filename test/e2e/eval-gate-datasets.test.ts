// The gate on a dataset end to end: `npm run eval -- evals/examples/datasets.eval.ts` against an
// OpenAI-compatible endpoint whose answers are written in advance, saved as a baseline, then run
// against one that no longer knows the capitals. A dataset's rows are the strata of one test: the
// capitals newly failing are one pass-rate regression for `capitals/capital-of`, with its rows
// named, and no finding names a row.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateVerdict, PassRateFinding } from '../../src/stats/gate.ts';
import { evalRun } from '../support/eval-run.ts';
import { EXAMPLE_ANSWERS } from '../support/example-answers.ts';
import { startScriptedChatServer, type ScriptedChatServer } from '../support/scripted-chat-server.ts';

const DATASETS = 'evals/examples/datasets.eval.ts';
// Latency is not this test's subject: on a shared test machine it must not decide the verdict.
const LOOSE_TOLERANCES = 'ttft=300%+100ms,tpot=300%+10ms';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-gate-datasets-'));
let knowing: ScriptedChatServer;
let forgetful: ScriptedChatServer;
beforeAll(async () => {
  knowing = await startScriptedChatServer('scripted', EXAMPLE_ANSWERS);
  // The same answers, but not the capitals: "I don't know." to each.
  forgetful = await startScriptedChatServer('scripted', EXAMPLE_ANSWERS.filter((answer) => !/capital of \w+\\\?/.test(answer.when.source)));
});
afterAll(async () => {
  await Promise.all([knowing.close(), forgetful.close()]);
  rmSync(work, { recursive: true, force: true });
});

const run = (name: string, server: ScriptedChatServer, args: string[], env: Record<string, string> = {}) =>
  evalRun([DATASETS, ...args], {
    EVAL_RUNTIME: 'openai',
    EVAL_BASE_URL: server.url,
    EVAL_HISTORY_LIMIT: '0',
    EVAL_GATE_TOLERANCES: LOOSE_TOLERANCES,
    EDGE_EVALS_CACHE: path.join(work, 'cache'),
    EVAL_RESULTS_DIR: path.join(work, name),
    ...env,
  });

describe('the gate on a dataset, through npm run eval', { timeout: 600_000 }, () => {
  it('fails rows that newly fail as one regression of their dataset, the rows named, and names no row in any finding', async () => {
    const baselineFile = path.join(work, 'baseline.json');
    const saved = await run('baseline', knowing, ['--save-baseline', baselineFile]);
    expect(saved.exitCode, saved.all).toBe(0);

    const forgot = await run('forgot', forgetful, [], { EVAL_BASELINE: baselineFile });
    expect(forgot.exitCode, forgot.all).toBe(1);
    const text = forgot.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Gate failed: 1 regression against the baseline');
    expect(text).toMatch(/✗ scripted > capitals\/capital-of: pass rate 0\/3 .*baseline 3\/3 .*: a drop beyond chance \(p = 0\.05\); 3 of 3 rows newly failing \(brazil, france, japan\)/);

    const verdict = JSON.parse(readFileSync(path.join(work, 'forgot', 'gate.json'), 'utf8')) as GateVerdict & { counts: Record<string, number> };
    expect(verdict).toMatchObject({ outcome: 'regression', ok: false, counts: { regression: 1 } });
    const regression = verdict.findings.filter((finding): finding is PassRateFinding => finding.outcome === 'regression');
    expect(regression).toEqual([
      expect.objectContaining({ kind: 'pass-rate', test: 'capitals/capital-of', rows: { rows: 3, added: 0, removed: 0, newlyFailing: { count: 3, rows: ['brazil', 'france', 'japan'] }, newlyPassing: { count: 0, rows: [] } } }),
    ]);
    // Each dataset is one test: its latency one finding a metric, over its rows; no finding names a row.
    const datasets = ['arithmetic/add', 'capitals/capital-of', 'spelling/count-letters', 'translations/translate'];
    const ttft = verdict.findings.filter((finding) => finding.kind === 'latency' && finding.metric === 'ttftMs');
    expect(ttft.map((finding) => 'test' in finding && finding.test).sort()).toEqual(datasets);
    for (const finding of verdict.findings) if ('test' in finding && finding.test !== null) expect(datasets).toContain(finding.test);
  });
});
