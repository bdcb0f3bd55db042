// The CI gate: one pure function that compares a run with a baseline and says whether the
// run may pass. Nothing here reads files or the environment; the eval command and
// `edge-evals report` load both sides and the tolerances, and act on the verdict.
//
// A change counts only when it is larger than BOTH the relative tolerance and the absolute
// floor of its kind, so 2 ms -> 3 ms on a tiny model is not a "50% regression". Pass rates
// are judged against an absolute minimum per (model, prompt) over repeats, which lets a
// suite with repeats accept some flakiness instead of requiring every repeat to pass.
import type { Baseline } from '../contract/baseline.ts';
import { testId, type GroupResult, type MetricSummaries, type ModelResult, type Results, type Summary } from '../contract/results.ts';
import { formatChange, formatPercent, formatValue, type Unit } from '../report/format.ts';

export interface Tolerance {
  /** Allowed change as a fraction of the baseline value (0.5 = 50%). */
  relative: number;
  /** Changes smaller than this, in the metric's unit, never count. */
  absolute: number;
}

export interface GateTolerances {
  /** TTFT and E2E, in ms. */
  latency: Tolerance;
  /** Output tokens per second. */
  throughput: Tolerance;
  /** Peak resident memory of the model's processes, in MB. */
  memory: Tolerance;
  /** Minimum pass rate of every (model, prompt) over its repeats, 0..1. */
  minPassRate: number;
}

// Tight enough that a doubled latency (or a halved throughput) is always caught, loose enough
// for back-to-back runs on a runner that does nothing else; a busy shared machine drifts
// further (up to 3x, bench-notes/gate-noise.md) and needs wider EVAL_GATE_TOLERANCES.
// Throughput is n / E2E, so 35% matches latency's 50%.
export const DEFAULT_TOLERANCES: GateTolerances = {
  latency: { relative: 0.5, absolute: 20 },
  throughput: { relative: 0.35, absolute: 2 },
  memory: { relative: 0.25, absolute: 64 },
  minPassRate: 1,
};

export type GateMetric = 'ttftMs.p50' | 'ttftMs.p95' | 'e2eMs.p50' | 'e2eMs.p95' | 'tokensPerSec.p50' | 'peakRssMB' | 'passRate';

export interface GateItem {
  model: string;
  /** The test within the model, `<category>/<prompt id>` as in its name; null for the model as a whole. */
  test: string | null;
  metric: GateMetric;
  /** What a person reads: `TTFT p50`. */
  label: string;
  unit: Unit;
  better: 'lower' | 'higher';
  /** null for a pass rate with no baseline counterpart. */
  baseline: number | null;
  current: number;
  /** current - baseline (0 when there is no baseline value). */
  change: number;
  /** change / baseline; null when the baseline is 0 or missing. */
  relativeChange: number | null;
  /** The tolerance that applied, as a person reads it: `50% or 20 ms`, `minimum 100%`. */
  tolerance: string;
}

type Scope = Pick<GateItem, 'model' | 'test'>;

export type GateWarningKind = 'runtime' | 'model-id' | 'machine' | 'settings' | 'missing-in-current' | 'missing-in-baseline' | 'few-samples';

export interface GateWarning {
  kind: GateWarningKind;
  message: string;
}

export interface GateVerdict {
  ok: boolean;
  /** One line: what CI shows as the check's title. */
  title: string;
  regressions: GateItem[];
  improvements: GateItem[];
  warnings: GateWarning[];
  /** Number of (metric, scope) pairs that had a value on both sides. */
  compared: number;
  /** Several lines: the title, then every regression, improvement and warning. */
  message: string;
}

interface MetricDefinition {
  metric: GateMetric;
  label: string;
  unit: Unit;
  better: 'lower' | 'higher';
  kind: 'latency' | 'throughput' | 'memory';
  pick: (summaries: MetricSummaries) => { value: number | null; n: number };
  /** Compared only when both sides have at least this many requests. */
  minSamples: number;
}

