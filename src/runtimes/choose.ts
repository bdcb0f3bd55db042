// Which runtime to use, and why. Kept apart from the adapters (src/runtimes/index.ts) because
// vitest's configuration needs it, and vite bundles everything the configuration imports.
import type { EvalConfig } from '../config/env.ts';
import type { RuntimeName } from '../contract/runtime.ts';
import { findExecutable } from '../util/which.ts';

/**
 * EVAL_RUNTIME=auto means Foundry when a `foundry` CLI is on PATH (or at FOUNDRY_BIN), else the
 * embedded runtime. Decided without running anything.
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
