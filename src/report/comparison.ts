// What every report shows, decided once: the comparison table's columns, the failures and
// their reasons, the run's one-line description and the trend series. The terminal,
// Markdown and HTML renderers only lay these out.
import { testId, wentAsPlanted, type AssertionResult, type CaseResult, type ModelResult, type Results, type RunSummary } from '../contract/results.ts';
import { CRITERIA } from '../contract/criteria.ts';
import { measuredTests, type HistoryRun } from '../results/files.ts';
import { machineState } from '../stats/gate-warnings.ts';
import { criterionCell, CRITERION_LABELS } from './criteria.ts';
import { formatDuration, formatMB, formatMs, formatPercent, formatRate } from './format.ts';

export interface ComparisonColumn {
  header: string;
  align: 'left' | 'right';
  value: (model: ModelResult) => string;
  /** Columns with a higher number are dropped first when the terminal is too narrow; 0 never. */
  dropOrder: number;
  /** Dropped before a model's name is cut short. */
  extra?: boolean;
}

const CRITERION_DROP_ORDER = { accuracy: 0, completeness: 1, clarity: 2, speed: 3 } as const;

// At 80 columns the criteria, E2E p50 and the checks stay; the other speed figures go first,
// then (on narrower terminals) speed, clarity and completeness.
const BASE_COLUMNS: readonly ComparisonColumn[] = [
  { header: 'Model', align: 'left', value: (model) => model.alias, dropOrder: 0 },
  { header: 'Load', align: 'right', value: (model) => ((model.skipReason ?? null) !== null ? 'skipped' : model.startError !== null ? 'failed' : formatDuration(model.loadMs)), dropOrder: 7 },
  { header: 'TTFT p50', align: 'right', value: (model) => formatMs(model.summary.ttftMs.p50), dropOrder: 4 },
  { header: 'TTFT p95', align: 'right', value: (model) => formatMs(model.summary.ttftMs.p95), dropOrder: 8 },
  // Always shown, so it says when a model could not start or was skipped (Load, which also would, goes early).
  { header: 'E2E p50', align: 'right', value: (model) => ((model.skipReason ?? null) !== null ? 'skipped' : model.startError !== null ? 'failed' : formatMs(model.summary.e2eMs.p50)), dropOrder: 0 },
  { header: 'tok/s', align: 'right', value: (model) => formatRate(model.summary.tokensPerSec.p50), dropOrder: 5 },
  { header: 'Peak mem', align: 'right', value: (model) => formatMB(model.peakRssMB), dropOrder: 6 },
  ...CRITERIA.map((criterion): ComparisonColumn => ({ header: CRITERION_LABELS[criterion], align: 'right', value: (model) => criterionCell(model, criterion), dropOrder: CRITERION_DROP_ORDER[criterion] })),
  {
    header: 'Checks',
    align: 'right',
    value: (model) => `${model.checksPassed}/${model.checksTotal}${(model.checksPlanted ?? 0) > 0 ? ` (${model.checksPlanted} planted)` : ''}`,
    dropOrder: 0,
  },
];

/** The weighted score of the checks (partial credit: 3 of 4 Python cases, key points made); first dropped when narrow. */
const SCORE_COLUMN: ComparisonColumn = {
  header: 'Score',
  align: 'right',
  value: (model) => (model.score === undefined || model.score === null ? '-' : model.score.toFixed(2)),
  dropOrder: 4,
  extra: true,
};

/**
 * The table's columns: the criteria only for results with scored answers, Score only for
 * results whose checks have scores (older files have neither).
 */
export function comparisonColumns(results: Results): readonly ComparisonColumn[] {
  const criteria = results.models.some((model) => model.criteria?.some((summary) => summary.n > 0) === true);
  const scored = results.models.some((model) => model.score !== undefined && model.score !== null);
  const base = criteria ? BASE_COLUMNS : BASE_COLUMNS.filter((column) => !CRITERION_HEADERS.has(column.header));
  return scored ? [...base, SCORE_COLUMN] : base;
}

