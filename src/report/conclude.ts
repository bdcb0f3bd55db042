// What happens once a run's results are built (by the eval reporter, in a plain run or in
// `--merge-reports` of sharded runs, or by `npm run eval` from partial.jsonl after Ctrl-C): keep a
// history copy of a complete run, gate against the baseline, save a new baseline, write every
// report, and decide the exit code. The reporter only logs the
// text and applies the exit code, so a merged run concludes exactly like a single one.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { EvalConfig } from '../config/env.ts';
import type { Results } from '../contract/results.ts';
import {
  HISTORY_FOLDER,
  LATEST_RESULTS,
  loadHistory,
  PARTIAL_RESULTS,
  readBaselineFile,
  saveBaseline,
  saveToHistory,
  toHistoryRun,
  writeJsonAtomic,
  type CheckedFile,
} from '../results/files.ts';
import { ratingsFileFor, readRatings, withRatings, type Rating } from '../results/ratings.ts';
import { compareToBaseline, type GateVerdict } from '../stats/gate.ts';
import { describeFileError } from '../util/files.ts';
import { JUNIT_REPORT } from './junit.ts';
import { renderTerminalReport, shouldUseColor, terminalWidth } from './terminal.ts';
import { DEFAULT_TREND_RUNS, GATE_VERDICT, HTML_REPORT, MARKDOWN_REPORT, shortPath, stepSummaryFile, writeReports } from './write.ts';

export type RunState = 'passed' | 'failed' | 'interrupted';

export interface ConcludeOptions {
  config: Pick<EvalConfig, 'resultsDir' | 'baselinePath' | 'saveBaselinePath' | 'gate' | 'historyLimit'>;
  /** The results file just written, recorded in a saved baseline. */
  resultsFile: string;
  /**
   * Set when `resultsFile` holds exactly these results (it was just written from them): the
   * history copy is then a file copy, not a second serialisation of a possibly large run.
   */
  resultsFileCurrent?: boolean;
  /** How vitest saw the run: an interrupted run is never saved as a baseline nor passed by the gate. */
  state: RunState;
  /** Errors outside tests (a crashed worker, a failing teardown): the gate cannot pass those. */
  unhandledErrors: number;
  /** The baseline as the eval command validated it before the run (the run plan has it). */
  checkedBaseline?: CheckedFile;
  terminal: { width: number; color: boolean };
  env?: NodeJS.ProcessEnv;
}

export interface Conclusion {
  /** What to print: the terminal report, then the files written and any warning. */
  text: string;
  verdict: GateVerdict | null;
  /**
   * The exit code the run must end with, or null to keep vitest's own. With a baseline the
   * gate decides (it may accept failures within EVAL_MIN_PASS_RATE); 2 for a baseline that
   * became unreadable during the run.
   */
  exitCode: number | null;
}

/** Why the gate cannot pass a run whatever its figures, or null when it can. */
export function incompleteRunReason(results: Results, state: RunState, unhandledErrors: number): string | null {
  if (state === 'interrupted' || results.interrupted !== undefined) return 'the run was interrupted';
  if (unhandledErrors > 0) return `the run had ${unhandledErrors} error${unhandledErrors === 1 ? '' : 's'} outside tests`;
  return null;
}

/**
 * The gate's verdict on a run, as every report shows it and gate.json records it: a run that
 * did not complete never passes, since what was not measured cannot have been compared.
 */
export function judgeRun(verdict: GateVerdict, incompleteReason: string | null): GateVerdict {
  return incompleteReason === null ? verdict : { ...verdict, ok: false, incomplete: incompleteReason };
}

/**
 * How every run that has its results ends (the reporter's, or `npm run eval` after Ctrl-C):
 * latest.json written atomically, partial.jsonl dropped since latest.json holds all it had,
 * then concludeRun for a terminal of `stream`'s width and colours. The caller prints the text.
 * A latest.json that cannot be written (a full disk) is an error; partial.jsonl is then kept,
 * and the reports are written all the same, if they fit.
 */
export function writeAndConclude(
  results: Results,
  options: Pick<ConcludeOptions, 'config' | 'state' | 'unhandledErrors' | 'checkedBaseline'> & { stream: NodeJS.WriteStream },
): Conclusion {
  const { config, stream } = options;
  const resultsFile = path.join(config.resultsDir, LATEST_RESULTS);
  // People's ratings of answers that came back unchanged apply to this run too.
  const ratings = readRatingsOrWarn(ratingsFileFor(resultsFile));
  const rated = withRatings(results, ratings.ratings);
  let unwritten: string | null = null;
  try {
    writeJsonAtomic(resultsFile, rated);
    rmSync(path.join(config.resultsDir, PARTIAL_RESULTS), { force: true });
  } catch (error) {
    unwritten = `could not write ${shortPath(resultsFile)}: ${describeFileError(error)}`;
  }
  const conclusion = concludeRun(rated, {
    config,
    resultsFile,
    resultsFileCurrent: unwritten === null,
    state: options.state,
    unhandledErrors: options.unhandledErrors,
    ...(options.checkedBaseline === undefined ? {} : { checkedBaseline: options.checkedBaseline }),
    terminal: { width: terminalWidth(stream), color: shouldUseColor(stream) },
  });
  const text = `${conclusion.text}${ratings.warning === null ? '' : `warning: ${ratings.warning}\n`}`;
  if (unwritten === null) return { ...conclusion, text };
  return { ...conclusion, text: `${text}error: ${unwritten}\n`, exitCode: conclusion.exitCode === null || conclusion.exitCode === 0 ? 1 : conclusion.exitCode };
}

