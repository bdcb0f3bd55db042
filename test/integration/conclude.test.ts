// The end of a run on real files: history, gate, baseline saving, reports and exit codes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concludeRun, type ConcludeOptions } from '../../src/report/conclude.ts';
import { readBaselineFile, saveBaseline, writeJsonAtomic } from '../../src/results/files.ts';
import { DEFAULT_TOLERANCES } from '../../src/stats/gate.ts';
import { buildResults, sampleResults, scaleLatencies } from '../support/results.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-conclude-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const passing = buildResults([
  { model: 'small', prompt: 'chat/greeting', e2eMs: 300 },
  { model: 'small', prompt: 'code/sort', e2eMs: 500 },
  { model: 'small', prompt: 'math/add', e2eMs: 400 },
]);

function options(overrides: Partial<ConcludeOptions['config']> = {}, rest: Partial<ConcludeOptions> = {}): ConcludeOptions {
  const resultsDir = path.join(dir, 'results');
  return {
    config: { resultsDir, baselinePath: undefined, saveBaselinePath: undefined, gate: DEFAULT_TOLERANCES, historyLimit: 20, ...overrides },
    resultsFile: path.join(resultsDir, 'latest.json'),
    state: 'passed',
    unhandledErrors: 0,
    terminal: { width: 80, color: false },
    env: {},
    ...rest,
  };
}

describe('concludeRun', () => {
  it('without a baseline: keeps vitest exit code, writes the reports and a history copy, drops a stale verdict', () => {
    const stale = path.join(dir, 'results', 'gate.json');
    writeJsonAtomic(stale, { ok: true });
    const conclusion = concludeRun(passing, options());
    expect(conclusion.exitCode).toBeNull();
    expect(conclusion.verdict).toBeNull();
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(path.join(dir, 'results')).sort()).toEqual(['history', 'report.html', 'report.md']);
    expect(readdirSync(path.join(dir, 'results', 'history')).sort()).toEqual(['2026-01-02T03-04-05-000Z.json', 'index.jsonl']);
    expect(conclusion.text).toMatch(/^Model +Load  TTFT p50/m);
  });

  it('passes against an equal baseline and writes the verdict as JSON', () => {
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, passing, 'results/latest.json');
    const conclusion = concludeRun(passing, options({ baselinePath }));
    expect(conclusion.exitCode).toBe(0);
    expect(conclusion.text).toContain('Gate passed: no regressions against the baseline');
    const verdict = JSON.parse(readFileSync(path.join(dir, 'results', 'gate.json'), 'utf8')) as { ok: boolean; regressions: unknown[] };
    expect(verdict).toMatchObject({ ok: true, regressions: [] });
  });

  it('fails against a baseline with 50% lower latencies and names the regressed metrics', () => {
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, scaleLatencies(passing, 0.5), null);
    const conclusion = concludeRun(passing, options({ baselinePath }));
    expect(conclusion.exitCode).toBe(1);
    expect(conclusion.text).toContain('Gate failed: 1 regression against the baseline');
    expect(conclusion.text).toContain('✗ small (all prompts): E2E p50 400 ms, baseline 200 ms, +200 ms (+100%)');
    expect(readFileSync(path.join(dir, 'results', 'report.md'), 'utf8')).toContain('| small (all prompts) | E2E p50 | 200 ms | 400 ms | +200 ms (+100%) | 50% or 20 ms |');
  });

  it('lets the gate accept failures within the minimum pass rate, but never an interrupted run', () => {
    const flaky = sampleResults();
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, flaky, null);
    expect(concludeRun(flaky, options({ baselinePath }, { state: 'failed' })).exitCode).toBe(1);
    const tolerant = { ...DEFAULT_TOLERANCES, minPassRate: 0 };
    expect(concludeRun(flaky, options({ baselinePath, gate: tolerant }, { state: 'failed' })).exitCode).toBe(0);
    const interrupted = concludeRun(flaky, options({ baselinePath, gate: tolerant }, { state: 'interrupted' }));
    expect(interrupted.exitCode).toBe(1);
    expect(interrupted.verdict?.ok).toBe(false);
    expect(interrupted.text).toContain('Gate not passed: the run was interrupted (no regressions in what was measured)');
    // What CI tools read says the same as the exit code.
    expect(JSON.parse(readFileSync(path.join(dir, 'results', 'gate.json'), 'utf8'))).toMatchObject({ ok: false, title: expect.stringContaining('Gate not passed') });
    const withErrors = concludeRun(flaky, options({ baselinePath, gate: tolerant }, { unhandledErrors: 1 }));
    expect(withErrors.exitCode).toBe(1);
    expect(withErrors.text).toContain('Gate not passed: the run had 1 error outside tests');
  });

  it('treats results marked as interrupted (read from partial.jsonl) as an interrupted run: no pass, no baseline, no history copy', () => {
    const partial = { ...passing, interrupted: { signal: 'SIGINT', modelsNotReached: ['large'] } };
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, passing, null);
    const saveBaselinePath = path.join(dir, 'new-baseline.json');
    const conclusion = concludeRun(partial, options({ baselinePath, saveBaselinePath }, { state: 'passed' }));
    expect(conclusion.exitCode).toBe(1);
    expect(conclusion.text).toContain('Gate not passed: the run was interrupted');
    expect(conclusion.text).toMatch(/^Interrupted \(SIGINT\): 3 cases measured before the run stopped; not reached:\n {2}large\. Partial results: never a baseline, never passed by the gate\.$/m);
    expect(conclusion.text).toContain('warning: not saving a baseline from an interrupted run');
    expect(existsSync(saveBaselinePath)).toBe(false);
    expect(existsSync(path.join(dir, 'results', 'history'))).toBe(false);
    expect(readFileSync(path.join(dir, 'results', 'report.md'), 'utf8')).toContain('> ⚠️ **Interrupted (SIGINT): 3 cases measured');
  });

  it('saves a baseline that records where it came from, but not from an interrupted run', () => {
    const saveBaselinePath = path.join(dir, 'baselines', 'main.json');
    const interrupted = concludeRun(passing, options({ saveBaselinePath }, { state: 'interrupted' }));
    expect(existsSync(saveBaselinePath)).toBe(false);
    expect(interrupted.text).toContain('warning: not saving a baseline from an interrupted run');
    const saved = concludeRun(passing, options({ saveBaselinePath }));
    expect(saved.text).toContain(`Saved baseline ${saveBaselinePath}`);
    const baseline = readBaselineFile(saveBaselinePath);
    expect(baseline.baseline?.source).toBe(path.join(dir, 'results', 'latest.json'));
    expect(baseline.models).toEqual(passing.models);
  });

  it('exits 2 when the baseline became unreadable during the run', () => {
    const baselinePath = path.join(dir, 'b.json');
    writeFileSync(baselinePath, '{"schemaVersion": 1}');
    const conclusion = concludeRun(passing, options({ baselinePath }));
    expect(conclusion.exitCode).toBe(2);
    expect(conclusion.text).toContain(`error: Baseline file ${baselinePath} (from EVAL_BASELINE) is not an edge-evals results file`);
  });

  it('appends the Markdown to $GITHUB_STEP_SUMMARY and keeps no history with a limit of 0', () => {
    const summary = path.join(dir, 'summary.md');
    concludeRun(passing, options({ historyLimit: 0 }, { env: { GITHUB_STEP_SUMMARY: summary } }));
    expect(readFileSync(summary, 'utf8')).toContain('## edge-evals results');
    expect(existsSync(path.join(dir, 'results', 'history'))).toBe(false);
  });
});