const CRITERION_HEADERS = new Set(Object.values(CRITERION_LABELS));

/**
 * What Checks leaves out: `Not judged: 9 content checks of fixture-tiny, ...` (content is not
 * judged on synthetic models); null when every check was judged.
 */
export function skippedChecksNote(results: Results): string | null {
  const skipped = results.models.filter((model) => (model.checksSkipped ?? 0) > 0);
  if (skipped.length === 0) return null;
  const counts = skipped.map((model) => `${model.checksSkipped} of ${model.alias}`).join(', ');
  return `Checks counts judged checks; not judged (content, on synthetic models): ${counts}.`;
}

/**
 * `pass`: it started and every test passed (skips aside); `planted`: its only failures are
 * expected ones, planted defects caught; `fail`: anything else.
 */
export function modelVerdict(model: ModelResult, failures: readonly Failure[]): 'pass' | 'planted' | 'fail' {
  if (model.startError !== null || model.errored > 0) return 'fail';
  // The judge's failures on its answers are not the model's.
  const mine = failures.filter((failure) => failure.model === model.alias && failure.judge !== true);
  if (mine.length === 0) return 'pass';
  return mine.every((failure) => failure.planted) ? 'planted' : 'fail';
}

export interface Failure {
  /** The test name as vitest shows it, or the model alias for a start failure. */
  name: string;
  model: string;
  prompt: string | null;
  repeat: number | null;
  status: 'fail' | 'error';
  reasons: string[];
  /**
   * Every failed check caught a defect planted in a model with known answers: an expected
   * failure, listed apart from the others and not failing the run. Its reasons name the defects.
   */
  planted: boolean;
  /** The judge's test of this answer failed (its verdict could not be read), not the candidate's. */
  judge?: true;
}

function checkReason(check: AssertionResult): string {
  if (check.planted === undefined) return `${check.type}: ${check.reason}`;
  return check.pass ? `planted defect ${check.planted} missed: ${check.type} passed: ${check.reason}` : `planted defect ${check.planted}, caught by ${check.type}: ${check.reason}`;
}

function caseReasons(testCase: CaseResult): string[] {
  const checks = testCase.assertions.filter((check) => check.skipped !== true && (!check.pass || check.planted !== undefined)).map(checkReason);
  return testCase.error === null ? checks : [testCase.error, ...checks];
}

/**
 * Failed and errored tests with their reasons, expected failures (planted defects caught)
 * marked. A model that could not start is one entry, not one per test: its tests all fail for
 * the same reason.
 */
export function collectFailures(results: Results): Failure[] {
  const failures: Failure[] = [];
  const notStarted = new Set<string>();
  for (const model of results.models) {
    if (model.startError === null) continue;
    notStarted.add(model.alias);
    failures.push({ name: model.alias, model: model.alias, prompt: null, repeat: null, status: 'error', reasons: [`could not start: ${model.startError}`], planted: false });
  }
  for (const testCase of results.cases) {
    if ((testCase.status !== 'fail' && testCase.status !== 'error') || notStarted.has(testCase.model)) continue;
    const reasons = caseReasons(testCase);
    failures.push({
      name: results.settings.repeats > 1 ? `${testCase.name} (repeat ${testCase.repeat + 1})` : testCase.name,
      model: testCase.model,
      prompt: testCase.prompt,
      repeat: testCase.repeat,
      status: testCase.status,
      reasons: reasons.length > 0 ? reasons : [testCase.status === 'error' ? 'error without a message' : 'failed without a reason'],
      planted: wentAsPlanted(testCase),
    });
  }
  // The judge's test failed, not the candidate's: listed under the judge's name.
  for (const testCase of results.cases) {
    if (testCase.judgeErrors === undefined || testCase.judgeErrors.length === 0) continue;
    failures.push({
      name: `judge > ${testCase.name}`,
      model: testCase.model,
      prompt: testCase.prompt,
      repeat: testCase.repeat,
      status: 'error',
      reasons: testCase.judgeErrors.map((error) => `${error.criterion}: ${error.error}; the judge replied: ${error.raw === '' ? '(nothing)' : error.raw}`),
      planted: false,
      judge: true,
    });
  }
  return failures;
}

