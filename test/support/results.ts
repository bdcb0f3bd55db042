// Builds valid `Results` objects from a few numbers per case, for the tests of the gate,
// the renderers and the results files.
import type { CaseMeta } from '../../src/contract/case-meta.ts';
import type { AssertionResult, CaseResult, CaseStatus, GroupResult, MetricSummaries, ModelResult, RequestMetrics, Results, Summary, TemplateVars } from '../../src/contract/results.ts';
import { RESULTS_SCHEMA_VERSION, wentAsPlanted } from '../../src/contract/results.ts';
import { summarizeMetrics } from '../../src/stats/summary.ts';

export interface CaseSpec {
  model: string;
  prompt: string;
  category?: string;
  repeat?: number;
  status?: CaseStatus;
  ttftMs?: number;
  e2eMs?: number;
  outputTokens?: number;
  /** Prompt tokens the server said it took from its cache (default 0: a cold prompt). */
  cachedPromptTokens?: number | null;
  response?: string;
  assertions?: AssertionResult[];
  error?: string | null;
  /** A data row's variables: the case is that row of a dataset (`capitals/ask/france`). */
  vars?: TemplateVars;
}

export interface ModelSpec {
  modelId?: string | null;
  peakRssMB?: number | null;
  loadMs?: number | null;
  startError?: string | null;
  synthetic?: boolean;
  knownAnswers?: boolean;
  loadAverage?: number | null;
  otherCpuPercent?: number | null;
}

export interface ResultsSpec {
  createdAt?: string;
  runtime?: Results['runtime'];
  machine?: Partial<Results['machine']>;
  settings?: Partial<Results['settings']>;
  models?: Record<string, ModelSpec>;
  recommendations?: Results['recommendations'];
  calibration?: Results['calibration'];
}

/** The metrics of a request measured at these times, derived as docs/METRICS.md defines them. */
export function buildMetrics({ ttftMs, e2eMs, outputTokens, cachedPromptTokens = 0 }: { ttftMs: number; e2eMs: number; outputTokens: number; cachedPromptTokens?: number | null }): RequestMetrics {
  return {
    ttftMs,
    ttfotMs: ttftMs,
    e2eMs,
    streamCloseMs: e2eMs + 1,
    tpotMs: outputTokens > 1 ? (e2eMs - ttftMs) / (outputTokens - 1) : null,
    outputTokens,
    promptTokens: 12,
    cachedPromptTokens,
    tokensPerSec: outputTokens / (e2eMs / 1000),
    decodeTokensPerSec: outputTokens > 1 ? (outputTokens - 1) / ((e2eMs - ttftMs) / 1000) : null,
    tokenSource: 'usage',
    outputEvents: outputTokens,
    interChunkGapsMs: [],
    finishReason: 'stop',
    server: null,
    overheadMs: null,
    tokenCountDisagreement: false,
  };
}

export function buildCase(spec: CaseSpec): CaseResult {
  const status = spec.status ?? 'pass';
  const ttftMs = spec.ttftMs ?? 20;
  const e2eMs = spec.e2eMs ?? 200;
  const outputTokens = spec.outputTokens ?? 32;
  const metrics = status === 'error' ? null : buildMetrics({ ttftMs, e2eMs, outputTokens, cachedPromptTokens: spec.cachedPromptTokens });
  const assertions = spec.assertions ?? [
    { type: 'contains', pass: status === 'pass', score: status === 'pass' ? 1 : 0, reason: status === 'pass' ? 'found "ok"' : 'expected "ok" in the response' },
  ];
  // `chat/greeting` is category `chat`, prompt `greeting`, as defineEval names its tests.
  const slash = spec.prompt.indexOf('/');
  const category = spec.category ?? (slash > 0 ? spec.prompt.slice(0, slash) : 'general');
  const prompt = slash > 0 ? spec.prompt.slice(slash + 1) : spec.prompt;
  return {
    name: `${spec.model} > ${category}/${prompt}`,
    model: spec.model,
    modelId: null,
    prompt,
    category,
    repeat: spec.repeat ?? 0,
    status,
    metrics,
    assertions,
    response: spec.response ?? (status === 'error' ? '' : 'ok, here is the answer'),
    error: spec.error ?? (status === 'error' ? 'connection refused' : null),
    resources: null,
    ...(spec.vars === undefined ? {} : { vars: spec.vars }),
  };
}

