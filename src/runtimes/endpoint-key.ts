// The API key a runtime's endpoint expects, found from the configuration alone. Test workers
// look it up here for every request: the coordinator's leases never carry it, because anything
// that reaches the control channel would read it there.
import type { EvalConfig } from '../config/env.ts';
import { EmbeddedService } from './embedded/service.ts';

/** Undefined: the endpoint takes no key (the client then sends a placeholder). */
export function endpointApiKey(runtime: string, config: EvalConfig): string | undefined {
  switch (runtime) {
    case 'openai':
      return config.apiKey;
    case 'embedded':
      // The running service's own key, in its state file in the cache folder.
      return new EmbeddedService(config.cacheDir).apiKey();
    default:
      return undefined;
  }
}
