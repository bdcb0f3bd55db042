// Picks and builds the runtime adapter named by the configuration. Each adapter lives in its
// own folder and is imported only when chosen.
import type { EvalConfig } from '../config/env.ts';
import type { RuntimeName } from '../contract/runtime.ts';
import { chooseRuntime } from './choose.ts';
import type { Runtime } from './types.ts';

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

export async function resolveRuntime(config: EvalConfig): Promise<ResolvedRuntime> {
  const { name, reason } = chooseRuntime(config);
  return { runtime: await createRuntime(name, config), reason };
}