/** A case as an eval test records it (one line of partial.jsonl). */
export function recordedCase(spec: CaseSpec): CaseMeta {
  const testCase = { ...buildCase(spec), modelId: `${spec.model}-q4` };
  return {
    case: testCase,
    model: { alias: spec.model, modelId: testCase.modelId, synthetic: true, loadMs: 850, downloadMs: 0, startError: null },
    runtime: { name: 'embedded', version: '3.21.1', reason: 'EVAL_RUNTIME=embedded' },
  };
}

/** partial.jsonl as the reporter writes it: one JSON line per case. */
export function partialLines(metas: readonly CaseMeta[]): string {
  return metas.map((meta) => `${JSON.stringify(meta)}\n`).join('');
}

/** A complete, schema-valid Results from case specs; models and groups are derived. */
export function buildResults(caseSpecs: CaseSpec[], spec: ResultsSpec = {}): Results {
  const cases = caseSpecs.map((caseSpec) => {
    const built = buildCase(caseSpec);
    return { ...built, modelId: spec.models?.[caseSpec.model]?.modelId ?? `${caseSpec.model}-q4` };
  });
  const aliases = [...new Set(cases.map((testCase) => testCase.model))];
  const models: ModelResult[] = aliases.map((alias) => {
    const own = cases.filter((testCase) => testCase.model === alias);
    const modelSpec = spec.models?.[alias] ?? {};
    const count = (status: CaseStatus) => own.filter((testCase) => testCase.status === status).length;
    const checks = own.flatMap((testCase) => testCase.assertions);
    return {
      alias,
      modelId: modelSpec.modelId === undefined ? `${alias}-q4` : modelSpec.modelId,
      synthetic: modelSpec.synthetic ?? true,
      knownAnswers: modelSpec.knownAnswers ?? false,
      loadMs: modelSpec.loadMs === undefined ? 850 : modelSpec.loadMs,
      downloadMs: 0,
      peakRssMB: modelSpec.peakRssMB === undefined ? 400 : modelSpec.peakRssMB,
      meanCpuPercent: 90,
      loadAverage: modelSpec.loadAverage === undefined ? 0.5 : modelSpec.loadAverage,
      otherCpuPercent: modelSpec.otherCpuPercent === undefined ? 5 : modelSpec.otherCpuPercent,
      startError: modelSpec.startError ?? null,
      summary: summarizeMetrics(own),
      cases: own.length,
      passed: count('pass'),
      failed: count('fail'),
      errored: count('error'),
      skipped: count('skip'),
      checksPassed: checks.filter((check) => check.pass).length,
      checksTotal: checks.length,
      checksPlanted: checks.filter((check) => !check.pass && check.planted !== undefined).length,
    };
  });
  const groupKeys = [...new Map(cases.map((testCase) => [`${testCase.model}\u0000${testCase.category}/${testCase.prompt}`, testCase])).values()];
  const groups: GroupResult[] = groupKeys.map((first) => {
    const own = cases.filter((testCase) => testCase.model === first.model && testCase.category === first.category && testCase.prompt === first.prompt);
    const counted = own.filter((testCase) => testCase.status !== 'skip');
    const share = (count: number) => (counted.length === 0 ? 1 : count / counted.length);
    const planted = counted.some((testCase) => testCase.assertions.some((check) => check.planted !== undefined));
    return {
      model: first.model,
      prompt: first.prompt,
      category: first.category,
      repeats: own.length,
      passRate: share(counted.filter((testCase) => testCase.status === 'pass').length),
      ...(planted ? { passRateAsPlanted: share(counted.filter(wentAsPlanted).length) } : {}),
      summary: summarizeMetrics(own),
    };
  });
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: spec.createdAt ?? '2026-01-02T03:04:05.000Z',
    edgeEvalsVersion: '0.1.0',
    runtime: spec.runtime ?? { name: 'embedded', version: '3.21.1' },
    machine: { cpu: 'Test CPU', cores: 2, memoryGB: 8, os: 'linux 6.1', node: 'v20.20.2', ...spec.machine },
    settings: {
      repeats: 1,
      warmup: 1,
      maxTokens: 256,
      temperature: 0,
      seed: 42,
      promptCache: 'cold',
      percentileMethod: 'linear',
      resourceSampleIntervalMs: 200,
      ...spec.settings,
    },
    models,
    cases,
    groups,
    recommendations: spec.recommendations ?? [],
    calibration: spec.calibration === undefined ? null : spec.calibration,
  };
}

