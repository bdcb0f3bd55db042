// Picks and builds the runtime adapter named by the configuration. Each adapter lives in its
// own folder and is imported only when chosen.
import type { EvalConfig } from '../config/env.ts';
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

/** EVAL_RUNTIME=auto: Foundry when a `foundry` CLI is found, else the embedded runtime. */
export async function resolveRuntime(config: EvalConfig): Promise<ResolvedRuntime> {
  if (config.runtime !== 'auto') {
    return { runtime: await createRuntime(config.runtime, config), reason: `EVAL_RUNTIME=${config.runtime}` };
  }
  const foundry = await createRuntime('foundry', config);
  const info = await foundry.detect();
  if (info.installed) {
    const version = info.version === null ? '' : ` ${info.version}`;
    return { runtime: foundry, reason: `auto: found Foundry Local CLI${version} at ${info.executable ?? config.bins.foundry}` };
  }
  return {
    runtime: await createRuntime('embedded', config),
    reason: `auto: no '${config.bins.foundry}' CLI on PATH, using the embedded runtime (node-llama-cpp)`,
  };
}
