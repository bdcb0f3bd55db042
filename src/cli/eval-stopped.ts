// The conclusion of a run that vitest did not conclude itself: stopped by a signal (it exits at
// once, before its reporter writes anything) or crashed. Imported by the eval command only
// then, so that the results and report modules are not held for the whole of every run.
import path from 'node:path';
import { loadConfig } from '../config/env.ts';
import type { RunPlan } from '../lifecycle/plan.ts';
import { writeAndConclude } from '../report/conclude.ts';
import { LATEST_RESULTS } from '../results/files.ts';
import { readPartialResults } from '../results/partial.ts';

/** How vitest ended without concluding the run: the signal that stopped it, for the results, and words for people. */
export interface Stop {
  signal: string | null;
  label: string;
}

/**
 * Write latest.json and the reports from the cases in partial.jsonl, marked as interrupted:
 * concludeRun neither passes the gate nor saves a baseline for it. Never throws: a problem here
 * is one line on stderr, and the run still ends with its exit code.
 */
export function concludeStoppedRun(plan: RunPlan, partialFile: string, stop: Stop, writtenByThisRun: (file: string) => boolean): void {
  try {
    const config = loadConfig();
    const resultsFile = path.join(config.resultsDir, LATEST_RESULTS);
    // An older partial.jsonl was left by an earlier run that crashed: not this run's cases.
    if (!writtenByThisRun(partialFile)) {
      // Without partial.jsonl but with a new latest.json, the signal came after the reporter concluded the run.
      if (!writtenByThisRun(resultsFile)) process.stderr.write(`[edge-evals] ${stop.label}: stopped before any case was measured; no results written\n`);
      return;
    }
    const { results, warnings } = readPartialResults(partialFile, { config, plan, createdAt: new Date().toISOString(), signal: stop.signal });
    process.stderr.write(`[edge-evals] ${stop.label}: interrupted after ${results.cases.length} case${results.cases.length === 1 ? '' : 's'}; partial results follow\n`);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    // latest.json takes every case partial.jsonl had; a later `npm run eval` starts afresh anyway.
    const conclusion = writeAndConclude(results, { config, state: 'interrupted', unhandledErrors: 0, checkedBaseline: plan.checkedBaseline, stream: process.stdout });
    process.stdout.write(`\n${conclusion.text}`);
  } catch (error) {
    process.stderr.write(`[edge-evals] could not build the results of the interrupted run from ${partialFile}: ${(error as Error).message.split('\n').join(' ')}\n`);
  }
}
