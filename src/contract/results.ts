// The results contract (results/latest.json). Other tools and CI read this file: change it
// only by adding optional fields, or bump RESULTS_SCHEMA_VERSION (and let src/results/upgrade.ts
// read the previous versions). schemas/results.schema.json is generated from this file by
// `npm run schema`. Version 3 added the criteria (accuracy, completeness, clarity, speed).
import { z } from 'zod';
import { Agreement, CriterionScore, CriterionSummary, CriterionWeights, JudgeError, ScoreSource } from './criteria.ts';
import { ChatMessage } from './chat.ts';

export const RESULTS_SCHEMA_VERSION = 3;

/** Where the output token count of a request came from, most trusted first (docs/METRICS.md). */
export const TokenSource = z.enum(['usage', 'server-timings', 'stream-events']);
export type TokenSource = z.infer<typeof TokenSource>;

/** Timings the server reports about its own work (llama.cpp `timings`, embedded runtime). */
export const ServerTimings = z.object({
  promptTokens: z.number().int().nonnegative(),
  promptMs: z.number().nonnegative(),
  predictedTokens: z.number().int().nonnegative(),
  predictedMs: z.number().nonnegative(),
});
export type ServerTimings = z.infer<typeof ServerTimings>;

/** One streamed chat completion, measured as docs/METRICS.md defines. Times in ms from t0. */
export const RequestMetrics = z.object({
  /** First event carrying output (content, reasoning or tool calls); null when none came. */
  ttftMs: z.number().nullable(),
  /** First event carrying content (differs from TTFT for reasoning models). */
  ttfotMs: z.number().nullable(),
  /** Last event carrying output. */
  e2eMs: z.number().nullable(),
  /** When the stream closed ([DONE] or end of body). */
  streamCloseMs: z.number(),
  /** (E2E - TTFT) / (n - 1); null for n <= 1. */
  tpotMs: z.number().nullable(),
  outputTokens: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative().nullable(),
  /**
   * Prompt tokens the server took from its cache instead of computing them
   * (`usage.prompt_tokens_details.cached_tokens`, llama.cpp's `timings.cache_n`); null when it
   * does not say.
   */
  cachedPromptTokens: z.number().int().nonnegative().nullable(),
  /** n / E2E, in tokens per second. */
  tokensPerSec: z.number().nullable(),
  /** (n - 1) / (E2E - TTFT), in tokens per second. */
  decodeTokensPerSec: z.number().nullable(),
  tokenSource: TokenSource,
  /** Number of SSE events that carried output. */
  outputEvents: z.number().int().nonnegative(),
  /** Gaps between output events (not per-token ITL: one event may carry several tokens). */
  interChunkGapsMs: z.array(z.number()),
  finishReason: z.string().nullable(),
  server: ServerTimings.nullable(),
  /** Client E2E minus server prompt+predicted time, when the server reports timings. */
  overheadMs: z.number().nullable(),
  /** True when two token sources disagreed (usage vs timings vs events). */
  tokenCountDisagreement: z.boolean(),
});
export type RequestMetrics = z.infer<typeof RequestMetrics>;

export const AssertionResult = z.object({
  type: z.string(),
  pass: z.boolean(),
  score: z.number().min(0).max(1),
  reason: z.string(),
  /** Content checks are skipped on synthetic models without known answers; the reason says so. */
  skipped: z.boolean().optional(),
  /** The check's weight in the case's score, when the eval gave one (default 1). */
  weight: z.number().positive().optional(),
  /**
   * On a model with known answers: the planted defect this check exists to catch in this
   * answer. The check is expected to fail; passing means it missed the defect.
   */
  planted: z.string().optional(),
});
export type AssertionResult = z.infer<typeof AssertionResult>;

/** A point the reply should make: a phrase, or alternatives of which any one will do. */
export const KeyPoint = z.union([z.string().min(1), z.object({ any: z.array(z.string().min(1)).min(1) }).strict()]);
export type KeyPoint = z.infer<typeof KeyPoint>;

/**
 * What a good reply says: a reference answer, or key points such as
 * `['qubits', { any: ['superposition', 'both 0 and 1'] }]`. Recorded with each case, so that
 * a scorer can also judge replies after the run.
 */
