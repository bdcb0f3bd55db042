// Results and baseline files on disk: atomic writes, validated reads with errors a person
// can act on (which file, what is wrong, where in it), and the bounded history of runs.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config/env.ts';
import { Baseline, toBaseline } from '../contract/baseline.ts';
import { RESULTS_SCHEMA_VERSION, Results, RunSummary, testId, type CaseResult } from '../contract/results.ts';
import { copyFileAtomic, makeFolders, writeFileAtomic } from '../util/files.ts';
import { writeJsonFileAtomic } from '../util/json-file.ts';
import { jsonErrorOffset, lineAndColumn } from '../util/json-position.ts';
import { readGateView, writeGateView } from './baseline-view.ts';
import { upgradeResultsData } from './upgrade.ts';

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

/** A file as it was when it was validated: its size and modification time. */
export interface CheckedFile {
  size: number;
  mtimeMs: number;
  /** The gate's view of the baseline, written when it was checked (results/baseline-view.ts). */
  view?: string;
}

/** Taken before the file is read and validated, so that a change during the check shows. */
export function checkedFile(file: string): CheckedFile {
  const { size, mtimeMs } = statSync(file);
  return { size, mtimeMs };
}

/** Write `value` as indented JSON, atomically (temp file + rename in the same folder). */
export function writeJsonAtomic(file: string, value: unknown): void {
  // Piece by piece: the text of a run with thousands of cases is tens of MB.
  writeJsonFileAtomic(file, value);
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

function validate<T>(schema: z.ZodType<T>, raw: unknown, label: string): T {
  const data = upgradeResultsData(raw);
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


/**
 * readBaselineFile's check of `file`: the file as it was when checked (null if that could not be
 * told), to trust at the run's end while it is unchanged. With `keepGateView`, the gate's view of
 * it is written to a temporary file (`view`); when that cannot be written, the run's end reads
 * the baseline itself.
 */
export function checkBaseline(file: string, options: ReadOptions & { keepGateView?: boolean } = {}): CheckedFile | null {
  // Taken first, so that a change during the check shows; a missing file is readBaselineFile's to explain.
  let checked: CheckedFile | null = null;
  try {
    checked = checkedFile(file);
  } catch {
    // readBaselineFile says what is wrong with the file
  }
  const baseline = readBaselineFile(file, options);
  if (checked === null || options.keepGateView !== true) return checked;
  try {
    return { ...checked, view: writeGateView(baseline) };
  } catch {
    return checked;
  }
}

/**
 * `checked`: the file as the eval command validated it before the run. While it still has that
 * size and modification time it is parsed without validating it again: on a baseline of 10,000
 * cases that is half a second of the run's conclusion and a second copy of every case. With
 * `checked.view`, what is returned is the gate's view kept then (replies and conversations
 * left out, results/baseline-view.ts): for the gate only.
 */
export function readBaselineFile(file: string, options: ReadOptions & { checked?: CheckedFile } = {}): Baseline {
  const label = describeRole('baseline', file, options.origin);
  const unchanged = options.checked !== undefined && sameFile(file, options.checked);
  // What the gate reads of it, kept when it was checked: a fraction of the file to parse.
  const view = unchanged && options.checked?.view !== undefined ? readGateView(options.checked.view) : null;
  if (view !== null) return view;
  const raw = readJson(file, label, options);
  return unchanged ? (upgradeResultsData(raw) as Baseline) : validate(Baseline, raw, label);
}

function sameFile(file: string, checked: CheckedFile): boolean {
  try {
    const { size, mtimeMs } = statSync(file);
    return size === checked.size && mtimeMs === checked.mtimeMs;
  } catch {
    return false;
  }
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
 * The tests a run measured, whatever the models (`chat/hello`, ...), as one digest: two runs
 * belong in the same trend when theirs are equal.
 */
export function measuredTests(cases: readonly CaseResult[]): string {
  const tests = [...new Set(cases.map(testId))].sort().join('\n');
  return createHash('sha256').update(tests).digest('base64url');
}

/** A kept run as a trend needs it: without its cases and groups, with the digest of its tests. */
export type HistoryRun = RunSummary & { measuredTests: string };

export function toHistoryRun(results: Results): HistoryRun {
  const { cases, groups: _groups, ...summary } = results;
  return { ...summary, measuredTests: measuredTests(cases) };
}

/** One line per kept run in history/index.jsonl: the run as a trend needs it. */
const HISTORY_INDEX = 'index.jsonl';

const IndexLine = z.object({ file: z.string(), run: RunSummary, measuredTests: z.string() });

function indexLine(file: string, { measuredTests: tests, ...run }: HistoryRun): string {
  return `${JSON.stringify({ file, run, measuredTests: tests })}\n`;
}

/** The index's summaries by file name; a line that does not parse is left out (its file is read instead). */
function readHistoryIndex(folder: string): Map<string, HistoryRun> {
  const summaries = new Map<string, HistoryRun>();
  let text: string;
  try {
    text = readFileSync(path.join(folder, HISTORY_INDEX), 'utf8');
  } catch {
    return summaries;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const raw = JSON.parse(line) as { run?: unknown };
      const entry = IndexLine.parse({ ...raw, run: upgradeResultsData(raw.run) });
      summaries.set(entry.file, { ...entry.run, measuredTests: entry.measuredTests });
    } catch {
      // A line cut short by a crash, or edited: the run's own file says the same, more slowly.
    }
  }
  return summaries;
}

/**
 * Keep a timestamped copy of a run under `<resultsDir>/history/` (a copy of `copyOf`, the file
 * the run was just written to, when given), note its summary in the history index, and delete
 * the oldest copies beyond `limit`. Returns the copy's path, or null when history is off (limit 0).
 */
export function saveToHistory(resultsDir: string, results: Results, limit = DEFAULT_HISTORY_LIMIT, copyOf?: string): string | null {
  if (limit <= 0) return null;
  const folder = path.join(resultsDir, HISTORY_FOLDER);
  makeFolders(folder);
  const stem = historyStem(results.createdAt);
  const existing = new Set(historyFiles(folder));
  let name = `${stem}.json`;
  for (let suffix = 2; existing.has(name); suffix++) name = `${stem}-${suffix}.json`;
  const file = path.join(folder, name);
  if (copyOf === undefined) writeJsonAtomic(file, results);
  else copyFileAtomic(copyOf, file);
  appendFileSync(path.join(folder, HISTORY_INDEX), indexLine(name, toHistoryRun(results)));
  const all = historyFiles(folder);
  const dropped = all.slice(0, Math.max(0, all.length - limit));
  for (const old of dropped) rmSync(path.join(folder, old), { force: true });
  if (dropped.length > 0) {
    const kept = readHistoryIndex(folder);
    const lines = all.slice(dropped.length).flatMap((entry) => {
      const run = kept.get(entry);
      return run === undefined ? [] : [indexLine(entry, run)];
    });
    writeFileAtomic(path.join(folder, HISTORY_INDEX), lines.join(''));
  }
  return file;
}

export interface History {
  /** Oldest first. */
  runs: HistoryRun[];
  /** History files that could not be read; the report mentions them and goes on. */
  skipped: { file: string; reason: string }[];
}

/**
 * The last `count` runs kept under `<resultsDir>/history/`, oldest first, from the history index
 * (a run's summary is a few kB; its file may be tens of MB). A run the index does not know
 * (kept by an older edge-evals, or copied there by hand) is read from its file.
 */
export function loadHistory(resultsDir: string, count: number): History {
  const folder = path.join(resultsDir, HISTORY_FOLDER);
  const history: History = { runs: [], skipped: [] };
  if (count <= 0) return history;
  const index = readHistoryIndex(folder);
  for (const name of historyFiles(folder).slice(-count)) {
    const file = path.join(folder, name);
    const known = index.get(name);
    if (known !== undefined) {
      history.runs.push(known);
      continue;
    }
    try {
      history.runs.push(toHistoryRun(readResultsFile(file)));
    } catch (error) {
      history.skipped.push({ file, reason: (error as Error).message });
    }
  }
  return history;
}