const fromSummary = (summary: Summary, key: 'p50' | 'p95') => ({ value: summary[key], n: summary.n });

// The median of one or two requests is one request's luck, and below five samples p95 is,
// within a few percent, the slowest request. Comparing those would make the gate flaky by
// construction, so a test's latency is compared from 3 repeats (EVAL_REPEATS) and its p95
// from 5; a model's figures cover all its tests and usually have enough.
export const MIN_SAMPLES_FOR_MEDIAN = 3;
export const MIN_SAMPLES_FOR_TAIL = 5;

const SUMMARY_METRICS: MetricDefinition[] = [
  { metric: 'ttftMs.p50', label: 'TTFT p50', unit: 'ms', better: 'lower', kind: 'latency', pick: (s) => fromSummary(s.ttftMs, 'p50'), minSamples: MIN_SAMPLES_FOR_MEDIAN },
  { metric: 'ttftMs.p95', label: 'TTFT p95', unit: 'ms', better: 'lower', kind: 'latency', pick: (s) => fromSummary(s.ttftMs, 'p95'), minSamples: MIN_SAMPLES_FOR_TAIL },
  { metric: 'e2eMs.p50', label: 'E2E p50', unit: 'ms', better: 'lower', kind: 'latency', pick: (s) => fromSummary(s.e2eMs, 'p50'), minSamples: MIN_SAMPLES_FOR_MEDIAN },
  { metric: 'e2eMs.p95', label: 'E2E p95', unit: 'ms', better: 'lower', kind: 'latency', pick: (s) => fromSummary(s.e2eMs, 'p95'), minSamples: MIN_SAMPLES_FOR_TAIL },
  { metric: 'tokensPerSec.p50', label: 'tokens/s p50', unit: 'tok/s', better: 'higher', kind: 'throughput', pick: (s) => fromSummary(s.tokensPerSec, 'p50'), minSamples: MIN_SAMPLES_FOR_MEDIAN },
];

type Outcome = 'regression' | 'improvement' | 'within';

interface Collector {
  regressions: GateItem[];
  improvements: GateItem[];
  compared: number;
}

export function describeTolerance(tolerance: Tolerance, unit: Unit): string {
  return `${Math.round(tolerance.relative * 100)}% or ${formatValue(tolerance.absolute, unit)}`;
}

/** The change that is allowed before it counts: the larger of the relative and absolute parts. */
export function allowedChange(baseline: number, tolerance: Tolerance): number {
  return Math.max(Math.abs(baseline) * tolerance.relative, tolerance.absolute);
}

/** Whether `current` is worse, better or within tolerance of `baseline`, direction aware. */
export function classifyChange(baseline: number, current: number, better: 'lower' | 'higher', tolerance: Tolerance): Outcome {
  const worsening = better === 'lower' ? current - baseline : baseline - current;
  const allowed = allowedChange(baseline, tolerance);
  if (worsening > allowed) return 'regression';
  if (-worsening > allowed) return 'improvement';
  return 'within';
}

function compareValue(
  collector: Collector,
  scope: Scope,
  definition: Pick<MetricDefinition, 'metric' | 'label' | 'unit' | 'better'>,
  baseline: number | null,
  current: number | null,
  tolerance: Tolerance,
): void {
  if (baseline === null || current === null) return;
  collector.compared += 1;
  const outcome = classifyChange(baseline, current, definition.better, tolerance);
  if (outcome === 'within') return;
  const change = current - baseline;
  const item: GateItem = {
    model: scope.model,
    test: scope.test,
    metric: definition.metric,
    label: definition.label,
    unit: definition.unit,
    better: definition.better,
    baseline,
    current,
    change,
    relativeChange: baseline === 0 ? null : change / baseline,
    tolerance: describeTolerance(tolerance, definition.unit),
  };
  (outcome === 'regression' ? collector.regressions : collector.improvements).push(item);
}

