// What makes a comparison less than like with like, as data: a different runtime, machine,
// model or setting; tests or models on one side only; answers of different lengths; a prompt
// cache in a different state; a machine that ran slower or busier than for the baseline. The
// gate still compares; report/ words these and says what they may mean.
import type { Calibration, ModelResult, Results } from '../contract/results.ts';
import type { CriteriaNotComparable } from './gate-criteria.ts';
import type { LatencyFinding } from './gate-latency.ts';

export interface MachineState {
  /** Mean of the start and end calibrations; null when the run took none. */
  calibration: { cpuMs: number; loopbackMs: number } | null;
  /** Means over the models' tests. */
  loadAverage: number | null;
  otherCpuPercent: number | null;
}

export type GateWarning =
  | { kind: 'runtime'; baseline: string; current: string }
  | { kind: 'machine'; baseline: Results['machine']; current: Results['machine'] }
  | { kind: 'settings'; differences: { setting: string; baseline: string; current: string }[] }
  | { kind: 'model-id'; model: string; baseline: string | null; current: string | null }
  | { kind: 'missing-in-baseline'; model: string; test: string | null }
  | { kind: 'missing-in-current'; model: string; test: string | null }
  /** No test of the model has a latency on both sides. */
  | { kind: 'latency-not-compared'; model: string }
  /** Tests whose answers have a different median length on each side: compared per token. */
  | { kind: 'output-length'; model: string; tests: string[] }
  /** Share of prompt tokens served from the cache, per side (null: the runtime does not say). */
  | { kind: 'prompt-cache'; model: string; baseline: number | null; current: number | null }
  /** The CPU calibration ran this much slower (ratio > 1) or faster than the baseline's. */
  | { kind: 'machine-speed'; ratio: number; normalized: boolean }
  /** Other processes used this much more (or less) CPU, in % of a core, than during the baseline. */
  | { kind: 'machine-load'; model: string; baseline: number; current: number }
  /** Normalisation was asked for, but a side has no calibration. */
  | { kind: 'no-calibration'; side: 'baseline' | 'current' }
  | CriteriaNotComparable
  /** The baseline has no criterion score at all (saved before edge-evals scored answers): none compared. */
  | { kind: 'criteria-not-recorded' };

// A calibration 15% slower is more than its own run-to-run noise on a quiet machine (about 5%).
const SPEED_WARNING_RATIO = 1.15;
// A quarter of a core taken by something else is enough to move a CPU-bound model's timings.
const LOAD_WARNING_POINTS = 25;

const runtimeName = (results: Results) => `${results.runtime.name} ${results.runtime.version ?? '(unknown version)'}`;
const machineKey = (machine: Results['machine']) => JSON.stringify([machine.cpu, machine.cores, Math.round(machine.memoryGB), machine.os]);

export function environmentWarnings(current: Results, baseline: Results): GateWarning[] {
  const warnings: GateWarning[] = [];
  if (runtimeName(current) !== runtimeName(baseline)) warnings.push({ kind: 'runtime', baseline: runtimeName(baseline), current: runtimeName(current) });
  if (machineKey(current.machine) !== machineKey(baseline.machine)) warnings.push({ kind: 'machine', baseline: baseline.machine, current: current.machine });
  const settingKeys = ['maxTokens', 'temperature', 'seed', 'warmup', 'promptCache'] as const;
  const differences = settingKeys
    .filter((key) => current.settings[key] !== baseline.settings[key])
    .map((key) => ({ setting: key, baseline: String(baseline.settings[key] ?? 'not recorded'), current: String(current.settings[key] ?? 'not recorded') }));
  if (differences.length > 0) warnings.push({ kind: 'settings', differences });
  return warnings;
}

