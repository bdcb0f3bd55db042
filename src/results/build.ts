// From the recorded eval tests to the results contract: per-model and per-(model, prompt)
// aggregates and the recommendations. Pure: the reporter gathers the inputs and writes files.
import type { CaseMeta } from '../contract/case-meta.ts';
import { RESULTS_SCHEMA_VERSION, testId, wentAsPlanted, type CaseResult, type GroupResult, type ModelResult, type Results } from '../contract/results.ts';
import { RESOURCE_SAMPLE_INTERVAL_MS } from '../lifecycle/resources.ts';
import { PERCENTILE_METHOD, summarizeMetrics } from '../stats/summary.ts';
import { recommend } from './recommend.ts';

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
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name) ?? [];
    group.push(item);
    groups.set(name, group);
  }
  return groups;
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

function modelResult(alias: string, metas: readonly CaseMeta[]): ModelResult {
  const cases = metas.map((meta) => meta.case);
  const info = metas[0]?.model;
  const resources = cases.flatMap((testCase) => (testCase.resources === null ? [] : [testCase.resources]));
  const peaks = resources.flatMap((sample) => (sample.peakRssMB === null ? [] : [sample.peakRssMB]));
  // Each snapshot averages CPU from the load to that test: the one with most samples covers most.
  const widest = resources.reduce<(typeof resources)[number] | null>(
    (best, sample) => (best === null || sample.samples > best.samples ? sample : best),
    null,
  );
  const count = (status: CaseResult['status']) => cases.filter((testCase) => testCase.status === status).length;
  return {
    alias,
    modelId: info?.modelId ?? null,
    synthetic: info?.synthetic ?? false,
    knownAnswers: info?.knownAnswers ?? false,
    loadMs: info?.loadMs ?? null,
    downloadMs: info?.downloadMs ?? null,
    peakRssMB: peaks.length === 0 ? null : Math.max(...peaks),
    meanCpuPercent: widest?.meanCpuPercent ?? null,
    startError: info?.startError ?? null,
    summary: summarizeMetrics(cases),
    cases: cases.length,
    passed: count('pass'),
    failed: count('fail'),
    errored: count('error'),
    skipped: count('skip'),
    ...countChecks(cases),
    score: meanScore(cases),
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

export function buildResults(input: BuildInput): Results {
  const byModel = groupBy(input.metas, (meta) => meta.case.model);
  const order = [...new Set([...(input.plannedModels ?? []), ...byModel.keys()])].filter((alias) => byModel.has(alias));
  const models = order.map((alias) => modelResult(alias, byModel.get(alias) ?? []));
  const cases = order.flatMap((alias) =>
    (byModel.get(alias) ?? [])
      .map((meta) => meta.case)
      .sort((a, b) => a.category.localeCompare(b.category) || a.prompt.localeCompare(b.prompt) || a.repeat - b.repeat),
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
    recommendations: recommend(models, groups),
    ...(input.interrupted === undefined
      ? {}
      : { interrupted: { signal: input.interrupted.signal, modelsNotReached: (input.plannedModels ?? []).filter((alias) => !byModel.has(alias)) } }),
  };
}
