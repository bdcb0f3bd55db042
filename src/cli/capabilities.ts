// What the model, cache and service commands need of a runtime beyond its core, checked once:
// a runtime without the capability is a usage error that says so and why, before anything runs.
import type { RuntimeName } from '../contract/runtime.ts';
import type { ModelCache, ModelCatalog, ModelService, Runtime, ServiceControl } from '../runtimes/types.ts';
import { UsageError } from './errors.ts';

/** Why a runtime lacks what others have, for the runtimes that lack something. */
const WHY: Partial<Record<RuntimeName, string>> = {
  openai: 'it uses the server at EVAL_BASE_URL as it is',
  'llama-server': 'llama-server serves one model per process; an eval run (EVAL_RUNTIME=llama-server npm run eval) starts one server per model',
};

function missing(runtime: Runtime, what: string): UsageError {
  const why = WHY[runtime.name];
  return new UsageError(`the ${runtime.name} runtime ${what}${why === undefined ? '' : `: ${why}`}`);
}

export function requireCatalog(runtime: Runtime): ModelCatalog {
  if (runtime.catalog === undefined) throw missing(runtime, 'has no model catalog');
  return runtime.catalog;
}

export function requireCache(runtime: Runtime): ModelCache {
  if (runtime.cache === undefined) throw missing(runtime, 'has no model cache');
  return runtime.cache;
}

export function requireService(runtime: Runtime): ModelService {
  if (runtime.service === undefined) throw missing(runtime, 'has no model service');
  return runtime.service;
}

export function requireServiceControl(runtime: Runtime): ServiceControl {
  const { control } = requireService(runtime);
  if (control === undefined) throw missing(runtime, 'does not start or stop its service');
  return control;
}
