// `edge-evals rate` in a real terminal (a pseudo-terminal from python3's pty module): keys
// 1-5 per criterion, skip, back, show the model, quit; the ratings saved after every answer and
// resumed where they stopped; merged into `edge-evals report` with their agreement with the
// judge and the model-free scorers. Without a terminal it refuses, with exit code 2.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { CriterionScore } from '../../src/contract/criteria.ts';
import { Results } from '../../src/contract/results.ts';
import { refreshCriteria } from '../../src/results/criteria.ts';
import { EDGE_EVALS_BIN, runCli } from '../support/processes.ts';
import { buildResults } from '../support/results.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-rate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const PTY_KEYS = new URL('../support/pty-keys.py', import.meta.url).pathname;

const score = (criterion: CriterionScore['criterion'], value: number, source: 'rules' | 'judge'): CriterionScore => ({ criterion, score: value, reason: 'r', source, scorer: source === 'judge' ? 'judge:big' : 'test' });

/** Three answers to one question, scored by the rules and a judge; a fourth, an error, that nobody rates. */
function writeResults(): string {
  const question = [{ role: 'user' as const, content: 'Explain quantum computing in simple terms.' }];
  const answers: [string, string, number][] = [
    ['tiny', 'Qubits are 0 and 1 at once.', 2],
    ['small', 'A qubit can be in a superposition of 0 and 1.\n    Indented code-like line stays indented.', 4],
    ['medium', 'Quantum computers use qubits, superposition, entanglement and interference.', 5],
  ];
  const base = buildResults([
    ...answers.map(([model, response]) => ({ model, prompt: 'reasoning/quantum', response })),
    { model: 'broken', prompt: 'reasoning/quantum', status: 'error' as const, error: 'boom' },
  ]);
  const scored = (alias: string) => answers.find(([model]) => model === alias)?.[2];
  const cases = base.cases.map((testCase) => {
    const value = scored(testCase.model);
    const criteria = value === undefined ? [] : (['accuracy', 'completeness', 'clarity'] as const).flatMap((criterion) => [score(criterion, value, 'rules'), score(criterion, value, 'judge')]);
    return { ...testCase, messages: question, criteria };
  });
  const criteria = { weights: { accuracy: 0.4, completeness: 0.3, clarity: 0.2, speed: 0.1 }, categoryWeights: {}, headline: { accuracy: 'judge', completeness: 'judge', clarity: 'judge', speed: 'rules' } as const, judge: null, agreement: [] };
  const file = path.join(folder, 'latest.json');
  writeFileSync(file, JSON.stringify(Results.parse(refreshCriteria({ ...base, cases, criteria }))));
  return file;
}

async function rate(file: string, keys: string, extra: string[] = []) {
  const run = await execa('python3', [PTY_KEYS, '[1-5] ', keys, process.execPath, EDGE_EVALS_BIN, 'rate', file, ...extra], { reject: false, timeout: 120_000, env: { NO_COLOR: '1', COLUMNS: '100' } });
  const exit = /\nEXIT (\d+)\s*$/.exec(run.stdout);
  return { output: run.stdout, exitCode: exit === null ? null : Number(exit[1]) };
}

const ratings = () => (JSON.parse(readFileSync(path.join(folder, 'ratings.json'), 'utf8')) as { ratings: { model: string; scores: Record<string, number> | null }[] }).ratings;

describe('edge-evals rate', () => {
  const file = writeResults();

  it('shows an answer with its question, hides the model until asked, and saves after every answer until q', async () => {
    const first = await rate(file, '5r4?3' + 'q');
    expect(first.exitCode, first.output).toBe(0);
    expect(first.output).toContain('Question: Explain quantum computing in simple terms.');
    expect(first.output).toContain('model hidden (r shows it)');
    expect(first.output).toMatch(/── Answer 1 of 3 · reasoning\/quantum/);
    expect(first.output).toMatch(/\n {2}model: \w+/);
    expect(first.output).toContain('1-5 rate · s skip this answer · b back · r show the model · q quit');
    expect(first.output).toContain('Stopped: 1 rated, 0 skipped this time; 2 still to rate.');
    const saved = ratings();
    expect(saved).toHaveLength(1);
    expect(saved[0]?.scores).toEqual({ accuracy: 5, completeness: 4, clarity: 3 });
  }, 120_000);

  it('resumes with the answers not yet rated, skips, goes back, and keeps indentation', async () => {
    const second = await rate(file, 's' + 'b' + '123' + '45' + 'b' + '55');
    expect(second.exitCode, second.output).toBe(0);
    expect(second.output).toMatch(/── Answer 1 of 2 ·/);
    expect(second.output).toContain('skipped');
    expect(second.output).toContain('Done: 2 rated, 0 skipped this time; 0 still to rate.');
    const saved = ratings();
    expect(saved).toHaveLength(3);
    expect(saved.every((rating) => rating.scores !== null)).toBe(true);
    expect(saved.map((rating) => rating.scores?.clarity)).toEqual([3, 3, 5]);
    const again = await rate(file, '');
    expect(again.output).toContain('is rated');
  }, 120_000);

  it('merges the ratings into the reports, with their agreement with the judge', async () => {
    const report = await runCli(['report', file]);
    expect(report.exitCode, report.all).toBe(0);
    const markdown = readFileSync(path.join(folder, 'report.md'), 'utf8');
    expect(markdown).toContain('### Agreement');
    expect(markdown).toMatch(/\| accuracy \| people and the judge \| 3 \| -?\d\.\d\d \| -?\d\.\d\d \|/);
    expect(readFileSync(path.join(folder, 'report.html'), 'utf8')).toContain('rated by a person on');
  }, 120_000);

  it('refuses to run without a terminal', async () => {
    writeFileSync(path.join(folder, 'ratings.json'), JSON.stringify({ ratingsVersion: 1, ratings: [] }));
    const run = await runCli(['rate', file]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('edge-evals rate reads single keys from a terminal; stdin is not one.');
  });
});
