// What happens once a run's results are built (by the eval reporter, in a plain run or in
// `--merge-reports` of sharded runs): keep a history copy, gate against the baseline, save a
// new baseline, write every report, and decide the exit code. The reporter only logs the
// text and applies the exit code, so a merged run concludes exactly like a single one.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { EvalConfig } from '../config/env.ts';
import { loadHistory, readBaselineFile, saveBaseline, saveToHistory } from '../results/files.ts';
import type { Results } from '../results/schema.ts';
import { compareToBaseline, type GateVerdict } from '../stats/gate.ts';
import { renderTerminalReport } from './terminal.ts';
import { DEFAULT_TREND_RUNS, GATE_VERDICT, HTML_REPORT, MARKDOWN_REPORT, shortPath, stepSummaryFile, writeReports } from './write.ts';

export type RunState = 'passed' | 'failed' | 'interrupted';

export interface ConcludeOptions {
  config: Pick<EvalConfig, 'resultsDir' | 'baselinePath' | 'saveBaselinePath' | 'gate' | 'historyLimit'>;
  /** The results file just written, recorded in a saved baseline. */
  resultsFile: string;
  /** How vitest saw the run: an interrupted run is never saved as a baseline nor passed by the gate. */
  state: RunState;
  /** Errors outside tests (a crashed worker, a failing teardown): the gate cannot pass those. */
  unhandledErrors: number;
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

export function concludeRun(results: Results, options: ConcludeOptions): Conclusion {
  const { config } = options;
  const notes: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  let exitCode: number | null = null;

  saveToHistory(config.resultsDir, results, config.historyLimit);
  const history = loadHistory(config.resultsDir, Math.min(DEFAULT_TREND_RUNS, config.historyLimit));
  for (const skipped of history.skipped) warnings.push(`history file left out of the trend: ${skipped.reason}`);

  let verdict: GateVerdict | null = null;
  if (config.baselinePath !== undefined) {
    try {
      const baseline = readBaselineFile(config.baselinePath, { origin: 'EVAL_BASELINE' });
      verdict = compareToBaseline(results, baseline, config.gate);
    } catch (error) {
      // Checked before the run started; it changed since. Never a silent pass.
      errors.push((error as Error).message);
      exitCode = 2;
    }
  }
  if (verdict !== null) {
    const incomplete = options.state === 'interrupted' || options.unhandledErrors > 0;
    exitCode = verdict.ok && !incomplete ? 0 : 1;
    if (verdict.ok && incomplete) notes.push('The gate passed, but the run was interrupted or had errors outside tests: exit code 1.');
  }

  if (config.saveBaselinePath !== undefined) {
    if (options.state === 'interrupted') {
      warnings.push(`not saving a baseline from an interrupted run (${config.saveBaselinePath})`);
    } else {
      saveBaseline(config.saveBaselinePath, results, shortPath(options.resultsFile));
      notes.push(`Saved baseline ${shortPath(config.saveBaselinePath)}`);
      const failed = results.models.reduce((sum, model) => sum + model.failed + model.errored, 0);
      if (failed > 0) warnings.push(`the saved baseline includes ${failed} failed test${failed === 1 ? '' : 's'}`);
    }
  }

  const verdictFile = path.join(config.resultsDir, GATE_VERDICT);
  // A verdict left by an earlier run must not pass for this run's.
  if (verdict === null) rmSync(verdictFile, { force: true });
  const written = writeReports(
    results,
    { verdict, history: history.runs },
    {
      markdownFile: path.join(config.resultsDir, MARKDOWN_REPORT),
      htmlFile: path.join(config.resultsDir, HTML_REPORT),
      verdictFile: verdict === null ? null : verdictFile,
      stepSummaryFile: stepSummaryFile(options.env),
    },
  );
  warnings.push(...written.warnings);

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