export const Expected = z.union([z.string().min(1), z.array(KeyPoint).min(1)]);
export type Expected = z.infer<typeof Expected>;

/** The variables of a data row, for `{{name}}` in prompts and checks. */
export const TemplateVars = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type TemplateVars = z.infer<typeof TemplateVars>;

export const CaseStatus = z.enum(['pass', 'fail', 'skip', 'error']);
export type CaseStatus = z.infer<typeof CaseStatus>;

/** Another process that took CPU while a model was measured (more than a tenth of a core). */
export const BusyProcess = z.object({
  pid: z.number().int(),
  name: z.string(),
  /** Its CPU over the model's measurement so far, in % of one core. */
  cpuPercent: z.number(),
  /** Which model server it is (`llama.cpp server`, `Ollama`, ...); null when it is none. */
  modelServer: z.string().nullable(),
});
export type BusyProcess = z.infer<typeof BusyProcess>;

export const Resources = z.object({
  peakRssMB: z.number().nullable(),
  meanCpuPercent: z.number().nullable(),
  /** Mean 1-minute load average of the machine over the sampled window (null where the OS has none). */
  loadAverage: z.number().nullable(),
  /** CPU used by every process other than the model's and edge-evals', in % of one core. */
  otherCpuPercent: z.number().nullable(),
  samples: z.number().int().nonnegative(),
  intervalMs: z.number().positive(),
  /** Other processes busy meanwhile, busiest first; absent in results from before it was recorded. */
  busyProcesses: z.array(BusyProcess).optional(),
});
export type Resources = z.infer<typeof Resources>;

/** One (model, prompt, repeat) test. */
export const CaseResult = z.object({
  /** Full test name, as vitest's `-t` and UI show it: `fixture-small > code/sort-function`. */
  name: z.string(),
  model: z.string(),
  modelId: z.string().nullable(),
  prompt: z.string(),
  category: z.string(),
  repeat: z.number().int().nonnegative(),
  status: CaseStatus,
  metrics: RequestMetrics.nullable(),
  assertions: z.array(AssertionResult),
  response: z.string(),
  error: z.string().nullable(),
  /** The model's resource usage up to the end of this test (max over a model's cases = peak). */
  resources: Resources.nullable(),
  /**
   * The weighted mean score of the checks that ran (0..1; a check's score is the share of it
   * that passed, e.g. 3 of 4 Python cases); null when none ran.
   */
  score: z.number().min(0).max(1).nullable().optional(),
  /** The reference answer or key points of the prompt or its data row. */
  expected: Expected.optional(),
  /** The data row's variables. */
  vars: TemplateVars.optional(),
  /** Sampling of this case's request, which an eval may set apart from the run's settings. */
  temperature: z.number().optional(),
  maxTokens: z.number().int().positive().optional(),
  /** The conversation sent; its last message is the question the answer replies to. */
  messages: z.array(ChatMessage).optional(),
  /** Accuracy, completeness, clarity and speed of the answer, from every source that scored it. */
  criteria: z.array(CriterionScore).optional(),
  /** Verdicts the judge could not give, with what it answered. */
  judgeErrors: z.array(JudgeError).optional(),
});
export type CaseResult = z.infer<typeof CaseResult>;

/** A test's id within its model, as vitest names it: `<category>/<prompt id>` (`code/sort-function`). */
export function testId(test: { category: string; prompt: string }): string {
  return `${test.category}/${test.prompt}`;
}

/**
 * The dataset a case belongs to, when its prompt runs over data rows: the prompt's test
 * (`capitals/ask`) and the row (`france`), from the case's name `capitals/ask/france`. Null for
 * a prompt without data. The gate and the reports take a dataset's rows as one test.
 */
export function datasetRow(testCase: Pick<CaseResult, 'category' | 'prompt' | 'vars'>): { test: string; row: string } | null {
  if (testCase.vars === undefined) return null;
  const slash = testCase.prompt.lastIndexOf('/');
  if (slash <= 0) return null;
  return { test: testId({ category: testCase.category, prompt: testCase.prompt.slice(0, slash) }), row: testCase.prompt.slice(slash + 1) };
}

