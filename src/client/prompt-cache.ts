// Like with like includes the prompt cache: llama.cpp's server, Ollama and vLLM keep the KV
// cache of a prompt and reuse it when the same prompt comes again, so a repeated request
// skips most of its prefill and its time to first token drops several-fold. Left alone, the
// repeats of a test mix cold and cached TTFT, and a baseline taken in one cache state gates a
// run in another. EVAL_PROMPT_CACHE picks one state for every measured request:
//   cold  every request prefills its whole prompt: llama-server and the embedded runtime get
//         `cache_prompt: false`; runtimes with no such switch get a nonce at the start of the
//         prompt, so no cached prefix matches
//   warm  the same request is sent once, unmeasured and one token long, right before the
//         measured one, so the measured request finds its whole prompt in the cache
// What the server reports (`cached_tokens`, llama.cpp's `cache_n`) is recorded per request.
import { randomUUID } from 'node:crypto';
import type { PromptCacheMode } from '../config/env.ts';
import type { ChatMessage } from '../contract/chat.ts';

/** How a runtime's prompt cache is kept out of a measurement. */
type ColdMethod = 'cache-prompt-switch' | 'nonce';

const COLD_METHODS: Record<string, ColdMethod> = {
  // Both take llama.cpp's `cache_prompt`; the embedded server keeps nothing unless it is true.
  embedded: 'cache-prompt-switch',
  'llama-server': 'cache-prompt-switch',
  // No per-request switch: Ollama and vLLM cache prefixes; Foundry Local does not say.
  ollama: 'nonce',
  foundry: 'nonce',
  openai: 'nonce',
};

export interface PromptCacheControl {
  messages: ChatMessage[];
  extraBody?: Record<string, unknown>;
  /** Send the request once, unmeasured, before the measured one. */
  prime: boolean;
}

/** The first message starts with a line no earlier request had: no cached prefix can match past it. */
function withNonce(messages: readonly ChatMessage[], nonce: string): ChatMessage[] {
  const marker = `Request ${nonce}.`;
  const [first, ...rest] = messages;
  if (first?.role === 'system') return [{ role: 'system', content: `${marker}\n\n${first.content}` }, ...rest];
  return [{ role: 'system', content: marker }, ...messages];
}

export function controlPromptCache(runtime: string, mode: PromptCacheMode, messages: readonly ChatMessage[], nonce: () => string = () => randomUUID().slice(0, 8)): PromptCacheControl {
  const method = COLD_METHODS[runtime] ?? 'nonce';
  if (mode === 'warm') {
    return { messages: [...messages], prime: true, ...(method === 'cache-prompt-switch' ? { extraBody: { cache_prompt: true } } : {}) };
  }
  switch (method) {
    case 'cache-prompt-switch':
      return { messages: [...messages], extraBody: { cache_prompt: false }, prime: false };
    case 'nonce':
      return { messages: withNonce(messages, nonce()), prime: false };
  }
}
