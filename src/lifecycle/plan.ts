// The run plan: which runtime, why, and which models, decided once by `npm run eval` and
// handed to vitest (its configuration makes one project per model) through the environment.
import { z } from 'zod';
import { ConfigError, type EvalConfig } from '../config/env.ts';
import type { RuntimeName } from '../contract/runtime.ts';
import { DEFAULT_EMBEDDED_MODELS } from '../embedded/catalog.ts';
import { chooseRuntime } from '../runtimes/choose.ts';

export const PLAN_ENV = 'EDGE_EVALS_PLAN';

const RunPlan = z.object({
  runtime: z.enum(['embedded', 'foundry', 'ollama', 'llama-server', 'openai']),
  reason: z.string(),
  models: z.array(z.string()).min(1),
  /** The eval files the run was checked with before it started (relative to the project); all when absent. */
  evalFiles: z.array(z.string()).optional(),
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
  return { runtime: name, reason, models: [...models] };
}

export function readPlan(env: NodeJS.ProcessEnv = process.env): RunPlan | null {
  const text = env[PLAN_ENV];
  if (text === undefined || text === '') return null;
  return RunPlan.parse(JSON.parse(text));
}
