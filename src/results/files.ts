// Results and baseline files on disk: atomic writes, validated reads with errors a person
// can act on (which file, what is wrong, where in it), and the bounded history of runs.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../config/env.ts';
import { Baseline, toBaseline } from '../contract/baseline.ts';
import { RESULTS_SCHEMA_VERSION, Results } from '../contract/results.ts';
import { writeFileAtomic } from '../util/files.ts';
import { jsonErrorOffset, lineAndColumn } from '../util/json-position.ts';

export const DEFAULT_HISTORY_LIMIT = 20;
export const HISTORY_FOLDER = 'history';
/** The results of the last run, in the results folder. */
export const LATEST_RESULTS = 'latest.json';
/** One JSON line per finished case, appended during a run and removed once latest.json is written. */
export const PARTIAL_RESULTS = 'partial.jsonl';

/**
 * A results or baseline file that is missing, unreadable or not in the expected format. It
 * is the user's to fix, so it maps to exit code 2 and prints without a stack trace.
 */
export class ResultsFileError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsFileError';
  }
}

export type ResultsFileRole = 'results' | 'baseline';

export interface ReadOptions {
  /** Where the path came from, for the message: `EVAL_BASELINE`, `--baseline`. */
  origin?: string;
  /** What to do about a missing file, appended to the message. */
  hint?: string;
}

/** Write `value` as indented JSON, atomically (temp file + rename in the same folder). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Save `results` as a baseline, noting when and from which results file. */
export function saveBaseline(file: string, results: Results, source: string | null, savedAt = new Date().toISOString()): void {
  writeJsonAtomic(file, toBaseline(results, { savedAt, source }));
}

const MAX_LISTED_ISSUES = 8;

function describeRole(role: ResultsFileRole, file: string, origin: string | undefined): string {
  return `${role === 'baseline' ? 'Baseline' : 'Results'} file ${file}${origin === undefined ? '' : ` (from ${origin})`}`;
}

export function issuePath(segments: readonly PropertyKey[]): string {
  if (segments.length === 0) return '(top level)';
  return segments
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

/**
 * JSON.parse's reason without its snippet of the text (Node 20 quotes the text, newlines
 * and all), plus the line and column where the text stops being JSON. `firstLine` is the
 * line number of the text's first line in its file (a line of a JSON Lines file).
 */
export function describeJsonError(text: string, error: Error, firstLine = 1): string {
  const reason = error.message.split(/, (?:\.\.\.)?"|\n/)[0]?.replace(/ in JSON at position \d+.*$/, '') ?? error.message;
  const offset = jsonErrorOffset(text);
  if (offset === null) return reason;
  const { line, column } = lineAndColumn(text, offset);
  return `${reason} at line ${line + firstLine - 1}, column ${column}`;
}

/**
 * The text of a results file; a missing or unreadable file, or a folder, is a ResultsFileError.
 * `kind` is what the file should be, for the message: `a JSON file`.
 */
export function readResultsText(file: string, label: string, kind: string, options: ReadOptions = {}): string {
  try {
    if (statSync(file).isDirectory()) throw new ResultsFileError(`${label} is a folder, not ${kind}.`);
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ResultsFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ResultsFileError(`${label} does not exist.${options.hint === undefined ? '' : ` ${options.hint}`}`);
    }
    if (code === 'EACCES' || code === 'EPERM') throw new ResultsFileError(`${label} cannot be read: permission denied.`);
    throw new ResultsFileError(`${label} cannot be read: ${(error as Error).message}`);
  }
}

function readJson(file: string, label: string, options: ReadOptions): unknown {
  const text = readResultsText(file, label, 'a JSON file', options);
  if (text.trim() === '') throw new ResultsFileError(`${label} is empty: expected an edge-evals results JSON.`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ResultsFileError(`${label} is not valid JSON: ${describeJsonError(text, error as Error)}`);
  }
}

function validate<T>(schema: z.ZodType<T>, data: unknown, label: string): T {
  const version = typeof data === 'object' && data !== null ? (data as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version === 'number' && version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsFileError(
      `${label} uses results schema version ${version}; this edge-evals reads version ${RESULTS_SCHEMA_VERSION}. Re-create it with this version.`,
    );
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `  ${issuePath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_LISTED_ISSUES ? [`  ... and ${issues.length - MAX_LISTED_ISSUES} more`] : [];
  throw new ResultsFileError(
    [`${label} is not an edge-evals results file (schema version ${RESULTS_SCHEMA_VERSION}):`, ...listed, ...more].join('\n'),
  );
}

export function readResultsFile(file: string, options: ReadOptions = {}): Results {
  const label = describeRole('results', file, options.origin);
  return validate(Results, readJson(file, label, options), label);
}

export function readBaselineFile(file: string, options: ReadOptions = {}): Baseline {
  const label = describeRole('baseline', file, options.origin);
  return validate(Baseline, readJson(file, label, options), label);
}

/** `2026-01-02T03:04:05.678Z` -> `2026-01-02T03-04-05-678Z`: sortable and valid on every file system. */
function historyStem(createdAt: string): string {
  const time = Number.isNaN(Date.parse(createdAt)) ? new Date() : new Date(createdAt);
  return time.toISOString().replace(/[:.]/g, '-');
}

/** Oldest first; sorted on the stem so that `<time>-2.json` comes after `<time>.json`. */
function historyFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort()
    .map((stem) => `${stem}.json`);
}

/**
 * Keep a timestamped copy of a run under `<resultsDir>/history/` and delete the oldest copies
 * beyond `limit`. Returns the copy's path, or null when history is off (limit 0).
 */
export function saveToHistory(resultsDir: string, results: Results, limit = DEFAULT_HISTORY_LIMIT): string | null {
  if (limit <= 0) return null;
  const folder = path.join(resultsDir, HISTORY_FOLDER);
  mkdirSync(folder, { recursive: true });
  const stem = historyStem(results.createdAt);
  const existing = new Set(historyFiles(folder));
  let name = `${stem}.json`;
  for (let suffix = 2; existing.has(name); suffix++) name = `${stem}-${suffix}.json`;
  const file = path.join(folder, name);
  writeJsonAtomic(file, results);
  const all = historyFiles(folder);
  for (const old of all.slice(0, Math.max(0, all.length - limit))) rmSync(path.join(folder, old), { force: true });
  return file;
}

export interface History {
  /** Oldest first. */
  runs: Results[];
  /** History files that could not be read; the report mentions them and goes on. */
  skipped: { file: string; reason: string }[];
}

/** The last `count` runs kept under `<resultsDir>/history/`, oldest first. */
export function loadHistory(resultsDir: string, count: number): History {
  const folder = path.join(resultsDir, HISTORY_FOLDER);
  const history: History = { runs: [], skipped: [] };
  if (count <= 0) return history;
  for (const name of historyFiles(folder).slice(-count)) {
    const file = path.join(folder, name);
    try {
      history.runs.push(readResultsFile(file));
    } catch (error) {
      history.skipped.push({ file, reason: (error as Error).message });
    }
  }
  return history;
}