/**
 * Whether a case went as its model's planted truth says: it passed, or it failed only because
 * its checks caught the defects planted in the answer (a model with known answers) and none
 * missed one. Such a failure is expected: its test passes and the gate accepts it, while its
 * status stays `fail`, since the answer is defective.
 */
export function wentAsPlanted(testCase: Pick<CaseResult, 'status' | 'assertions'>): boolean {
  if (testCase.status === 'pass') return true;
  if (testCase.status !== 'fail') return false;
  const evaluated = testCase.assertions.filter((check) => check.skipped !== true);
  return evaluated.some((check) => check.planted !== undefined) && evaluated.every((check) => check.pass === (check.planted === undefined));
}

export const Summary = z.object({
  n: z.number().int().nonnegative(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  min: z.number().nullable(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});
export type Summary = z.infer<typeof Summary>;

export const MetricSummaries = z.object({
  ttftMs: Summary,
  e2eMs: Summary,
  tpotMs: Summary,
  tokensPerSec: Summary,
  outputTokens: Summary,
});
export type MetricSummaries = z.infer<typeof MetricSummaries>;

/** How a model's memory need compared with the machine just before it was loaded. */
export const MemoryFit = z.object({
  /** Estimated memory to load and run the model; null when the runtime does not say how big it is. */
  needGB: z.number().nullable(),
  /** Where the estimate comes from (`the model file and its GGUF header`, `Foundry Local's catalog`). */
  basis: z.string(),
  /** Memory available just before the model was loaded. */
  availableGB: z.number(),
  /** The machine's memory (or the container's limit). */
  totalGB: z.number(),
  /** The minimum RAM the edge AI course gives for this model, when it lists it. */
  minimumRamGB: z.number().nullable(),
  /** needGB <= availableGB; null when the need is not known. */
  fits: z.boolean().nullable(),
});
export type MemoryFit = z.infer<typeof MemoryFit>;

export const ModelResult = z.object({
  alias: z.string(),
  modelId: z.string().nullable(),
  synthetic: z.boolean(),
  /** A synthetic model with planted answers: its content was judged, against known answers. */
  knownAnswers: z.boolean().optional(),
  loadMs: z.number().nullable(),
  downloadMs: z.number().nullable(),
  peakRssMB: z.number().nullable(),
  meanCpuPercent: z.number().nullable(),
  /** How busy the machine was while the model's tests ran: see Resources. */
  loadAverage: z.number().nullable(),
  otherCpuPercent: z.number().nullable(),
  /** Set when the model could not be started; its cases are then errors. */
  startError: z.string().nullable(),
  /** Set when the model was not started on purpose (it does not fit in memory); its cases are skipped. */
  skipReason: z.string().nullable().optional(),
  /** Its memory need against the machine's; absent for results from before it was checked. */
  memory: MemoryFit.nullable().optional(),
  /** Other processes busy while it was measured (see Resources). */
  busyProcesses: z.array(BusyProcess).optional(),
  summary: MetricSummaries,
  cases: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errored: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  checksPassed: z.number().int().nonnegative(),
  checksTotal: z.number().int().nonnegative(),
  /** Checks that were not judged (content checks on a synthetic model); not in checksTotal. */
  checksSkipped: z.number().int().nonnegative().optional(),
  /** Mean of the cases' scores (null when no case ran a check). */
  score: z.number().min(0).max(1).nullable().optional(),
  /** Of the failed checks, those that caught a planted defect (models with known answers). */
  checksPlanted: z.number().int().nonnegative().optional(),
  /** Each criterion from each source, over the model's answers. */
  criteria: z.array(CriterionSummary).optional(),
  /** The headline criteria means weighed with the run's weights (1-5); null when none was scored. */
  weightedScore: z.number().nullable().optional(),
});
export type ModelResult = z.infer<typeof ModelResult>;

/** Aggregate over the repeats of one (model, prompt). */
export const GroupResult = z.object({
  model: z.string(),
  prompt: z.string(),
  category: z.string(),
  repeats: z.number().int().nonnegative(),
  passRate: z.number().min(0).max(1),
  /**
   * Models with known answers, when a planted defect is involved: the share of repeats that went
   * as planted (wentAsPlanted). The gate's minimum pass rate applies to it.
   */
  passRateAsPlanted: z.number().min(0).max(1).optional(),
  summary: MetricSummaries,
});
export type GroupResult = z.infer<typeof GroupResult>;

export const Recommendation = z.object({
  category: z.string(),
  model: z.string().nullable(),
  reason: z.string(),
});
export type Recommendation = z.infer<typeof Recommendation>;

/** The judge model of a run, when one was configured. */
export const JudgeInfo = z.object({
  alias: z.string(),
  modelId: z.string().nullable(),
  runtime: z.string(),
  /** How its scores were read: from the score tokens' probabilities, as written, or both (some verdicts without logprobs). */
  scoring: z.enum(['logprob-weighted', 'integer', 'mixed']).nullable(),
  verdicts: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  cached: z.number().int().nonnegative(),
  /** Set when the judge could not be started or reached: no verdict was given. */
  startError: z.string().nullable(),
});
export type JudgeInfo = z.infer<typeof JudgeInfo>;

export const CriteriaSettings = z.object({
  /** EVAL_WEIGHTS, normalised. */
  weights: CriterionWeights,
  /** Categories whose eval sets weights of its own. */
  categoryWeights: z.record(z.string(), CriterionWeights),
  /** Which source each criterion's headline comes from: the judge where it scored, else the model-free scorers. */
  headline: z.object({ accuracy: ScoreSource, completeness: ScoreSource, clarity: ScoreSource, speed: ScoreSource }),
  judge: JudgeInfo.nullable(),
  /** Agreement of people's ratings with the judge and with the model-free scorers. */
  agreement: z.array(Agreement),
});
export type CriteriaSettings = z.infer<typeof CriteriaSettings>;

/** A short fixed workload timed at the start or the end of a run, to compare machine states. */
export const Calibration = z.object({
  /** Wall time of a fixed CPU workload run on every core at once, in ms (median of a few). */
  cpuMs: z.number().positive(),
  /** Median round trip of a small HTTP request over 127.0.0.1, in ms. */
  loopbackMs: z.number().positive(),
  loadAverage: z.number().nullable(),
});
export type Calibration = z.infer<typeof Calibration>;

export const Results = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  createdAt: z.string(),
  edgeEvalsVersion: z.string(),
  runtime: z.object({
    name: z.string(),
    version: z.string().nullable(),
    /** Why this runtime was chosen (EVAL_RUNTIME=auto prints and records it). */
    reason: z.string().optional(),
  }),
  machine: z.object({
    cpu: z.string(),
    cores: z.number().int().positive(),
    memoryGB: z.number().positive(),
    os: z.string(),
    node: z.string(),
  }),
  settings: z.object({
    repeats: z.number().int().positive(),
    warmup: z.number().int().nonnegative(),
    maxTokens: z.number().int().positive(),
    temperature: z.number(),
    seed: z.number().int().nullable(),
    /**
     * `cold`: every measured request prefilled its whole prompt; `warm`: each was sent once
     * before, unmeasured. null for results from before edge-evals controlled the cache.
     */
    promptCache: z.enum(['cold', 'warm']).nullable(),
    percentileMethod: z.literal('linear'),
    resourceSampleIntervalMs: z.number().positive(),
  }),
  models: z.array(ModelResult),
  cases: z.array(CaseResult),
  groups: z.array(GroupResult),
  recommendations: z.array(Recommendation),
  criteria: CriteriaSettings.optional(),
  /** Calibration at the start and the end of the run; null when not taken (merged shards, a run concluded after Ctrl-C). */
  calibration: z.object({ start: Calibration, end: Calibration }).nullable(),
  /**
   * Present only when the run stopped before it finished (Ctrl-C, SIGTERM, vitest's --bail):
   * the results then hold just the cases measured until then. The gate never passes such a
   * run and it is never saved as a baseline.
   */
  interrupted: z
    .object({
      /** The signal that stopped the run; null when vitest stopped it itself or it is not known. */
      signal: z.string().nullable(),
      /** Models of the run plan without a single measured case (empty when the plan is not known). */
      modelsNotReached: z.array(z.string()),
    })
    .optional(),
});
export type Results = z.infer<typeof Results>;

/** A run without its cases and groups: what the history index keeps and the trend draws. */
export const RunSummary = Results.omit({ cases: true, groups: true });
export type RunSummary = z.infer<typeof RunSummary>;
