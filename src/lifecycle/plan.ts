// The run plan: which runtime, why, and which models, decided once by `npm run eval` and
// handed to vitest (its configuration makes one project per model) through the environment.
import { z } from 'zod';
import { ANNOTATE_CHOICES, ConfigError, type EvalConfig } from '../config/env.ts';
import type { RuntimeName } from '../contract/runtime.ts';
import { DEFAULT_EMBEDDED_MODELS } from '../embedded/catalog.ts';
import { chooseRuntime } from '../runtimes/choose.ts';

export const PLAN_ENV = 'EDGE_EVALS_PLAN';

const RuntimeNameSchema = z.enum(['embedded', 'foundry', 'ollama', 'llama-server', 'openai']);

const RunPlan = z.object({
  runtime: RuntimeNameSchema,
  reason: z.string(),
  models: z.array(z.string()).min(1),
  /** The eval files the run was checked with before it started (relative to the project); all when absent. */
  evalFiles: z.array(z.string()).optional(),
  /** The judge model, loaded after every candidate answered; absent without EVAL_JUDGE. */
  judge: z.object({ alias: z.string(), runtime: RuntimeNameSchema, reason: z.string() }).optional(),
  /** The baseline as the eval command found it valid before the run; the run's conclusion trusts it while unchanged. */
  checkedBaseline: z.object({ size: z.number(), mtimeMs: z.number(), view: z.string().optional() }).optional(),
  /** Which tests annotate, as the eval command chose it (EVAL_ANNOTATE, or from the UI and reporters). */
  annotate: z.enum(ANNOTATE_CHOICES).optional(),
});
export type RunPlan = z.infer<typeof RunPlan>;

/** Three models of clearly different sizes per runtime, as the course compares them. */
const DEFAULT_MODELS: Partial<Record<RuntimeName, readonly string[]>> = {
  embedded: DEFAULT_EMBEDDED_MODELS,
  foundry: ['qwen2.5-0.5b', 'phi-4-mini', 'qwen2.5-7b'],
  ollama: ['qwen2.5:0.5b', 'llama3.2:1b', 'phi4-mini'],
};

/**
 * The plan from the configuration. `endpointModels` are the models an OpenAI-compatible
 * endpoint lists, the default for EVAL_RUNTIME=openai (the eval command asks for them).
 */
export function makePlan(config: EvalConfig, endpointModels?: readonly string[]): RunPlan {
  const { name, reason } = chooseRuntime(config);
  const models = config.models ?? DEFAULT_MODELS[name] ?? endpointModels;
  if (models === undefined || models.length === 0) {
    const listed = name === 'openai' ? ' (`npm run eval` uses every model the endpoint lists)' : '';
    throw new ConfigError(`EVAL_MODELS is required with EVAL_RUNTIME=${name}: comma-separated model names or .gguf paths${listed}.`);
  }
  return { runtime: name, reason, models: [...models], ...(config.judge === null ? {} : { judge: judgePlan(config, name) }) };
}

/** The judge's runtime: EVAL_JUDGE_RUNTIME, else `openai` when it has a base URL of its own, else the candidates'. */
function judgePlan(config: EvalConfig, candidates: RuntimeName): NonNullable<RunPlan['judge']> {
  const judge = config.judge as NonNullable<EvalConfig['judge']>;
  if (judge.runtime !== undefined && judge.runtime !== 'auto') return { alias: judge.alias, runtime: judge.runtime, reason: `EVAL_JUDGE_RUNTIME=${judge.runtime}` };
  if (judge.baseURL !== undefined) return { alias: judge.alias, runtime: 'openai', reason: 'EVAL_JUDGE_BASE_URL' };
  return { alias: judge.alias, runtime: candidates, reason: "the candidates' runtime" };
}

/**
 * The configuration the judge's runtime is built from: the run's, with the judge's endpoint and
 * key. A judge on the candidates' runtime and endpoint shares the candidates' runtime instance.
 */
export function judgeRuntimeConfig(config: EvalConfig): EvalConfig {
  const judge = config.judge;
  if (judge === null) return config;
  return { ...config, baseURL: judge.baseURL ?? config.baseURL, apiKey: judge.baseURL === undefined ? (judge.apiKey ?? config.apiKey) : judge.apiKey };
}

/** Whether the judge is served by the candidates' runtime at the same endpoint, so one runtime serves both. */
export function judgeSharesRuntime(plan: RunPlan, config: EvalConfig): boolean {
  return plan.judge !== undefined && plan.judge.runtime === plan.runtime && (config.judge?.baseURL === undefined || config.judge.baseURL === config.baseURL);
}

export function readPlan(env: NodeJS.ProcessEnv = process.env): RunPlan | null {
  const text = env[PLAN_ENV];
  if (text === undefined || text === '') return null;
  return RunPlan.parse(JSON.parse(text));
}
