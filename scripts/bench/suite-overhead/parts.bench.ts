// The steps of an eval test one by one, each timed: the request through edge-evals' client, the
// checks of a text prompt, the coordinator round trip for resources. (The annotations and the
// recorded case are timed in the real tests by stamps.ts, and knocked out there.)
import { evaluateAssertions, type CheckSpec } from '../../../src/assertions/index.ts';
import { streamChat } from '../../../src/client/stream-chat.ts';
import { modelResources } from '../../../src/lifecycle/control-client.ts';
import { endpointApiKey } from '../../../src/runtimes/endpoint-key.ts';
import { inject } from 'vitest';
import { defineVariant, timed } from './variant.ts';

/** The checks of evals/chat.eval.ts's first prompt, and two performance thresholds. */
const CHECKS: CheckSpec[] = [
  { type: 'length', minChars: 20, maxChars: 1500 },
  { type: 'regex', pattern: "\\b(I|I'm|I am|my name|assistant|model)\\b", flags: 'i' },
  { type: 'max-ttft', ms: 30_000 },
  { type: 'max-e2e', ms: 120_000 },
];

const control = inject('edgeEvalsControl');

defineVariant(async ({ context, lease, config }) => {
  const outcome = await timed('request (streamChat)', () =>
    streamChat({
      baseURL: lease.model.baseURL,
      apiKey: endpointApiKey(lease.runtime.name, config),
      model: lease.model.modelId,
      messages: [{ role: 'user', content: 'Hello, please introduce yourself.' }],
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      seed: config.seed,
      timeoutMs: config.timeoutMs,
      signal: context.signal,
    }),
  );
  if (outcome.error !== undefined) throw new Error(outcome.error);
  await timed('checks (4)', () =>
    evaluateAssertions(CHECKS, { response: outcome.answer, metrics: outcome.metrics, synthetic: false, model: lease.model.alias, pythonSandbox: config.pythonSandbox }),
  );
  await timed('resources round trip', () => modelResources(control, lease.model.alias));
});