function countLabel(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `embedded 3.21.1 · 2 models × 6 prompts × 1 repeat` */
export function describeRun(results: Results): string {
  const prompts = new Set(results.cases.map(testId)).size;
  const runtime = `${results.runtime.name}${results.runtime.version === null ? '' : ` ${results.runtime.version}`}`;
  return `${runtime} · ${countLabel(results.models.length, 'model')} × ${countLabel(prompts, 'prompt')} × ${countLabel(results.settings.repeats, 'repeat')}`;
}

/**
 * `Interrupted (SIGINT): 7 cases measured before the run stopped; not reached: fixture-small.`,
 * or null for a run that finished. Every report leads with it: the figures cover only part of the run.
 */
export function describeInterruption(results: Results): string | null {
  const interrupted = results.interrupted;
  if (interrupted === undefined) return null;
  const signal = interrupted.signal === null ? '' : ` (${interrupted.signal})`;
  const notReached = interrupted.modelsNotReached.length === 0 ? '' : `; not reached: ${interrupted.modelsNotReached.join(', ')}`;
  return `Interrupted${signal}: ${countLabel(results.cases.length, 'case')} measured before the run stopped${notReached}. Partial results: never a baseline, never passed by the gate.`;
}

/** `max 256 tokens, temperature 0, seed 42, 1 warm-up, cold prompt cache` */
export function describeSettings(results: Results): string {
  const { maxTokens, temperature, seed, warmup, promptCache } = results.settings;
  const cache = promptCache === null ? '' : `, ${promptCache} prompt cache`;
  return `max ${maxTokens} tokens, temperature ${temperature}${seed === null ? '' : `, seed ${seed}`}, ${countLabel(warmup, 'warm-up')}${cache}`;
}

/**
 * How busy the machine was: `Machine load: load average 0.4, other processes 12% of a core;
 * calibration 25 ms CPU, 0.41 ms loopback at the start, 26 ms, 0.40 ms at the end`. Null when
 * nothing was recorded (results from before edge-evals recorded it, a merged run).
 */
export function describeMachineLoad(results: Results): string | null {
  const { loadAverage, otherCpuPercent } = machineState(results);
  const parts = [
    ...(loadAverage === null ? [] : [`load average ${loadAverage.toFixed(1)}`]),
    ...(otherCpuPercent === null ? [] : [`other processes ${Math.round(otherCpuPercent)}% of a core`]),
  ];
  const calibration = results.calibration;
  const calibrated = calibration === null
    ? ''
    : `; calibration ${formatMs(calibration.start.cpuMs)} CPU, ${calibration.start.loopbackMs.toFixed(2)} ms loopback at the start, ` +
      `${formatMs(calibration.end.cpuMs)}, ${calibration.end.loopbackMs.toFixed(2)} ms at the end`;
  if (parts.length === 0 && calibrated === '') return null;
  return `Machine load during the tests: ${parts.length === 0 ? 'not sampled' : parts.join(', ')}${calibrated}`;
}

/** `Intel Xeon (2 cores, 8 GB, linux 6.1, node v20.20.2)` */
export function describeMachine(machine: Results['machine']): string {
  const { cpu, cores, memoryGB, os, node } = machine;
  return `${cpu} (${cores} cores, ${Math.round(memoryGB)} GB, ${os}, node ${node})`;
}

/** `2026-01-02 03:04 UTC`, or the string as given when it is not a date. */
export function describeTime(isoTime: string): string {
  const time = Date.parse(isoTime);
  if (Number.isNaN(time)) return isoTime;
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface RecommendationLine {
  category: string;
  model: string;
  reason: string;
}

export function recommendationLines(results: Results): RecommendationLine[] {
  return results.recommendations.map((recommendation) => ({
    category: recommendation.category,
    model: recommendation.model ?? 'none',
    reason: recommendation.reason,
  }));
}

export interface TrendMetric {
  label: string;
  pick: (model: ModelResult) => number | null;
  format: (value: number | null) => string;
  better: 'lower' | 'higher';
}

export const TREND_METRICS: readonly TrendMetric[] = [
  { label: 'TTFT p50', pick: (model) => model.summary.ttftMs.p50, format: formatMs, better: 'lower' },
  { label: 'E2E p50', pick: (model) => model.summary.e2eMs.p50, format: formatMs, better: 'lower' },
  { label: 'tokens/s p50', pick: (model) => model.summary.tokensPerSec.p50, format: formatRate, better: 'higher' },
  {
    label: 'checks passed',
    pick: (model) => (model.checksTotal === 0 ? null : model.checksPassed / model.checksTotal),
    format: formatPercent,
    better: 'higher',
  },
];

/**
 * The earlier runs a trend may set beside this one: those that measured the same tests. A run
 * narrowed with `-t` or a file filter, or made before an eval changed, would show a jump that
 * no model caused. (A run of fewer models is comparable: each model is its own line.)
 */
export function comparableRuns(history: readonly HistoryRun[], current: Results): { runs: HistoryRun[]; leftOut: number } {
  const tests = measuredTests(current.cases);
  const runs = history.filter((run) => run.measuredTests === tests);
  return { runs, leftOut: history.length - runs.length };
}

/** Each label, made distinct where two are equal: `refine` gives the longer form. */
function distinct(labels: readonly string[], refine: (index: number) => string): string[] {
  return labels.map((label, index) => (labels.indexOf(label) === labels.lastIndexOf(label) ? label : refine(index)));
}

/** `11-30 14:03` per run; with seconds, then a count, where two runs would read the same. */
export function trendLabels(runs: readonly RunSummary[]): string[] {
  const minutes = runs.map((run) => describeTime(run.createdAt).slice(5, 16));
  const seconds = distinct(minutes, (index) => `${minutes[index]}:${(runs[index]?.createdAt ?? '').slice(17, 19)}`);
  return distinct(seconds, (index) => `${seconds[index]} #${seconds.slice(0, index + 1).filter((label) => label === seconds[index]).length}`);
}

/** ` (3 runs with other tests left out)` for a trend's heading; empty when none were. */
export function leftOutNote(leftOut: number): string {
  return leftOut === 0 ? '' : ` (${leftOut} run${leftOut === 1 ? '' : 's'} with other tests left out)`;
}

/** One value per run (oldest first) for a model; null where the model was not run or not measured. */
export function trendValues(history: readonly RunSummary[], alias: string, metric: TrendMetric): (number | null)[] {
  return history.map((run) => {
    const model = run.models.find((candidate) => candidate.alias === alias);
    return model === undefined ? null : metric.pick(model);
  });
}

/** Every model alias that appears in the history, in order of first appearance. */
export function trendModels(history: readonly RunSummary[]): string[] {
  return [...new Set(history.flatMap((run) => run.models.map((model) => model.alias)))];
}

const SPARK_LEVELS = '▁▂▃▄▅▆▇█';

/** `▁▃▅█`: one character per value, scaled between the smallest and largest; a space for null. */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
  if (present.length === 0) return ' '.repeat(values.length);
  const low = Math.min(...present);
  const high = Math.max(...present);
  return values
    .map((value) => {
      if (value === null || !Number.isFinite(value)) return ' ';
      const level = high === low ? 3 : Math.round(((value - low) / (high - low)) * (SPARK_LEVELS.length - 1));
      return SPARK_LEVELS[level] ?? ' ';
    })
    .join('');
}