function compareSummaries(
  collector: Collector,
  scope: Scope,
  baseline: MetricSummaries,
  current: MetricSummaries,
  tolerances: GateTolerances,
): void {
  for (const definition of SUMMARY_METRICS) {
    const before = definition.pick(baseline);
    const now = definition.pick(current);
    if (before.n < definition.minSamples || now.n < definition.minSamples) continue;
    compareValue(collector, scope, definition, before.value, now.value, tolerances[definition.kind]);
  }
}

const groupKey = (group: GroupResult) => JSON.stringify([group.model, testId(group)]);

function comparePassRate(collector: Collector, group: GroupResult, baseline: GroupResult | undefined, minPassRate: number): void {
  const scope = { model: group.model, test: testId(group) };
  const before = baseline?.passRate ?? null;
  const base = { ...scope, metric: 'passRate' as const, label: 'pass rate', unit: '%' as const, better: 'higher' as const };
  const change = before === null ? 0 : group.passRate - before;
  const item: GateItem = {
    ...base,
    baseline: before,
    current: group.passRate,
    change,
    relativeChange: before === null || before === 0 ? null : change / before,
    tolerance: `minimum ${formatPercent(minPassRate)}`,
  };
  if (before !== null) collector.compared += 1;
  // Failures planted in a model with known answers are expected: the minimum is on the rest.
  if ((group.passRateAsPlanted ?? group.passRate) < minPassRate) collector.regressions.push(item);
  else if (before !== null && group.passRate > before) collector.improvements.push(item);
}


function describeMachine(machine: Results['machine']): string {
  return `${machine.cpu}, ${machine.cores} cores, ${Math.round(machine.memoryGB)} GB, ${machine.os}`;
}

function environmentWarnings(current: Results, baseline: Baseline): GateWarning[] {
  const warnings: GateWarning[] = [];
  const runtime = (results: Results) => `${results.runtime.name} ${results.runtime.version ?? '(unknown version)'}`;
  if (runtime(current) !== runtime(baseline)) {
    warnings.push({ kind: 'runtime', message: `runtime differs: baseline ${runtime(baseline)}, this run ${runtime(current)}` });
  }
  if (describeMachine(current.machine) !== describeMachine(baseline.machine)) {
    warnings.push({
      kind: 'machine',
      message: `machine differs: baseline ${describeMachine(baseline.machine)}; this run ${describeMachine(current.machine)}`,
    });
  }
  const settingKeys = ['maxTokens', 'temperature', 'seed', 'warmup'] as const;
  const differing = settingKeys.filter((key) => current.settings[key] !== baseline.settings[key]);
  if (differing.length > 0) {
    const details = differing.map((key) => `${key} ${String(baseline.settings[key])} -> ${String(current.settings[key])}`);
    warnings.push({ kind: 'settings', message: `settings differ from the baseline (${details.join(', ')}): latencies may not be comparable` });
  }
  return warnings;
}

function modelWarnings(current: ModelResult[], baseline: ModelResult[]): GateWarning[] {
  const warnings: GateWarning[] = [];
  const baselineByAlias = new Map(baseline.map((model) => [model.alias, model]));
  const currentAliases = new Set(current.map((model) => model.alias));
  for (const model of current) {
    const before = baselineByAlias.get(model.alias);
    if (before === undefined) {
      warnings.push({ kind: 'missing-in-baseline', message: `model ${model.alias} is not in the baseline: not compared` });
      continue;
    }
    if (before.modelId !== model.modelId) {
      warnings.push({
        kind: 'model-id',
        message: `model ${model.alias} is a different model: baseline ${before.modelId ?? '(unknown)'}, this run ${model.modelId ?? '(unknown)'}`,
      });
    }
    if (model.summary.e2eMs.n > 0 && Math.min(before.summary.e2eMs.n, model.summary.e2eMs.n) < MIN_SAMPLES_FOR_MEDIAN) {
      warnings.push({
        kind: 'few-samples',
        message: `model ${model.alias}: latency not compared, fewer than ${MIN_SAMPLES_FOR_MEDIAN} measured requests on one side (run more prompts or raise EVAL_REPEATS)`,
      });
    }
  }
  for (const model of baseline) {
    if (!currentAliases.has(model.alias)) {
      warnings.push({ kind: 'missing-in-current', message: `model ${model.alias} is in the baseline but was not run` });
    }
  }
  return warnings;
}

