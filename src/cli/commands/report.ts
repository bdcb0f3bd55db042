// `edge-evals report <results.json>`: render the Markdown and HTML reports of any results
// file, optionally gated against a baseline (exit code 1 when the gate trips) and with the
// trend over the runs kept in the history folder next to it. A partial.jsonl left by an
// interrupted run is read as that run's results, marked as interrupted.
import path from 'node:path';
import { loadConfig } from '../../config/env.ts';
import type { Results } from '../../contract/results.ts';
import { readPlan } from '../../lifecycle/plan.ts';
import { incompleteRunReason, judgeRun, readRatingsOrWarn } from '../../report/conclude.ts';
import { describePlanRow } from '../../report/gate.ts';
import { renderTerminalReport, shouldUseColor, terminalWidth } from '../../report/terminal.ts';
import { DEFAULT_TREND_RUNS, HTML_REPORT, MARKDOWN_REPORT, shortPath, stepSummaryFile, writeReports } from '../../report/write.ts';
import { loadHistory, readBaselineFile, readResultsFile } from '../../results/files.ts';
import { readPartialResults } from '../../results/partial.ts';
import { ratingsFileFor, withRatings } from '../../results/ratings.ts';
import { compareToBaseline } from '../../stats/gate.ts';
import { planRepeats } from '../../stats/plan.ts';
import { DEFAULT_POWER } from '../../stats/power.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';

const USAGE = `Usage: edge-evals report <results.json | partial.jsonl> [options]

Renders the reports of a results file (results/latest.json, a history copy, a merged run),
or of the cases an interrupted run recorded in results/partial.jsonl (never passed by the gate).

Options:
  --markdown <file>   Markdown report (default: ${MARKDOWN_REPORT} next to the results file)
  --html <file>       HTML report (default: ${HTML_REPORT} next to the results file)
  --baseline <file>   gate the results against a baseline; exit code 1 on a regression
                      (settings: EVAL_GATE_TOLERANCES, EVAL_GATE_CONFIDENCE,
                      EVAL_GATE_INCONCLUSIVE, EVAL_GATE_NORMALIZE, EVAL_MIN_PASS_RATE)
  --power <percent>   instead of the reports: from the spread in the file, the repeats
                      (EVAL_REPEATS) the gate needs to call a slowdown of this size a
                      regression, and to pass an unchanged run, e.g. --power 25%
  --history <n>       show the trend over the last n runs in <results folder>/history
                      (default ${DEFAULT_TREND_RUNS}; 0 for none)
  -h, --help          this help

The Markdown is also appended to $GITHUB_STEP_SUMMARY when that is set.
Exit codes: 0 written (gate passed), 1 the gate tripped, 2 usage error or unreadable file.`;

export interface ReportArguments {
  resultsFile: string;
  markdownFile: string | undefined;
  htmlFile: string | undefined;
  baselineFile: string | undefined;
  historyRuns: number;
  /** `--power`: the slowdown to plan repeats for, as a ratio (1.25 for 25%); undefined without it. */
  powerChange: number | undefined;
}

const VALUE_FLAGS = ['--markdown', '--html', '--baseline', '--history', '--power'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/** Parse the arguments; null means: print the help. */
export function parseReportArguments(args: readonly string[]): ReportArguments | null {
  const values = new Map<ValueFlag, string>();
  const positional: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--help' || arg === '-h') return null;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const value = inline ?? args[++index];
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`, USAGE);
      values.set(flag as ValueFlag, value);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`, USAGE);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length === 0) throw new UsageError('which results file? e.g. edge-evals report results/latest.json', USAGE);
  if (positional.length > 1) throw new UsageError(`one results file at a time, got ${positional.length}: ${positional.join(' ')}`, USAGE);
  const historyText = values.get('--history');
  const historyRuns = historyText === undefined ? DEFAULT_TREND_RUNS : Number(historyText);
  if (!Number.isInteger(historyRuns) || historyRuns < 0) throw new UsageError(`--history expects a whole number of runs (0 or more), got '${historyText ?? ''}'`, USAGE);
  const powerText = values.get('--power');
  const percent = powerText === undefined ? undefined : Number(powerText.replace(/%$/, ''));
  if (percent !== undefined && !(Number.isFinite(percent) && percent > 0 && percent <= 1000)) {
    throw new UsageError(`--power expects a slowdown in percent, e.g. 25%, got '${powerText ?? ''}'`, USAGE);
  }
  return {
    resultsFile: positional[0] as string,
    markdownFile: values.get('--markdown'),
    htmlFile: values.get('--html'),
    baselineFile: values.get('--baseline'),
    historyRuns,
    powerChange: percent === undefined ? undefined : 1 + percent / 100,
  };
}

