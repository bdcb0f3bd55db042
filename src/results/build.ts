// From the recorded eval tests to the results contract: per-model and per-(model, prompt)
// aggregates and the recommendations. Pure: the reporter gathers the inputs and writes files.
import type { CaseMeta, JudgeMeta } from '../contract/case-meta.ts';
import type { CriterionWeights } from '../contract/criteria.ts';
import { RESULTS_SCHEMA_VERSION, testId, wentAsPlanted, type CaseResult, type CriteriaSettings, type GroupResult, type ModelResult, type Results } from '../contract/results.ts';
import { RESOURCE_SAMPLE_INTERVAL_MS } from '../lifecycle/resources.ts';
import { PERCENTILE_METHOD, summarizeMetrics } from '../stats/summary.ts';
import { headlineMeans, headlineSources, sourceAgreement, summarizeCriteria, weightedScore, withSpeed } from './criteria.ts';
import { judgeInfo, mergeVerdicts } from './verdicts.ts';
import { recommend } from './recommend.ts';
import { groupBy } from '../util/group.ts';

export interface BuildInput {
  metas: readonly CaseMeta[];
  /** Model order of the run plan; models it lists without any case still get a row. */
  plannedModels?: readonly string[];
  settings: Omit<Results['settings'], 'percentileMethod' | 'resourceSampleIntervalMs'>;
  machine: Results['machine'];
  edgeEvalsVersion: string;
  createdAt: string;
  /** Used when no case recorded the runtime (a run where nothing started). */
  fallbackRuntime: Results['runtime'];
  /** Set when the run stopped before it finished; the planned models without a case are listed. */
  interrupted?: { signal: string | null };
  /** EVAL_WEIGHTS, normalised. */
  weights: CriterionWeights;
  /** What the judge phase recorded, when a judge was configured. */
  verdicts?: readonly JudgeMeta[];
  /** The machine calibrations taken at the start and the end of the run, when both were. */
  calibration?: Results['calibration'];
}

function countChecks(cases: readonly CaseResult[]) {
  const checks = cases.flatMap((testCase) => testCase.assertions);
  const evaluated = checks.filter((check) => check.skipped !== true);
  return {
    checksPassed: evaluated.filter((check) => check.pass).length,
    checksTotal: evaluated.length,
    checksSkipped: checks.length - evaluated.length,
    checksPlanted: evaluated.filter((check) => !check.pass && check.planted !== undefined).length,
  };
}

/** The mean of the cases' scores, over the cases that ran a check. */
function meanScore(cases: readonly CaseResult[]): number | null {
  const scores = cases.flatMap((testCase) => (testCase.score === undefined || testCase.score === null ? [] : [testCase.score]));
  return scores.length === 0 ? null : scores.reduce((sum, score) => sum + score, 0) / scores.length;
}

function modelResult(alias: string, metas: readonly CaseMeta[], cases: readonly CaseResult[], criteria: CriteriaSettings): ModelResult {
  const info = metas[0]?.model;
  const resources = cases.flatMap((testCase) => (testCase.resources === null ? [] : [testCase.resources]));
  const peaks = resources.flatMap((sample) => (sample.peakRssMB === null ? [] : [sample.peakRssMB]));
  // Each snapshot averages CPU and load from the model's load to that test: the one with most samples covers most.
  const widest = resources.reduce<(typeof resources)[number] | null>(
    (best, sample) => (best === null || sample.samples > best.samples ? sample : best),
    null,
  );
  const count = (status: CaseResult['status']) => cases.filter((testCase) => testCase.status === status).length;
  const summaries = summarizeCriteria(cases, criteria.headline);
  return {
    alias,
    modelId: info?.modelId ?? null,
    synthetic: info?.synthetic ?? false,
    knownAnswers: info?.knownAnswers ?? false,
    loadMs: info?.loadMs ?? null,
    downloadMs: info?.downloadMs ?? null,
    peakRssMB: peaks.length === 0 ? null : Math.max(...peaks),
    meanCpuPercent: widest?.meanCpuPercent ?? null,
    loadAverage: widest?.loadAverage ?? null,
    otherCpuPercent: widest?.otherCpuPercent ?? null,
    startError: info?.startError ?? null,
    skipReason: info?.skipReason ?? null,
    memory: info?.memory ?? null,
    busyProcesses: widest?.busyProcesses ?? [],
    summary: summarizeMetrics(cases),
    cases: cases.length,
    passed: count('pass'),
    failed: count('fail'),
    errored: count('error'),
    skipped: count('skip'),
    ...countChecks(cases),
    score: meanScore(cases),
    criteria: summaries,
    weightedScore: weightedScore(headlineMeans(summaries), criteria.weights),
  };
}