export function coverageWarnings(current: Results, baseline: Results, testsOf: (results: Results, model: string) => Set<string>): GateWarning[] {
  const warnings: GateWarning[] = [];
  const baselineModels = new Map(baseline.models.map((model) => [model.alias, model]));
  const currentAliases = new Set(current.models.map((model) => model.alias));
  for (const model of current.models) {
    const before = baselineModels.get(model.alias);
    if (before === undefined) {
      warnings.push({ kind: 'missing-in-baseline', model: model.alias, test: null });
      continue;
    }
    if (before.modelId !== model.modelId) warnings.push({ kind: 'model-id', model: model.alias, baseline: before.modelId, current: model.modelId });
    const now = testsOf(current, model.alias);
    const then = testsOf(baseline, model.alias);
    for (const test of now) if (!then.has(test)) warnings.push({ kind: 'missing-in-baseline', model: model.alias, test });
    for (const test of then) if (!now.has(test)) warnings.push({ kind: 'missing-in-current', model: model.alias, test });
  }
  for (const model of baseline.models) {
    if (!currentAliases.has(model.alias)) warnings.push({ kind: 'missing-in-current', model: model.alias, test: null });
  }
  return warnings;
}

/** Length and prompt-cache differences seen in a model's latency evidence and cases. */
export function likeForLikeWarnings(model: string, findings: readonly LatencyFinding[], cachedShare: { baseline: number | null; current: number | null }): GateWarning[] {
  const warnings: GateWarning[] = [];
  // One metric's evidence: each test (and dataset) once.
  const evidence = findings.filter((finding) => finding.metric === findings[0]?.metric).flatMap((finding) => finding.tests);
  const differing = evidence.filter((test) => test.baseline.outputTokens !== test.current.outputTokens);
  if (differing.length > 0) warnings.push({ kind: 'output-length', model, tests: differing.map((test) => test.test) });
  const { baseline, current } = cachedShare;
  // Any difference matters for TTFT, but a share cannot be compared when a side does not report it.
  if (baseline !== null && current !== null && Math.abs(baseline - current) >= 0.1) warnings.push({ kind: 'prompt-cache', model, baseline, current });
  return warnings;
}

function meanOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0) / known.length;
}

export function machineState(results: Results): MachineState {
  const calibration = results.calibration;
  const both = (pick: (value: Calibration) => number) => (calibration === null ? 0 : (pick(calibration.start) + pick(calibration.end)) / 2);
  return {
    calibration: calibration === null ? null : { cpuMs: both((value) => value.cpuMs), loopbackMs: both((value) => value.loopbackMs) },
    loadAverage: meanOf(results.models.map((model) => model.loadAverage)),
    otherCpuPercent: meanOf(results.models.map((model) => model.otherCpuPercent)),
  };
}

export function machineWarnings(
  current: { state: MachineState; models: readonly ModelResult[] },
  baseline: { state: MachineState; models: readonly ModelResult[] },
  normalize: boolean,
): GateWarning[] {
  const warnings: GateWarning[] = [];
  const now = current.state.calibration;
  const then = baseline.state.calibration;
  if (normalize && then === null) warnings.push({ kind: 'no-calibration', side: 'baseline' });
  if (normalize && now === null) warnings.push({ kind: 'no-calibration', side: 'current' });
  if (now !== null && then !== null) {
    const ratio = now.cpuMs / then.cpuMs;
    if (ratio > SPEED_WARNING_RATIO || ratio < 1 / SPEED_WARNING_RATIO) warnings.push({ kind: 'machine-speed', ratio, normalized: normalize });
  }
  const baselineModels = new Map(baseline.models.map((model) => [model.alias, model]));
  for (const model of current.models) {
    const before = baselineModels.get(model.alias)?.otherCpuPercent ?? null;
    const after = model.otherCpuPercent;
    if (before !== null && after !== null && Math.abs(after - before) >= LOAD_WARNING_POINTS) {
      warnings.push({ kind: 'machine-load', model: model.alias, baseline: before, current: after });
    }
  }
  return warnings;
}
