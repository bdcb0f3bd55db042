// Writing the reports of a run: Markdown, HTML and JUnit files, the gate verdict as JSON, and
// the Markdown appended to GitHub's job summary when $GITHUB_STEP_SUMMARY is set. The eval
// reporter and `edge-evals report` both end here, so a report rendered later from a results
// file is the same as the one written by the run. A report that cannot be written (a full
// disk) is an error of its own, and never leaves an earlier run's file to pass for this one's.
import { appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../contract/results.ts';
import { writeJsonAtomic, type HistoryRun } from '../results/files.ts';
import type { GateVerdict } from '../stats/gate.ts';
import { describeFileError, writeFileAtomic } from '../util/files.ts';
import { countOutcomes, verdictTitle } from './gate.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export const MARKDOWN_REPORT = 'report.md';
export const HTML_REPORT = 'report.html';
export const GATE_VERDICT = 'gate.json';
/** Runs shown in the trend when nobody says otherwise. */
export const DEFAULT_TREND_RUNS = 10;

export interface ReportTargets {
  markdownFile: string | null;
  htmlFile: string | null;
  junitFile: string | null;
  /** Where the verdict goes as JSON, when there is a verdict. */
  verdictFile: string | null;
  /** $GITHUB_STEP_SUMMARY: the Markdown is appended to it. */
  stepSummaryFile: string | null;
}

export interface WrittenReports {
  files: string[];
  /** Problems that do not fail the run (the job summary could not be written, ...). */
  warnings: string[];
  /** Reports that could not be written: the run cannot end well without them. */
  errors: string[];
}

export function writeReports(
  results: Results,
  extras: { verdict: GateVerdict | null; history: readonly HistoryRun[] },
  targets: ReportTargets,
): WrittenReports {
  const written: WrittenReports = { files: [], warnings: [], errors: [] };
  const markdown = renderMarkdown(results, extras);
  const write = (file: string | null, save: (file: string) => void) => {
    if (file === null) return;
    try {
      save(file);
      written.files.push(file);
    } catch (error) {
      rmSync(file, { force: true });
      written.errors.push(`could not write ${shortPath(file)}: ${describeFileError(error)}`);
    }
  };
  write(targets.markdownFile, (file) => writeFileAtomic(file, markdown));
  write(targets.htmlFile, (file) => writeFileAtomic(file, renderHtml(results, extras)));
  write(targets.junitFile, (file) => writeFileAtomic(file, renderJunit(results)));
  if (extras.verdict !== null) {
    const verdict = extras.verdict;
    // The data as the gate returned it, with the line CI shows as the check's title and the findings counted by outcome.
    write(targets.verdictFile, (file) => writeJsonAtomic(file, { title: verdictTitle(verdict), counts: countOutcomes(verdict), ...verdict }));
  }
  if (targets.stepSummaryFile !== null) {
    try {
      appendFileSync(targets.stepSummaryFile, `${markdown}\n`);
      written.files.push(targets.stepSummaryFile);
    } catch (error) {
      written.warnings.push(`could not append to GITHUB_STEP_SUMMARY (${targets.stepSummaryFile}): ${(error as Error).message}`);
    }
  }
  return written;
}

/** $GITHUB_STEP_SUMMARY when set and not empty. */
export function stepSummaryFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const file = env.GITHUB_STEP_SUMMARY;
  return file === undefined || file.trim() === '' ? null : file;
}

/** A path as messages show it: relative to the working folder when inside it, else absolute. */
export function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