function scaleSummary(summary: Summary, factor: number): Summary {
  const scale = (value: number | null) => (value === null ? null : value * factor);
  return {
    n: summary.n,
    mean: scale(summary.mean),
    std: scale(summary.std),
    min: scale(summary.min),
    p50: scale(summary.p50),
    p90: scale(summary.p90),
    p95: scale(summary.p95),
    p99: scale(summary.p99),
    max: scale(summary.max),
  };
}

/** The same results as measured on a server `factor` times as slow (0.5 = twice as fast): every time scales, every rate inversely. */
export function scaleLatencies<T extends Results>(results: T, factor: number): T {
  const scaleSummaries = (summaries: MetricSummaries): MetricSummaries => ({
    ...summaries,
    ttftMs: scaleSummary(summaries.ttftMs, factor),
    e2eMs: scaleSummary(summaries.e2eMs, factor),
    tpotMs: scaleSummary(summaries.tpotMs, factor),
  });
  const scale = (value: number | null) => (value === null ? null : value * factor);
  const rate = (value: number | null) => (value === null ? null : value / factor);
  return {
    ...results,
    models: results.models.map((model) => ({ ...model, summary: scaleSummaries(model.summary) })),
    groups: results.groups.map((group) => ({ ...group, summary: scaleSummaries(group.summary) })),
    cases: results.cases.map((testCase) =>
      testCase.metrics === null
        ? testCase
        : {
            ...testCase,
            metrics: {
              ...testCase.metrics,
              ttftMs: scale(testCase.metrics.ttftMs),
              e2eMs: scale(testCase.metrics.e2eMs),
              tpotMs: scale(testCase.metrics.tpotMs),
              tokensPerSec: rate(testCase.metrics.tokensPerSec),
              decodeTokensPerSec: rate(testCase.metrics.decodeTokensPerSec),
            },
          },
    ),
  };
}

export const HOSTILE_TEXT = '<script>alert(1)</script> | [click](http://evil.example/x) ![pixel](http://evil.example/p.png) "quoted" & \'single\' <img src=x onerror=alert(2)>';

/**
 * A realistic run: two models, three prompts, two repeats, one flaky test, one failed test
 * whose response and reason carry markup that every renderer must escape.
 */
export function sampleResults(createdAt = '2026-01-02T03:04:05.000Z'): Results {
  const specs: CaseSpec[] = [];
  const prompts = ['chat/greeting', 'code/sort-function', 'reasoning/apples'];
  for (const repeat of [0, 1]) {
    prompts.forEach((prompt, index) => {
      specs.push({ model: 'fixture-small', prompt, repeat, ttftMs: 12 + index * 3 + repeat, e2eMs: 180 + index * 40 + repeat * 5, outputTokens: 48 });
      const fails = prompt === 'code/sort-function' || (prompt === 'reasoning/apples' && repeat === 1);
      specs.push({
        model: 'fixture-tiny-with-a-rather-long-alias',
        prompt,
        repeat,
        ttftMs: 6 + index,
        e2eMs: 90 + index * 20,
        outputTokens: 40,
        status: fails ? 'fail' : 'pass',
        response: fails ? `Sure! ${HOSTILE_TEXT}\nsecond line` : 'A fine answer.',
        assertions: [
          { type: 'contains', pass: !fails, score: fails ? 0 : 1, reason: fails ? `expected "def" in the response, got ${HOSTILE_TEXT}` : 'found "def"' },
          { type: 'max-latency', pass: true, score: 1, reason: 'E2E 110 ms <= 2000 ms' },
        ],
      });
    });
  }
  return buildResults(specs, {
    createdAt,
    settings: { repeats: 2 },
    models: { 'fixture-small': { peakRssMB: 512, loadMs: 1200 }, 'fixture-tiny-with-a-rather-long-alias': { peakRssMB: 256, loadMs: 400 } },
    recommendations: [
      { category: 'chat', model: 'fixture-tiny-with-a-rather-long-alias', reason: 'fastest time to first token with every chat check passing' },
      { category: 'code', model: 'fixture-small', reason: 'the only model that passed every code check' },
    ],
  });
}
