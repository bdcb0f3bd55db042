// The end of a run on real files: history, gate, baseline saving, reports and exit codes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concludeRun, type ConcludeOptions } from '../../src/report/conclude.ts';
import { checkBaseline, checkedFile, readBaselineFile, ResultsFileError, saveBaseline, writeJsonAtomic } from '../../src/results/files.ts';
import { DEFAULT_GATE_SETTINGS } from '../../src/config/gate-settings.ts';
import { buildResults, sampleResults, scaleLatencies } from '../support/results.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-conclude-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Three repeats of three tests: enough for the gate to rule out a change beyond its tolerance.
const passing = buildResults(
  [0, 1, 2].flatMap((repeat) => [
    { model: 'small', prompt: 'chat/greeting', repeat, ttftMs: 20 + repeat, e2eMs: 300 + repeat },
    { model: 'small', prompt: 'code/sort', repeat, ttftMs: 30 + repeat, e2eMs: 500 + repeat },
    { model: 'small', prompt: 'math/add', repeat, ttftMs: 25 + repeat, e2eMs: 400 + repeat },
  ]),
  { settings: { repeats: 3 } },
);

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function options(overrides: Partial<ConcludeOptions['config']> = {}, rest: Partial<ConcludeOptions> = {}): ConcludeOptions {
  const resultsDir = path.join(dir, 'results');
  return {
    config: { resultsDir, baselinePath: undefined, saveBaselinePath: undefined, gate: DEFAULT_GATE_SETTINGS, historyLimit: 20, ...overrides },
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
    expect(readdirSync(path.join(dir, 'results')).sort()).toEqual(['history', 'junit.xml', 'report.html', 'report.md']);
    expect(readdirSync(path.join(dir, 'results', 'history')).sort()).toEqual(['2026-01-02T03-04-05-000Z.json', 'index.jsonl']);
    expect(conclusion.text).toMatch(/^Model +Load  TTFT p50/m);
  });

  it('passes against an equal baseline and writes the verdict as JSON', () => {
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, passing, 'results/latest.json');
    const conclusion = concludeRun(passing, options({ baselinePath }));
    expect(conclusion.exitCode).toBe(0);
    expect(conclusion.text).toContain('Gate passed: no regressions against the baseline');
    const verdict = JSON.parse(readFileSync(path.join(dir, 'results', 'gate.json'), 'utf8')) as { ok: boolean; outcome: string; title: string; findings: { outcome: string }[] };
    expect(verdict).toMatchObject({ ok: true, outcome: 'pass', title: 'Gate passed: no regressions against the baseline' });
    expect(verdict.findings.map((finding) => finding.outcome)).toEqual(verdict.findings.map(() => 'within'));
  });

  it('fails against a baseline with 50% lower latencies and names the regressed metrics with their evidence', () => {
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, scaleLatencies(passing, 0.5), null);
    const conclusion = concludeRun(passing, options({ baselinePath }));
    expect(conclusion.exitCode).toBe(1);
    expect(conclusion.text).toContain('Gate failed: 2 regressions against the baseline');
    expect(conclusion.text).toMatch(/✗ small: TPOT \+100% \[\+\d+%, \+\d+%\] \(\d+\.\d ms → \d+\.\d ms\): slower beyond the 20%\s+tolerance \(p < 0\.001; 3 tests, 9 and 9 requests\)/);
    expect(conclusion.text).toContain('most changed: ');
    const markdown = readFileSync(path.join(dir, 'results', 'report.md'), 'utf8');
    // Markdown-escaped: `\\[`, `&lt;`.
    expect(markdown).toMatch(/\| small \| TTFT \| 12\.\d ms \| 25\.\d ms \| \+100% \\\[\+\d+%, \+\d+%\\\] \| 5 ms floor \(\+39%\) \| p &lt; 0\.001; 3 tests, 9 and 9 requests\. most changed: /);
  });

  it('judges failures as pass-rate changes and against a minimum, but never passes an interrupted run', () => {
    const flaky = sampleResults();
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, flaky, null);
    // The same failures as the baseline's are no regression; a minimum of 100% makes them one.
    expect(concludeRun(flaky, options({ baselinePath }, { state: 'failed' })).exitCode).toBe(0);
    expect(concludeRun(flaky, options({ baselinePath, gate: { ...DEFAULT_GATE_SETTINGS, minPassRate: 1 } }, { state: 'failed' })).exitCode).toBe(1);
    const tolerant = DEFAULT_GATE_SETTINGS;
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
    expect(conclusion.text).toMatch(/^Interrupted \(SIGINT\): 9 cases measured before the run stopped; not reached:\n {2}large\. Partial results: never a baseline, never passed by the gate\.$/m);
    expect(conclusion.text).toContain('warning: not saving a baseline from an interrupted run');
    expect(existsSync(saveBaselinePath)).toBe(false);
    expect(existsSync(path.join(dir, 'results', 'history'))).toBe(false);
    expect(readFileSync(path.join(dir, 'results', 'report.md'), 'utf8')).toContain('> ⚠️ **Interrupted (SIGINT): 9 cases measured');
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

  it("trusts the eval command's check of the baseline while the file is unchanged, and checks it again once it changed", () => {
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, passing, null);
    const checkedBaseline = checkedFile(baselinePath);
    const trusted = concludeRun(passing, options({ baselinePath }, { checkedBaseline }));
    expect(trusted.exitCode).toBe(0);
    expect(trusted.verdict).toEqual(concludeRun(passing, options({ baselinePath })).verdict);
    writeFileSync(baselinePath, '{"schemaVersion": 1}');
    const changed = concludeRun(passing, options({ baselinePath }, { checkedBaseline }));
    expect(changed.exitCode).toBe(2);
    expect(changed.text).toContain(`error: Baseline file ${baselinePath} (from EVAL_BASELINE) is not an edge-evals results file`);
  });

  it('checks a baseline before the run, keeping only its size and modification time', () => {
    const baselinePath = path.join(dir, 'b.json');
    saveBaseline(baselinePath, passing, null);
    expect(checkBaseline(baselinePath, { origin: 'EVAL_BASELINE' })).toEqual(checkedFile(baselinePath));
    writeFileSync(baselinePath, '{"schemaVersion": 1}');
    const inPlace = errorOf(() => readBaselineFile(baselinePath, { origin: 'EVAL_BASELINE' }));
    expect(() => checkBaseline(baselinePath, { origin: 'EVAL_BASELINE' })).toThrow(new ResultsFileError(inPlace.message));
    const missing = path.join(dir, 'missing.json');
    expect(() => checkBaseline(missing, { hint: 'Save one first.' })).toThrow(`Baseline file ${missing} does not exist. Save one first.`);
  });

  it('appends the Markdown to $GITHUB_STEP_SUMMARY and keeps no history with a limit of 0', () => {
    const summary = path.join(dir, 'summary.md');
    concludeRun(passing, options({ historyLimit: 0 }, { env: { GITHUB_STEP_SUMMARY: summary } }));
    expect(readFileSync(summary, 'utf8')).toContain('## edge-evals results');
    expect(existsSync(path.join(dir, 'results', 'history'))).toBe(false);
  });
});