function groupWarnings(current: GroupResult[], baseline: GroupResult[], sharedModels: Set<string>): GateWarning[] {
  const warnings: GateWarning[] = [];
  const currentKeys = new Set(current.map(groupKey));
  const baselineKeys = new Set(baseline.map(groupKey));
  for (const group of current) {
    if (sharedModels.has(group.model) && !baselineKeys.has(groupKey(group))) {
      warnings.push({ kind: 'missing-in-baseline', message: `${group.model} > ${testId(group)} is not in the baseline: only its pass rate is checked` });
    }
  }
  for (const group of baseline) {
    if (sharedModels.has(group.model) && !currentKeys.has(groupKey(group))) {
      warnings.push({ kind: 'missing-in-current', message: `${group.model} > ${testId(group)} is in the baseline but was not run` });
    }
  }
  return warnings;
}

const METRIC_ORDER: GateMetric[] = ['passRate', 'ttftMs.p50', 'ttftMs.p95', 'e2eMs.p50', 'e2eMs.p95', 'tokensPerSec.p50', 'peakRssMB'];

function byScopeThenMetric(a: GateItem, b: GateItem): number {
  return (
    a.model.localeCompare(b.model) ||
    (a.test ?? '').localeCompare(b.test ?? '') ||
    METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric)
  );
}

/** `fixture-small > code/sort`, or `fixture-small (all prompts)` for a model-level item. */
export function describeScope(item: Scope): string {
  return item.test === null ? `${item.model} (all prompts)` : `${item.model} > ${item.test}`;
}