/** The ratings of a results folder; an unreadable ratings file is a warning at the end of a run, never its failure. */
export function readRatingsOrWarn(file: string): { ratings: Rating[]; warning: string | null } {
  try {
    return { ratings: readRatings(file), warning: null };
  } catch (error) {
    return { ratings: [], warning: `people's ratings left out: ${(error as Error).message}` };
  }
}

export function concludeRun(results: Results, options: ConcludeOptions): Conclusion {
  const { config } = options;
  const notes: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  /** Files the run should have written (a report, the baseline asked for) and could not. */
  const unwritten: string[] = [];
  let exitCode: number | null = null;
  const interrupted = options.state === 'interrupted' || results.interrupted !== undefined;

  // The trend as it will be once this run is kept in the history, which is written last: on a
  // disk with room for only some files, the reports come first. A cut-short run would show in
  // the trend as a dip or a gap that nothing changed to cause: it is not kept.
  const trendRuns = Math.min(DEFAULT_TREND_RUNS, config.historyLimit);
  const keep = !interrupted && trendRuns > 0;
  const history = loadHistory(config.resultsDir, keep ? trendRuns - 1 : trendRuns);
  for (const skipped of history.skipped) warnings.push(`history file left out of the trend: ${skipped.reason}`);
  const trend = keep ? [...history.runs, toHistoryRun(results)] : history.runs;

  let verdict: GateVerdict | null = null;
  if (config.baselinePath !== undefined) {
    try {
      const baseline = readBaselineFile(config.baselinePath, { origin: 'EVAL_BASELINE', ...(options.checkedBaseline === undefined ? {} : { checked: options.checkedBaseline }) });
      verdict = judgeRun(compareToBaseline(results, baseline, config.gate), incompleteRunReason(results, options.state, options.unhandledErrors));
    } catch (error) {
      // Checked before the run started; it changed since. Never a silent pass.
      errors.push((error as Error).message);
      exitCode = 2;
    }
  }
  if (verdict !== null) exitCode = verdict.ok ? 0 : 1;

  if (config.saveBaselinePath !== undefined) {
    if (interrupted) {
      warnings.push(`not saving a baseline from an interrupted run (${config.saveBaselinePath})`);
    } else {
      try {
        saveBaseline(config.saveBaselinePath, results, shortPath(options.resultsFile));
        notes.push(`Saved baseline ${shortPath(config.saveBaselinePath)}`);
        const failed = results.models.reduce((sum, model) => sum + model.failed + model.errored, 0);
        if (failed > 0) warnings.push(`the saved baseline includes ${failed} failed test${failed === 1 ? '' : 's'}`);
      } catch (error) {
        unwritten.push(`could not save the baseline ${shortPath(config.saveBaselinePath)}: ${describeFileError(error)}`);
      }
    }
  }

  const verdictFile = path.join(config.resultsDir, GATE_VERDICT);
  // A verdict left by an earlier run must not pass for this run's.
  if (verdict === null) rmSync(verdictFile, { force: true });
  const written = writeReports(
    results,
    { verdict, history: trend },
    {
      markdownFile: path.join(config.resultsDir, MARKDOWN_REPORT),
      htmlFile: path.join(config.resultsDir, HTML_REPORT),
      junitFile: path.join(config.resultsDir, JUNIT_REPORT),
      verdictFile: verdict === null ? null : verdictFile,
      stepSummaryFile: stepSummaryFile(options.env),
    },
  );
  warnings.push(...written.warnings);
  unwritten.push(...written.errors);
  errors.push(...unwritten);
  if (!interrupted) {
    try {
      saveToHistory(config.resultsDir, results, config.historyLimit, options.resultsFileCurrent === true ? options.resultsFile : undefined);
    } catch (error) {
      warnings.push(`could not keep a copy of this run in ${shortPath(path.join(config.resultsDir, HISTORY_FOLDER))}: ${describeFileError(error)}`);
    }
  }
  // Reports missing for want of space are a failed run, whatever the tests said.
  if (unwritten.length > 0 && (exitCode === null || exitCode === 0)) exitCode = 1;

  const lines = [
    renderTerminalReport(results, { ...options.terminal, verdict }).trimEnd(),
    '',
    `Results: ${shortPath(options.resultsFile)}`,
    `Reports: ${written.files.map(shortPath).join(', ')}`,
    ...notes,
    ...warnings.map((warning) => `warning: ${warning}`),
    ...errors.map((error) => `error: ${error}`),
  ];
  return { text: `${lines.join('\n')}\n`, verdict, exitCode };
}
