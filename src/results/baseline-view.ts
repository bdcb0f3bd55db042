// What the gate reads of a baseline, prepared before the run. A baseline is a full results
// file: every reply, conversation and gap between chunks, tens of MB at thousands of cases.
// The gate compares latencies, statuses, planted defects and criterion scores; the rest is
// parsed for nothing at the run's end, when vitest's process already holds the run's own cases
// (a 10,000-case baseline added about 120 MB at the conclusion, BENCHMARKS.md). The eval
// command, which validates the baseline before any model starts, keeps the gate's view of it in
// a temporary file; the conclusion reads that while the baseline is unchanged.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Baseline } from '../contract/baseline.ts';
import type { CaseResult } from '../contract/results.ts';

/** The case as the gate sees it: what it compares kept, the text it never reads emptied. */
function caseView(testCase: CaseResult): CaseResult {
  const { messages: _messages, expected: _expected, judgeErrors: _judgeErrors, ...kept } = testCase;
  return {
    ...kept,
    response: '',
    metrics: testCase.metrics === null ? null : { ...testCase.metrics, interChunkGapsMs: [] },
    // `planted` and `skipped` decide whether a check went as planted; the reason is for people.
    assertions: testCase.assertions.map((assertion) => ({ ...assertion, reason: '' })),
    resources: testCase.resources === null ? null : { ...testCase.resources, busyProcesses: undefined },
  };
}

/** The baseline with only what the gate reads (src/stats/gate*.ts); still a valid Baseline. */
export function gateView(baseline: Baseline): Baseline {
  return { ...baseline, cases: baseline.cases.map(caseView) };
}

/** Writes the view to a new file of its own under the system's temporary folder and returns its path. */
export function writeGateView(baseline: Baseline): string {
  const file = path.join(os.tmpdir(), `edge-evals-baseline-view-${randomUUID()}.json`);
  // Compact: the conclusion parses it, nobody reads it.
  writeFileSync(file, JSON.stringify(gateView(baseline)), { mode: 0o600 });
  return file;
}

/** The view written before the run, or null when it is gone or unreadable (the caller reads the baseline itself). */
export function readGateView(file: string): Baseline | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Baseline;
  } catch {
    return null;
  }
}

export function removeGateView(file: string | undefined): void {
  if (file !== undefined) rmSync(file, { force: true });
}