/** One line per item: `fixture-small > code/sort: E2E p50 312 ms, baseline 150 ms, +162 ms (+108%), tolerance 50% or 20 ms`. */
export function describeItem(item: GateItem): string {
  const baseline = item.baseline === null ? 'no baseline' : `baseline ${formatValue(item.baseline, item.unit)}`;
  const change = item.baseline === null ? '' : `, ${formatChange(item.change, item.relativeChange, item.unit)}`;
  return `${describeScope(item)}: ${item.label} ${formatValue(item.current, item.unit)}, ${baseline}${change}, tolerance ${item.tolerance}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Compare a run with its baseline. Pure: same inputs, same verdict. */
export function compareToBaseline(current: Results, baseline: Baseline, tolerances: GateTolerances = DEFAULT_TOLERANCES): GateVerdict {
  const collector: Collector = { regressions: [], improvements: [], compared: 0 };
  const baselineModels = new Map(baseline.models.map((model) => [model.alias, model]));
  const sharedModels = new Set(current.models.map((model) => model.alias).filter((alias) => baselineModels.has(alias)));

  for (const model of current.models) {
    const before = baselineModels.get(model.alias);
    if (before === undefined) continue;
    const scope = { model: model.alias, test: null };
    compareSummaries(collector, scope, before.summary, model.summary, tolerances);
    compareValue(
      collector,
      scope,
      { metric: 'peakRssMB', label: 'peak memory', unit: 'MB', better: 'lower' },
      before.peakRssMB,
      model.peakRssMB,
      tolerances.memory,
    );
  }

  const baselineGroups = new Map(baseline.groups.map((group) => [groupKey(group), group]));
  for (const group of current.groups) {
    const before = sharedModels.has(group.model) ? baselineGroups.get(groupKey(group)) : undefined;
    comparePassRate(collector, group, before, tolerances.minPassRate);
    if (before !== undefined) compareSummaries(collector, { model: group.model, test: testId(group) }, before.summary, group.summary, tolerances);
  }

  const warnings = [
    ...environmentWarnings(current, baseline),
    ...modelWarnings(current.models, baseline.models),
    ...groupWarnings(current.groups, baseline.groups, sharedModels),
  ];
  const regressions = collector.regressions.sort(byScopeThenMetric);
  const improvements = collector.improvements.sort(byScopeThenMetric);
  const ok = regressions.length === 0;
  const extras = [
    improvements.length > 0 ? plural(improvements.length, 'improvement') : null,
    warnings.length > 0 ? plural(warnings.length, 'warning') : null,
  ].filter((part): part is string => part !== null);
  const suffix = extras.length > 0 ? ` (${extras.join(', ')})` : '';
  const title = ok
    ? `Gate passed: no regressions against the baseline${suffix}`
    : `Gate failed: ${plural(regressions.length, 'regression')} against the baseline${suffix}`;
  const lines = [
    title,
    ...regressions.map((item) => `  regression: ${describeItem(item)}`),
    ...improvements.map((item) => `  improvement: ${describeItem(item)}`),
    ...warnings.map((warning) => `  warning: ${warning.message}`),
  ];
  return { ok, title, regressions, improvements, warnings, compared: collector.compared, message: lines.join('\n') };
}

/** Thrown by parseTolerances for a malformed spec; the caller says where the spec came from. */
export class ToleranceSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToleranceSpecError';
  }
}

const TOLERANCE_UNITS: Record<'latency' | 'throughput' | 'memory', Record<string, number>> = {
  latency: { '': 1, ms: 1, s: 1000 },
  throughput: { '': 1, 'tok/s': 1 },
  memory: { '': 1, mb: 1, gb: 1024 },
};

export const TOLERANCE_SPEC_EXAMPLE = 'latency=50%+20ms,throughput=35%+2,memory=25%+64MB';

/**
 * Parse `latency=50%+20ms,throughput=35%+2tok/s,memory=25%+64MB` over `base`. Each entry may
 * give the relative part, the absolute part or both; what it leaves out keeps its value.
 */
export function parseTolerances(spec: string, base: GateTolerances = DEFAULT_TOLERANCES): GateTolerances {
  const result: GateTolerances = {
    ...base,
    latency: { ...base.latency },
    throughput: { ...base.throughput },
    memory: { ...base.memory },
  };
  const entries = spec.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [rawKey, rawValue] = entry.split('=', 2).map((part) => part.trim());
    const key = rawKey?.toLowerCase();
    if (key !== 'latency' && key !== 'throughput' && key !== 'memory') {
      throw new ToleranceSpecError(`unknown tolerance "${rawKey ?? ''}" in "${entry}": expected latency, throughput or memory (e.g. ${TOLERANCE_SPEC_EXAMPLE})`);
    }
    const parts = (rawValue ?? '').split('+').map((piece) => piece.trim()).filter((piece) => piece !== '');
    if (parts.length === 0) {
      throw new ToleranceSpecError(`"${entry}" has no value: expected ${key}=<percent>+<amount> (e.g. ${TOLERANCE_SPEC_EXAMPLE})`);
    }
    for (const part of parts) {
      const match = /^(\d+(?:\.\d+)?)\s*(%|[a-z/]*)$/i.exec(part);
      const amount = match === null ? Number.NaN : Number(match[1]);
      const unit = (match?.[2] ?? '').toLowerCase();
      if (match === null || !Number.isFinite(amount)) {
        throw new ToleranceSpecError(`"${part}" in "${entry}" is not a tolerance: expected a percentage like 30% or an amount like 20ms`);
      }
      if (unit === '%') {
        result[key].relative = amount / 100;
        continue;
      }
      const scale = TOLERANCE_UNITS[key][unit];
      if (scale === undefined) {
        const units = Object.keys(TOLERANCE_UNITS[key]).filter((name) => name !== '');
        throw new ToleranceSpecError(`"${part}" in "${entry}": unit "${match[2] ?? ''}" does not fit ${key} (use ${units.join(' or ')}, or no unit)`);
      }
      result[key].absolute = amount * scale;
    }
  }
  return result;
}
