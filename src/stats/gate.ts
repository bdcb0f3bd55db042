// The CI gate: one pure function that compares a run with its baseline and returns the verdict
// as data (findings with their effects, intervals and evidence; warnings; the machine states).
// Nothing here reads files or the environment, and nothing here is worded: report/gate.ts says
// it for people, gate.json keeps it for machines.
//
// Three outcomes, each decided with statistics and a practical threshold together:
//   regression    a change beyond the tolerance, shown at the chosen confidence (exit code 1)
//   inconclusive  the data cannot tell (too few repeats for the spread); EVAL_GATE_INCONCLUSIVE
//                 decides whether CI passes (lenient, the default) or fails (strict)
//   pass          every change beyond the tolerance ruled out, or an improvement
import { DEFAULT_GATE_SETTINGS, type GateSettings, type InconclusivePolicy, type Tolerance } from '../config/gate-settings.ts';
import type { Baseline } from '../contract/baseline.ts';
import { datasetRow, testId, type CaseResult, type ModelResult, type Results } from '../contract/results.ts';
import { groupBy } from '../util/group.ts';
import { compareCriteria, type CriterionFinding } from './gate-criteria.ts';
import { compareLatency, thresholdFor, type LatencyFinding, type Outcome } from './gate-latency.ts';
import { comparePassRates, countPasses, rowChanges, type PassRateFinding } from './gate-pass-rates.ts';
import { coverageWarnings, environmentWarnings, likeForLikeWarnings, machineState, machineWarnings, type GateWarning, type MachineState } from './gate-warnings.ts';

export type { CriteriaNotComparable, CriterionFinding, GatedSource } from './gate-criteria.ts';
export type { LatencyFinding, Outcome, TestEvidence, RepeatsPlan } from './gate-latency.ts';
export type { PassCount, PassRateFinding, RowChanges } from './gate-pass-rates.ts';
export type { GateWarning, MachineState } from './gate-warnings.ts';

/** Peak memory is one figure per run: judged against the tolerance alone. */
export interface MemoryFinding {
  kind: 'memory';
  model: string;
  outcome: Outcome;
  baseline: number;
  current: number;
  ratio: number;
  threshold: number;
  tolerance: Tolerance;
}

export type Finding = LatencyFinding | PassRateFinding | MemoryFinding | CriterionFinding;

export type GateOutcome = 'pass' | 'regression' | 'inconclusive';

export interface GateVerdict {
  outcome: GateOutcome;
  /** Whether CI may pass: a pass, or an inconclusive verdict under the lenient policy; never an incomplete run. */
  ok: boolean;
  /** Why the run cannot pass whatever its figures (interrupted, errors outside tests); set by whoever concludes the run. */
  incomplete: string | null;
  findings: Finding[];
  warnings: GateWarning[];
  machine: { baseline: MachineState; current: MachineState; normalization: number | null };
  settings: GateSettings;
}

export function mayPass(outcome: GateOutcome, policy: InconclusivePolicy): boolean {
  return outcome === 'pass' || (outcome === 'inconclusive' && policy === 'lenient');
}

const casesOf = (results: Results, model: string) => results.cases.filter((testCase) => testCase.model === model);

/** A case's test as the gate judges it: a dataset's rows are one test, `capitals/ask`. */
const gatedTest = (testCase: CaseResult) => datasetRow(testCase)?.test ?? testId(testCase);

const groupByTest = (cases: readonly CaseResult[]) => groupBy(cases, gatedTest);

/** A model's tests; a dataset once (rows on one side only are counted in its pass-rate finding). */
const testsOf = (results: Results, model: string) => new Set(casesOf(results, model).map(gatedTest));

/** A model's cases of prompts without data, and each dataset's rows. */
interface ModelCases {
  plain: CaseResult[];
  datasets: Map<string, CaseResult[]>;
}

function splitDatasets(cases: readonly CaseResult[]): ModelCases {
  const rows = cases.filter((testCase) => datasetRow(testCase) !== null);
  return { plain: cases.filter((testCase) => datasetRow(testCase) === null), datasets: groupByTest(rows) };
}

/** Share of prompt tokens served from the cache, over requests that report both counts. */
function cachedShare(cases: readonly CaseResult[]): number | null {
  let cached = 0;
  let prompt = 0;
  for (const testCase of cases) {
    const metrics = testCase.metrics;
    if (metrics === null || metrics.cachedPromptTokens === null || metrics.promptTokens === null || metrics.promptTokens === 0) continue;
    cached += metrics.cachedPromptTokens;
    prompt += metrics.promptTokens;
  }
  return prompt === 0 ? null : cached / prompt;
}

function compareMemory(model: string, baseline: number | null, current: number | null, tolerance: Tolerance): MemoryFinding | null {
  if (baseline === null || current === null || baseline <= 0) return null;
  const threshold = thresholdFor(tolerance, baseline);
  const ratio = current / baseline;
  const outcome: Outcome = ratio > threshold ? 'regression' : ratio < 1 / threshold ? 'improvement' : 'within';
  return { kind: 'memory', model, outcome, baseline, current, ratio, threshold, tolerance };
}

