import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/env.ts';
import { toBaseline } from '../../src/contract/baseline.ts';
import {
  loadHistory,
  measuredTests,
  readBaselineFile,
  readResultsFile,
  ResultsFileError,
  saveToHistory,
  writeJsonAtomic,
} from '../../src/results/files.ts';
import { buildResults } from '../support/results.ts';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-files-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const sample = (createdAt = '2026-01-02T03:04:05.000Z') => buildResults([{ model: 'small', prompt: 'chat/greeting' }], { createdAt });

function errorOf(action: () => unknown): ResultsFileError {
  try {
    action();
  } catch (error) {
    if (error instanceof ResultsFileError) return error;
    throw error;
  }
  throw new Error('expected a ResultsFileError');
}

describe('writeJsonAtomic', () => {
  it('writes indented JSON that reads back, replacing the old file and leaving no temp file', () => {
    const file = path.join(folder, 'nested', 'latest.json');
    writeJsonAtomic(file, { first: true });
    writeJsonAtomic(file, sample());
    expect(readResultsFile(file)).toEqual(sample());
    expect(readFileSync(file, 'utf8')).toMatch(/^\{\n {2}"schemaVersion": 3,/);
    expect(readdirSync(path.dirname(file))).toEqual(['latest.json']);
  });

  it('leaves no temp file behind when the rename fails', () => {
    const target = path.join(folder, 'taken');
    mkdirSync(path.join(target, 'child'), { recursive: true });
    expect(() => writeJsonAtomic(target, sample())).toThrow();
    expect(readdirSync(folder)).toEqual(['taken']);
  });
});

describe('readBaselineFile and readResultsFile', () => {
  it('reads a saved baseline and a plain results file as a baseline', () => {
    const baselineFile = path.join(folder, 'b.json');
    const baseline = toBaseline(sample(), { savedAt: '2026-01-02T04:00:00.000Z', source: 'results/latest.json' });
    writeJsonAtomic(baselineFile, baseline);
    expect(readBaselineFile(baselineFile)).toEqual(baseline);
    const resultsFile = path.join(folder, 'latest.json');
    writeJsonAtomic(resultsFile, sample());
    expect(readBaselineFile(resultsFile).baseline).toBeUndefined();
  });

  it('says a missing file does not exist, where its path came from, and what to do', () => {
    const file = path.join(folder, 'missing.json');
    const error = errorOf(() => readBaselineFile(file, { origin: 'EVAL_BASELINE', hint: 'Save one with --save-baseline.' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`Baseline file ${file} (from EVAL_BASELINE) does not exist. Save one with --save-baseline.`);
  });

  it('rejects a folder, an empty file and an unreadable file', () => {
    expect(errorOf(() => readResultsFile(folder)).message).toBe(`Results file ${folder} is a folder, not a JSON file.`);
    const empty = path.join(folder, 'empty.json');
    writeFileSync(empty, '  \n');
    expect(errorOf(() => readResultsFile(empty)).message).toContain('is empty');
    if (process.getuid?.() !== 0) {
      const locked = path.join(folder, 'locked.json');
      writeFileSync(locked, '{}');
      chmodSync(locked, 0o000);
      expect(errorOf(() => readResultsFile(locked)).message).toContain('cannot be read: permission denied');
    }
  });

  it('points at the line and column of corrupt JSON', () => {
    const file = path.join(folder, 'corrupt.json');
    writeFileSync(file, '{\n  "schemaVersion": 1,\n  "models": [}\n');
    const error = errorOf(() => readBaselineFile(file));
    expect(error.message).toMatch(new RegExp(`^Baseline file ${file} is not valid JSON: Unexpected token '}' at line 3, column 14$`));
    expect(error.message).not.toContain('    at ');
  });

  it('lists schema problems with their paths', () => {
    const file = path.join(folder, 'invalid.json');
    const broken = JSON.parse(JSON.stringify(sample())) as Record<string, unknown> & { models: { summary: { ttftMs: { p50: unknown } } }[] };
    broken.models[0]!.summary.ttftMs.p50 = 'fast';
    delete broken.machine;
    writeFileSync(file, JSON.stringify(broken));
    const error = errorOf(() => readBaselineFile(file, { origin: '--baseline' }));
    expect(error.message.split('\n')[0]).toBe(`Baseline file ${file} (from --baseline) is not an edge-evals results file (schema version 3):`);
    expect(error.message).toContain('  machine: ');
    expect(error.message).toMatch(/ {2}models\[0\]\.summary\.ttftMs\.p50: .*expected number/);
  });

  it('names the schema version a file was written with when it is not ours', () => {
    const file = path.join(folder, 'future.json');
    writeFileSync(file, JSON.stringify({ ...sample(), schemaVersion: 4 }));
    expect(errorOf(() => readBaselineFile(file)).message).toBe(
      `Baseline file ${file} uses results schema version 4; this edge-evals reads version 3. Re-create it with this version.`,
    );
  });

  it('reads a version 1 file (before prompt caches and machine load were recorded) with those fields as not recorded', () => {
    const file = path.join(folder, 'version-1.json');
    const current = sample();
    const strip = <T extends object>(value: T, ...keys: string[]) => Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
    const older = {
      ...strip(current, 'calibration'),
      schemaVersion: 1,
      settings: strip(current.settings, 'promptCache'),
      models: current.models.map((model) => strip(model, 'loadAverage', 'otherCpuPercent')),
      cases: current.cases.map((testCase) => ({ ...testCase, metrics: testCase.metrics === null ? null : strip(testCase.metrics, 'cachedPromptTokens') })),
    };
    writeFileSync(file, JSON.stringify(older));
    const read = readBaselineFile(file);
    expect(read.schemaVersion).toBe(3);
    expect(read.settings.promptCache).toBeNull();
    expect(read.calibration).toBeNull();
    expect(read.models.map((model) => [model.loadAverage, model.otherCpuPercent])).toEqual(current.models.map(() => [null, null]));
    expect(read.cases.every((testCase) => testCase.metrics === null || testCase.metrics.cachedPromptTokens === null)).toBe(true);
  });

  it('reads a version 2 file (before the criteria) as it is: a run without criterion scores', () => {
    const file = path.join(folder, 'version-2.json');
    const current = sample();
    writeFileSync(file, JSON.stringify({ ...current, schemaVersion: 2 }));
    expect(readBaselineFile(file)).toEqual({ ...current, schemaVersion: 3 });
    expect(readResultsFile(file).cases.every((testCase) => testCase.criteria === undefined)).toBe(true);
  });

  it('says a JSON that is not an object is not a results file', () => {
    const file = path.join(folder, 'array.json');
    writeFileSync(file, '[1, 2]');
    expect(errorOf(() => readResultsFile(file)).message).toMatch(/is not an edge-evals results file[^]*\(top level\): /);
  });
});

describe('history', () => {
  it('keeps timestamped copies bounded to the limit and loads the last N oldest first', () => {
    const times = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z'];
    const saved = times.map((time) => saveToHistory(folder, sample(time), 3));
    expect(saved[0]).toBe(path.join(folder, 'history', '2026-01-01T00-00-00-000Z.json'));
    expect(readdirSync(path.join(folder, 'history'))).toEqual([
      '2026-01-02T00-00-00-000Z.json',
      '2026-01-03T00-00-00-000Z.json',
      '2026-01-04T00-00-00-000Z.json',
      'index.jsonl',
    ]);
    // The index follows the files it summarises: the dropped run's line went with it.
    const index = readFileSync(path.join(folder, 'history', 'index.jsonl'), 'utf8').trim().split('\n');
    expect(index.map((line) => (JSON.parse(line) as { file: string }).file)).toEqual(times.slice(1).map((time) => `${time.replaceAll(/[:.]/g, '-')}.json`));
    const history = loadHistory(folder, 2);
    expect(history.runs.map((run) => run.createdAt)).toEqual(times.slice(2));
    expect(history.skipped).toEqual([]);
  });

  it('does not overwrite a run saved in the same millisecond, and keeps the order', () => {
    saveToHistory(folder, { ...sample(), edgeEvalsVersion: 'first' });
    saveToHistory(folder, { ...sample(), edgeEvalsVersion: 'second' });
    expect(loadHistory(folder, 5).runs.map((run) => run.edgeEvalsVersion)).toEqual(['first', 'second']);
  });

  it('reads summaries from the index, and the run file where the index does not know it', () => {
    saveToHistory(folder, sample('2026-01-01T00:00:00.000Z'));
    const historyFolder = path.join(folder, 'history');
    // Kept by hand (or by an older edge-evals): no line in the index.
    writeJsonAtomic(path.join(historyFolder, '2026-01-02T00-00-00-000Z.json'), sample('2026-01-02T00:00:00.000Z'));
    // A line cut short by a crash: its file is read instead.
    saveToHistory(folder, sample('2026-01-03T00:00:00.000Z'));
    const indexFile = path.join(historyFolder, 'index.jsonl');
    const lines = readFileSync(indexFile, 'utf8').trim().split('\n');
    writeFileSync(indexFile, `${lines[0]}\n${lines[1]?.slice(0, 40)}\n`);
    // The first run is summarised by its index line alone: its file is not parsed.
    writeFileSync(path.join(historyFolder, '2026-01-01T00-00-00-000Z.json'), '{not read');
    const history = loadHistory(folder, 5);
    expect(history.runs.map((run) => run.createdAt)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
    expect(history.runs.every((run) => !('cases' in run) && !('groups' in run))).toBe(true);
    // Read from the index or from the file, a run carries the digest of the tests it measured.
    expect(history.runs.map((run) => run.measuredTests)).toEqual([1, 2, 3].map(() => measuredTests(sample().cases)));
    expect(history.skipped).toEqual([]);
  });

  it('reads the index lines an older edge-evals wrote (schema version 2) without parsing their files', () => {
    saveToHistory(folder, sample('2026-01-01T00:00:00.000Z'));
    const historyFolder = path.join(folder, 'history');
    const indexFile = path.join(historyFolder, 'index.jsonl');
    const line = JSON.parse(readFileSync(indexFile, 'utf8')) as { run: { schemaVersion: number } };
    writeFileSync(indexFile, `${JSON.stringify({ ...line, run: { ...line.run, schemaVersion: 2 } })}\n`);
    writeFileSync(path.join(historyFolder, '2026-01-01T00-00-00-000Z.json'), '{not read');
    expect(loadHistory(folder, 5)).toMatchObject({ runs: [{ schemaVersion: 3, createdAt: '2026-01-01T00:00:00.000Z' }], skipped: [] });
  });

  it('copies the file the run was just written to when given', () => {
    const latest = path.join(folder, 'latest.json');
    const results = sample('2026-01-01T00:00:00.000Z');
    writeJsonAtomic(latest, results);
    const copy = saveToHistory(folder, results, 5, latest);
    expect(copy).not.toBeNull();
    expect(readFileSync(copy as string, 'utf8')).toBe(readFileSync(latest, 'utf8'));
    expect(loadHistory(folder, 5).runs.map((run) => run.createdAt)).toEqual(['2026-01-01T00:00:00.000Z']);
  });

  it('writes nothing when the limit is 0, and skips unreadable history files with the reason', () => {
    expect(saveToHistory(folder, sample(), 0)).toBeNull();
    expect(loadHistory(folder, 5)).toEqual({ runs: [], skipped: [] });
    saveToHistory(folder, sample('2026-01-01T00:00:00.000Z'));
    writeFileSync(path.join(folder, 'history', '2026-01-05T00-00-00-000Z.json'), '{oops');
    const history = loadHistory(folder, 5);
    expect(history.runs).toHaveLength(1);
    expect(history.skipped).toEqual([{ file: path.join(folder, 'history', '2026-01-05T00-00-00-000Z.json'), reason: expect.stringContaining('is not valid JSON') }]);
  });
});
