// Picks and builds the runtime adapter named by the configuration. Each adapter lives in its
// own folder and is imported only when chosen.
import type { EvalConfig } from '../config/env.ts';
import { findExecutable } from '../util/which.ts';
import type { Runtime, RuntimeName } from './types.ts';

export interface ResolvedRuntime {
  runtime: Runtime;
  /** Why this runtime was chosen; printed and recorded in the results (EVAL_RUNTIME=auto). */
  reason: string;
}

const ADAPTERS: Record<RuntimeName, () => Promise<(config: EvalConfig) => Runtime>> = {
  embedded: async () => (await import('./embedded/index.ts')).createEmbeddedRuntime,
  foundry: async () => (await import('./foundry/index.ts')).createFoundryRuntime,
  ollama: async () => (await import('./ollama/index.ts')).createOllamaRuntime,
  'llama-server': async () => (await import('./llama-server/index.ts')).createLlamaServerRuntime,
  openai: async () => (await import('./openai/index.ts')).createOpenAIRuntime,
};

export async function createRuntime(name: RuntimeName, config: EvalConfig): Promise<Runtime> {
  const factory = await ADAPTERS[name]();
  return factory(config);
}

/**
 * Which runtime to use, and why. EVAL_RUNTIME=auto means Foundry when a `foundry` CLI is on
 * PATH (or at FOUNDRY_BIN), else the embedded runtime. Decided without running anything, so it
 * is cheap enough for vitest's configuration.
 */
export function chooseRuntime(config: EvalConfig): { name: RuntimeName; reason: string } {
  if (config.runtime !== 'auto') return { name: config.runtime, reason: `EVAL_RUNTIME=${config.runtime}` };
  const foundry = findExecutable(config.bins.foundry);
  if (foundry !== null) return { name: 'foundry', reason: `auto: found the Foundry Local CLI at ${foundry}` };
  return {
    name: 'embedded',
    reason: `auto: no '${config.bins.foundry}' CLI on PATH, so the embedded runtime (node-llama-cpp)`,
  };
}

export async function resolveRuntime(config: EvalConfig): Promise<ResolvedRuntime> {
  const { name, reason } = chooseRuntime(config);
  return { runtime: await createRuntime(name, config), reason };
}