function comparePassRatesOf(model: string, baselineCases: readonly CaseResult[], currentCases: readonly CaseResult[], settings: GateSettings): PassRateFinding[] {
  const level = 1 - 2 * settings.alpha;
  const before = groupByTest(baselineCases);
  const findings: PassRateFinding[] = [];
  const shared: { tests: number; baseline: CaseResult[]; current: CaseResult[] } = { tests: 0, baseline: [], current: [] };
  for (const [test, cases] of groupByTest(currentCases)) {
    const current = countPasses(cases, level);
    if (current === null) continue;
    const baselineCasesOfTest = before.get(test) ?? [];
    const baseline = countPasses(baselineCasesOfTest, level);
    const dataset = datasetRow(cases[0] as CaseResult) !== null;
    if (baseline !== null && !dataset) {
      shared.tests++;
      shared.baseline.push(...baselineCasesOfTest);
      shared.current.push(...cases);
    }
    const finding = comparePassRates({ model, test }, baseline, current, settings);
    findings.push(dataset ? { ...finding, rows: rowChanges(baselineCasesOfTest, cases) } : finding);
  }
  // Over all the tests without data both runs have: a broad drop shows there even when each test
  // has too few repeats. With one test, that is the test's own finding again. A dataset is judged
  // on its own: pooled in, its rows would outweigh every other test.
  const baseline = countPasses(shared.baseline, level);
  const current = countPasses(shared.current, level);
  if (shared.tests > 1 && baseline !== null && current !== null) findings.push(comparePassRates({ model, test: null }, baseline, current, settings));
  return findings;
}

const hasCriterionScores = (results: Results) => results.cases.some((testCase) => (testCase.criteria?.length ?? 0) > 0);

interface Comparison {
  settings: GateSettings;
  normalization: number | null;
  /** False when the baseline has no criterion scores: one warning for the run instead of one per model. */
  criteria: boolean;
}

function compareModel(model: ModelResult, before: ModelResult, current: Results, baseline: Results, { settings, normalization, criteria: compareScores }: Comparison) {
  const baselineCases = casesOf(baseline, model.alias);
  const currentCases = casesOf(current, model.alias);
  const baselineSplit = splitDatasets(baselineCases);
  const currentSplit = splitDatasets(currentCases);
  // The model's prompts without data, then each dataset on its own, its rows the strata.
  const groups = [
    { dataset: null, baselineCases: baselineSplit.plain, currentCases: currentSplit.plain },
    ...[...currentSplit.datasets]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([dataset, rows]) => ({ dataset, baselineCases: baselineSplit.datasets.get(dataset) ?? [], currentCases: rows })),
  ];
  const latency = (['ttftMs', 'tpotMs'] as const).flatMap((metric) => {
    const tolerance = metric === 'ttftMs' ? settings.tolerances.ttft : settings.tolerances.tpot;
    return groups.flatMap((group) => {
      const finding = compareLatency({ model: model.alias, metric, ...group, tolerance, alpha: settings.alpha, normalization });
      return finding === null ? [] : [finding];
    });
  });
  const memory = compareMemory(model.alias, before.peakRssMB, model.peakRssMB, settings.tolerances.memory);
  const criteria = compareScores
    ? compareCriteria({ model: model.alias, baselineCases, currentCases, tolerance: settings.criteriaTolerance, alpha: settings.alpha })
    : { findings: [], notComparable: [] };
  const findings: Finding[] = [...latency, ...(memory === null ? [] : [memory]), ...comparePassRatesOf(model.alias, baselineCases, currentCases, settings), ...criteria.findings];
  const warnings: GateWarning[] = [
    ...criteria.notComparable,
    ...(latency.length === 0 && currentCases.some((testCase) => testCase.metrics !== null) ? [{ kind: 'latency-not-compared' as const, model: model.alias }] : []),
    ...likeForLikeWarnings(model.alias, latency, { baseline: cachedShare(baselineCases), current: cachedShare(currentCases) }),
  ];
  return { findings, warnings };
}

/** Compare a run with its baseline. Pure: same inputs, same verdict (resampling is seeded). */
export function compareToBaseline(current: Results, baseline: Baseline, settings: GateSettings = DEFAULT_GATE_SETTINGS): GateVerdict {
  const states = { baseline: machineState(baseline), current: machineState(current) };
  const normalize = settings.normalize === 'calibration';
  const normalization =
    normalize && states.baseline.calibration !== null && states.current.calibration !== null
      ? states.baseline.calibration.cpuMs / states.current.calibration.cpuMs
      : null;

  const findings: Finding[] = [];
  const criteriaNotRecorded = !hasCriterionScores(baseline) && hasCriterionScores(current);
  const warnings: GateWarning[] = [
    ...environmentWarnings(current, baseline),
    ...coverageWarnings(current, baseline, testsOf),
    ...(criteriaNotRecorded ? [{ kind: 'criteria-not-recorded' as const }] : []),
  ];
  const baselineModels = new Map(baseline.models.map((model) => [model.alias, model]));
  for (const model of current.models) {
    const before = baselineModels.get(model.alias);
    if (before === undefined) continue;
    const compared = compareModel(model, before, current, baseline, { settings, normalization, criteria: !criteriaNotRecorded });
    findings.push(...compared.findings);
    warnings.push(...compared.warnings);
  }
  warnings.push(...machineWarnings({ state: states.current, models: current.models }, { state: states.baseline, models: baseline.models }, normalize));

  const outcome: GateOutcome = findings.some((finding) => finding.outcome === 'regression')
    ? 'regression'
    : findings.some((finding) => finding.outcome === 'inconclusive')
      ? 'inconclusive'
      : 'pass';
  return {
    outcome,
    ok: mayPass(outcome, settings.inconclusive),
    incomplete: null,
    findings,
    warnings,
    machine: { ...states, normalization },
    settings,
  };
}