/**
 * A results JSON, or a partial.jsonl read as an interrupted run's results. The settings of a
 * partial run are not in its cases: they come from the configuration, as the run's would have.
 */
function readResults(file: string): { results: Results; warnings: string[] } {
  if (!file.endsWith('.jsonl')) return { results: readResultsFile(file), warnings: [] };
  return readPartialResults(file, { config: loadConfig(), plan: readPlan(), signal: null });
}

export async function reportCommand(args: string[]): Promise<number> {
  const parsed = parseReportArguments(args);
  if (parsed === null) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  const resultsFile = path.resolve(parsed.resultsFile);
  const folder = path.dirname(resultsFile);
  // Both files are read and checked before anything is written.
  const read = readResults(resultsFile);
  const ratings = readRatingsOrWarn(ratingsFileFor(resultsFile));
  const results = withRatings(read.results, ratings.ratings);
  const warnings = ratings.warning === null ? read.warnings : [...read.warnings, ratings.warning];
  if (parsed.powerChange !== undefined) return printRepeatsPlan(results, parsed.powerChange);
  const baseline = parsed.baselineFile === undefined ? null : readBaselineFile(path.resolve(parsed.baselineFile), { origin: '--baseline' });
  // The same judgement as at the end of a run: an interrupted run never passes.
  const verdict = baseline === null ? null : judgeRun(compareToBaseline(results, baseline, loadConfig().gate), incompleteRunReason(results, 'passed', 0));
  const history = loadHistory(folder, parsed.historyRuns);

  const written = writeReports(
    results,
    { verdict, history: history.runs },
    {
      markdownFile: path.resolve(parsed.markdownFile ?? path.join(folder, MARKDOWN_REPORT)),
      htmlFile: path.resolve(parsed.htmlFile ?? path.join(folder, HTML_REPORT)),
      junitFile: null,
      verdictFile: null,
      stepSummaryFile: stepSummaryFile(),
    },
  );
  const stream = process.stdout;
  stream.write(renderTerminalReport(results, { width: terminalWidth(stream), color: shouldUseColor(stream), verdict }));
  stream.write(`\n${written.files.map((file) => `Wrote ${shortPath(file)}`).join('\n')}\n`);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  for (const skipped of history.skipped) process.stderr.write(`warning: history file left out of the trend: ${skipped.reason}\n`);
  for (const warning of written.warnings) process.stderr.write(`warning: ${warning}\n`);
  for (const error of written.errors) process.stderr.write(`error: ${error}\n`);
  return (verdict !== null && !verdict.ok) || written.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

function printRepeatsPlan(results: Results, change: number): number {
  const settings = loadConfig().gate;
  const rows = planRepeats(results, settings, change);
  const confidence = `${Math.round((1 - settings.alpha) * 1000) / 10}% confidence, ${Math.round(DEFAULT_POWER * 100)}% power`;
  const lines = [
    `Repeats the gate needs, from the spread in this file (${confidence}):`,
    ...(rows.length === 0 ? ['  no measured request to plan from'] : rows.map((row) => `  ${describePlanRow(row)}`)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
