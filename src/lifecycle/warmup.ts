// Warm-up requests (docs/METRICS.md: default 1 per model, after load, excluded from everything):
// the first request after a load pays for cold caches and lazy allocations.
import type { EvalConfig } from '../config/env.ts';
import { streamChat } from '../client/stream-chat.ts';
import type { RunningModel } from '../runtimes/types.ts';

const WARMUP_PROMPT = 'Say hello.';
const WARMUP_MAX_TOKENS = 16;

export async function warmUp(model: RunningModel, config: EvalConfig, signal: AbortSignal): Promise<void> {
  for (let index = 0; index < config.warmup; index++) {
    const outcome = await streamChat({
      baseURL: model.baseURL,
      apiKey: model.apiKey,
      model: model.modelId,
      messages: [{ role: 'user', content: WARMUP_PROMPT }],
      maxTokens: WARMUP_MAX_TOKENS,
      temperature: config.temperature,
      seed: config.seed,
      timeoutMs: config.timeoutMs,
      maxReplyBytes: config.maxReplyBytes,
      signal,
    });
    if (outcome.error !== undefined) throw new Error(outcome.error);
  }
}
