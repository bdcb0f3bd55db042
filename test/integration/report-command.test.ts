// `edge-evals report` as a user runs it: a real process, real files, its exit codes.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { saveBaseline, saveToHistory, writeJsonAtomic } from '../../src/results/files.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { buildResults, partialLines, recordedCase, sampleResults, scaleLatencies, type CaseSpec } from '../support/results.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-report-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const results = sampleResults();
const resultsFile = path.join(folder, 'results', 'latest.json');
writeJsonAtomic(resultsFile, results);

function report(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [path.join(PROJECT_ROOT, 'bin/edge-evals.js'), 'report', ...args], {
    cwd: folder,
    env: { NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...env },
    reject: false,
    timeout: 30_000,
  });
}

describe('edge-evals report', () => {
  it('writes report.md and report.html next to the results and prints the table', async () => {
    const run = await report([resultsFile]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Model                 Load  TTFT p50');
    expect(run.stdout).toContain('Wrote results/report.md\nWrote results/report.html');
    expect(readFileSync(path.join(folder, 'results', 'report.md'), 'utf8')).toContain('| **fixture-small** | 1.20 s |');
    expect(readFileSync(path.join(folder, 'results', 'report.html'), 'utf8')).toContain('<section id="responses">');
  });

  it('exits 1 and names the regressed metrics when the gate trips, and appends to the job summary', async () => {
    const baselineFile = path.join(folder, 'fast-baseline.json');
    saveBaseline(baselineFile, scaleLatencies(results, 0.5), 'results/latest.json');
    const summary = path.join(folder, 'summary.md');
    appendFileSync(summary, '# earlier step\n');
    const run = await report([resultsFile, '--baseline', baselineFile, '--markdown', 'custom.md', '--html=custom.html'], {
      GITHUB_STEP_SUMMARY: summary,
      EVAL_MIN_PASS_RATE: '0.5',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('Gate failed: 3 regressions against the baseline (1 too noisy to tell)');
    expect(run.stdout).toContain('✗ fixture-small: TPOT +100% [+98%, +102%] (2.2 ms → 4.4 ms): slower beyond the');
    // 0 of 2 passed, under the minimum of 50%, though 2 repeats cannot show it is.
    expect(run.stdout).toContain('? fixture-tiny-with-a-rather-long-alias > code/sort-function: pass rate 0/2');
    const jobSummary = readFileSync(summary, 'utf8');
    expect(jobSummary.startsWith('# earlier step\n## edge-evals results')).toBe(true);
    expect(jobSummary).toContain('### ❌ Gate failed: 3 regressions against the baseline (1 too noisy to tell)');
    expect(readFileSync(path.join(folder, 'custom.md'), 'utf8')).toBe(jobSummary.slice('# earlier step\n'.length, -1));
    expect(readFileSync(path.join(folder, 'custom.html'), 'utf8')).toContain('<p class="verdict failed">');
  });

  it('plans repeats from the spread in a results file with --power, writing no report', async () => {
    const run = await report([resultsFile, '--power', '50%'], { EVAL_GATE_TOLERANCES: 'tpot=10%' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Repeats the gate needs, from the spread in this file (95% confidence, 80% power):');
    expect(run.stdout).toMatch(/^ {2}fixture-small TPOT: spread 1% a request over 2 repeats of 3 tests; 2 repeats to call a \+50% slowdown a regression; 2 repeats to pass an unchanged run against the \+10% threshold$/m);
    expect(run.stdout).toContain('fixture-tiny-with-a-rather-long-alias TTFT: spread 0% a request over 2 repeats of 3 tests; a +50% slowdown stays within the +72% threshold');
  });

  it('passes the gate against its own results saved as a baseline', async () => {
    const baselineFile = path.join(folder, 'same.json');
    saveBaseline(baselineFile, results, null);
    const run = await report([resultsFile, '--baseline', baselineFile], { EVAL_MIN_PASS_RATE: '0' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Gate passed: no regressions against the baseline');
  });

  it('shows the trend over the runs kept in the history folder', async () => {
    const dir = path.join(folder, 'with-history');
    for (const day of [1, 2, 3]) saveToHistory(dir, scaleLatencies(sampleResults(`2026-01-0${day}T00:00:00.000Z`), day));
    writeJsonAtomic(path.join(dir, 'latest.json'), results);
    const run = await report([path.join(dir, 'latest.json'), '--history', '2']);
    expect(run.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('### Trend over the last 2 runs');
  });

  it('exits 2 with a clear message, no stack trace, for a missing results file or a corrupt baseline', async () => {
    const missing = await report(['nowhere.json']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(`error: Results file ${path.join(folder, 'nowhere.json')} does not exist.`);

    const corrupt = path.join(folder, 'corrupt.json');
    writeFileSync(corrupt, '{"schemaVersion": 1,');
    const bad = await report([resultsFile, '--baseline', corrupt]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^error: Baseline file .*corrupt\.json \(from --baseline\) is not valid JSON: .* at line 1, column 21$/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('renders the reports of an interrupted run from its partial.jsonl, and never passes the gate on it', async () => {
    const dir = path.join(folder, 'interrupted');
    const specs: CaseSpec[] = [
      { model: 'fixture-tiny', prompt: 'chat/greeting', e2eMs: 100 },
      { model: 'fixture-tiny', prompt: 'code/sort', e2eMs: 150 },
    ];
    const partialFile = path.join(dir, 'partial.jsonl');
    mkdirSync(dir);
    // The run died while writing its third case.
    writeFileSync(partialFile, `${partialLines(specs.map(recordedCase))}{"case": {"name": "fixture-tiny > re`);
    const baselineFile = path.join(folder, 'interrupted-baseline.json');
    saveBaseline(baselineFile, buildResults(specs), null);

    const run = await report([partialFile, '--baseline', baselineFile]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^warning: Partial results file .*partial\.jsonl: skipped its last line \(3\), cut short when the run stopped: not valid JSON: /);
    expect(run.stdout).toMatch(/^Interrupted: 2 cases measured before the run stopped\. Partial results:/m);
    expect(run.stdout).toMatch(/^fixture-tiny\s/m);
    expect(run.stdout).toContain('Gate not passed: the run was interrupted (no regressions in what was measured)');
    expect(run.stdout).toContain('Wrote interrupted/report.md\nWrote interrupted/report.html');
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('> ⚠️ **Interrupted: 2 cases measured before the run stopped.');
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('<p class="verdict interrupted" id="interrupted">Interrupted: 2 cases measured');

    const lines = partialLines(specs.map(recordedCase)).split('\n');
    writeFileSync(partialFile, [lines[0], '{"case": oops}', lines[1], ''].join('\n'));
    const corrupt = await report([partialFile]);
    expect(corrupt.exitCode).toBe(2);
    expect(corrupt.stderr).toBe(
      `error: Partial results file ${partialFile}, line 2: expected one recorded eval case per line, got a line that is not valid JSON: Unexpected token 'o' at line 2, column 10`,
    );
  });

  it('exits 2 on a usage mistake and prints the usage', async () => {
    const unknown = await report([resultsFile, '--pdf', 'x']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--pdf'");
    expect(unknown.stderr).toContain('Usage: edge-evals report <results.json | partial.jsonl> [options]');
    const help = await report(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--baseline <file>');
  });
});