function groupResult(cases: readonly CaseResult[]): GroupResult {
  const first = cases[0] as CaseResult;
  const judged = cases.filter((testCase) => testCase.status !== 'skip');
  const share = (count: number) => (judged.length === 0 ? 0 : count / judged.length);
  const passed = judged.filter((testCase) => testCase.status === 'pass').length;
  const planted = judged.some((testCase) => testCase.assertions.some((check) => check.planted !== undefined));
  return {
    model: first.model,
    prompt: first.prompt,
    category: first.category,
    repeats: cases.length,
    passRate: share(passed),
    ...(planted ? { passRateAsPlanted: share(judged.filter(wentAsPlanted).length) } : {}),
    summary: summarizeMetrics(cases),
  };
}

/** Categories whose eval set weights of its own, from the cases' metas. */
function categoryWeights(metas: readonly CaseMeta[]): Record<string, CriterionWeights> {
  const weights: Record<string, CriterionWeights> = {};
  for (const meta of metas) if (meta.criteriaWeights !== undefined) weights[meta.case.category] = meta.criteriaWeights;
  return weights;
}

export function buildResults(input: BuildInput): Results {
  const byModel = groupBy(input.metas, (meta) => meta.case.model);
  const order = [...new Set([...(input.plannedModels ?? []), ...byModel.keys()])].filter((alias) => byModel.has(alias));
  const judged = mergeVerdicts(
    input.metas.map((meta) => meta.case),
    input.verdicts ?? [],
  );
  const cases = withSpeed(
    order.flatMap((alias) =>
      judged.filter((testCase) => testCase.model === alias).sort((a, b) => a.category.localeCompare(b.category) || a.prompt.localeCompare(b.prompt) || a.repeat - b.repeat),
    ),
  );
  const criteria: CriteriaSettings = {
    weights: input.weights,
    categoryWeights: categoryWeights(input.metas),
    headline: headlineSources(cases),
    judge: judgeInfo(input.verdicts ?? []),
    agreement: sourceAgreement(cases),
  };
  const models = order.map((alias) =>
    modelResult(
      alias,
      byModel.get(alias) ?? [],
      cases.filter((testCase) => testCase.model === alias),
      criteria,
    ),
  );
  const groups = [...groupBy(cases, (testCase) => `${testCase.model} > ${testId(testCase)}`).values()].map(groupResult);
  const runtime = input.metas.find((meta) => meta.case.status !== 'error' || meta.model.startError === null)?.runtime ?? input.metas[0]?.runtime;
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: input.createdAt,
    edgeEvalsVersion: input.edgeEvalsVersion,
    runtime: runtime === undefined ? input.fallbackRuntime : { name: runtime.name, version: runtime.version, reason: runtime.reason },
    machine: input.machine,
    settings: { ...input.settings, percentileMethod: PERCENTILE_METHOD, resourceSampleIntervalMs: RESOURCE_SAMPLE_INTERVAL_MS },
    models,
    cases,
    groups,
    recommendations: recommend({ models, groups, cases, criteria }),
    criteria,
    calibration: input.calibration ?? null,
    ...(input.interrupted === undefined
      ? {}
      : { interrupted: { signal: input.interrupted.signal, modelsNotReached: (input.plannedModels ?? []).filter((alias) => !byModel.has(alias)) } }),
  };
}
