// Reading results/partial.jsonl back after an interrupted run: whole lines, a last line cut
// short by a crash, a broken line elsewhere, an empty file, and the results built from them.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS } from '../../src/config/weights.ts';
import { Results } from '../../src/contract/results.ts';
import { ResultsFileError } from '../../src/results/files.ts';
import { parsePartialCases, readPartialCases, readPartialResults } from '../../src/results/partial.ts';
import { partialLines, recordedCase } from '../support/results.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-partial-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const LABEL = 'Partial results file results/partial.jsonl';
const CONFIG = { runtime: 'auto' as const, repeats: 2, warmup: 1, maxTokens: 128, temperature: 0, seed: 7, weights: DEFAULT_WEIGHTS, promptCache: 'cold' as const };
const PLAN = { runtime: 'embedded' as const, reason: 'EVAL_RUNTIME=embedded', models: ['fixture-tiny', 'fixture-small', 'fixture-medium'] };

const cases = [
  recordedCase({ model: 'fixture-small', prompt: 'chat/greeting', e2eMs: 300 }),
  recordedCase({ model: 'fixture-tiny', prompt: 'chat/greeting', e2eMs: 100 }),
  recordedCase({ model: 'fixture-tiny', prompt: 'code/sort', status: 'fail', e2eMs: 120 }),
];
const whole = partialLines(cases);

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('parsePartialCases', () => {
  it('reads every line as the case recorded, in order', () => {
    const parsed = parsePartialCases(whole, LABEL);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.metas).toEqual(cases);
  });

  it('reads the judge phase\'s lines as verdicts, and merges them into the cases they judged', () => {
    const verdict = {
      caseName: cases[1]?.case.name ?? '',
      judge: { alias: 'big-judge', modelId: 'big-judge-q4', runtime: 'ollama' },
      scores: [{ criterion: 'accuracy' as const, score: 4.6, reason: 'right', source: 'judge' as const, scorer: 'judge:big-judge', method: 'logprob-weighted' as const }],
      errors: [],
    };
    const parsed = parsePartialCases(`${whole}${JSON.stringify({ verdict })}\n`, LABEL);
    expect(parsed.metas).toEqual(cases);
    expect(parsed.verdicts).toEqual([verdict]);
    const file = path.join(folder, 'judged.jsonl');
    writeFileSync(file, `${whole}${JSON.stringify({ verdict })}\n`);
    const { results } = readPartialResults(file, { config: CONFIG, plan: PLAN, signal: 'SIGINT' });
    expect(results.cases.find((testCase) => testCase.name === verdict.caseName)?.criteria?.find((score) => score.source === 'judge')?.score).toBe(4.6);
    expect(results.criteria?.judge).toMatchObject({ alias: 'big-judge', scoring: 'logprob-weighted', verdicts: 1 });
  });

  it('skips a last line cut short by a crash, with a warning that names the line', () => {
    const cut = `${whole}${JSON.stringify(recordedCase({ model: 'fixture-small', prompt: 'code/sort' })).slice(0, 80)}`;
    const parsed = parsePartialCases(cut, LABEL);
    expect(parsed.metas).toEqual(cases);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^Partial results file results\/partial\.jsonl: skipped its last line \(4\), cut short when the run stopped: not valid JSON: .* at line 4, column \d+$/);
  });

  it('also skips a last line that is JSON but not a whole case', () => {
    const parsed = parsePartialCases(`${whole}{"case": {"name": "x"}}\n\n`, LABEL);
    expect(parsed.metas).toHaveLength(3);
    expect(parsed.warnings[0]).toContain('skipped its last line (4)');
    expect(parsed.warnings[0]).toContain('not a recorded eval case: case.model:');
  });

  it('rejects a broken line before the last, naming the file and the line', () => {
    const lines = whole.split('\n');
    const corrupt = [lines[0], '{"case": oops}', lines[1], lines[2], ''].join('\n');
    const error = thrown(() => parsePartialCases(corrupt, LABEL));
    expect(error).toBeInstanceOf(ResultsFileError);
    expect(error.message).toMatch(/^Partial results file results\/partial\.jsonl, line 2: expected one recorded eval case per line, got a line that is not valid JSON: .* at line 2, column 10$/);

    const wrongShape = [lines[0], JSON.stringify({ ...cases[1], case: { ...cases[1]?.case, status: 'maybe' } }), lines[2], ''].join('\n');
    expect(thrown(() => parsePartialCases(wrongShape, LABEL)).message).toMatch(/, line 2: expected one recorded eval case per line, got a line that is not a recorded eval case: case\.status: /);
  });

  it('finds no case in an empty file', () => {
    expect(parsePartialCases('', LABEL)).toEqual({ metas: [], verdicts: [], warnings: [] });
    expect(parsePartialCases('\n \n', LABEL)).toEqual({ metas: [], verdicts: [], warnings: [] });
  });
});

describe('readPartialResults', () => {
  it('builds results marked as interrupted, in the plan order, with the models not reached', () => {
    const file = path.join(folder, 'partial.jsonl');
    writeFileSync(file, whole);
    const lastWrite = new Date('2026-03-04T05:06:07.000Z');
    utimesSync(file, lastWrite, lastWrite);
    const { results, warnings } = readPartialResults(file, { config: CONFIG, plan: PLAN, signal: 'SIGINT' });
    expect(warnings).toEqual([]);
    expect(Results.parse(results)).toEqual(results);
    expect(results.interrupted).toEqual({ signal: 'SIGINT', modelsNotReached: ['fixture-medium'] });
    expect(results.models.map((model) => [model.alias, model.cases, model.passed, model.failed])).toEqual([
      ['fixture-tiny', 2, 1, 1],
      ['fixture-small', 1, 1, 0],
    ]);
    expect(results.runtime).toEqual({ name: 'embedded', version: '3.21.1', reason: 'EVAL_RUNTIME=embedded' });
    expect(results.settings).toMatchObject({ repeats: 2, warmup: 1, maxTokens: 128, seed: 7 });
    // Without a run to date it, the results date from the last case written.
    expect(results.createdAt).toBe(lastWrite.toISOString());
  });

  it('without a plan, lists no models as not reached and keeps the order of the file', () => {
    const file = path.join(folder, 'no-plan.jsonl');
    writeFileSync(file, whole);
    const { results } = readPartialResults(file, { config: CONFIG, plan: null, signal: null, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(results.interrupted).toEqual({ signal: null, modelsNotReached: [] });
    expect(results.models.map((model) => model.alias)).toEqual(['fixture-small', 'fixture-tiny']);
  });

  it('is an error for a file without a case, and for a missing file', () => {
    const empty = path.join(folder, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(thrown(() => readPartialResults(empty, { config: CONFIG, plan: PLAN, signal: null })).message).toBe(
      `Partial results file ${empty} holds no measured case: the run stopped before its first case finished.`,
    );
    const missing = path.join(folder, 'missing.jsonl');
    expect(thrown(() => readPartialCases(missing)).message).toBe(`Partial results file ${missing} does not exist.`);
    expect(thrown(() => readPartialCases(folder)).message).toBe(`Partial results file ${folder} is a folder, not a JSON Lines file.`);
  });
});
