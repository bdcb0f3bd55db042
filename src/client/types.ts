// Shapes shared by the streaming client and the pure code that reads what it captured.
import type { ChatMessage } from '../contract/chat.ts';
import type { RequestMetrics } from '../contract/results.ts';

/** A reply's response body may have this many bytes unless the request says otherwise (4 MiB). */
export const DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024;

export interface ChatRequest {
  /** OpenAI-compatible base URL, ending in `/v1`. */
  baseURL: string;
  /** Sent as a bearer token; never written to errors or logs. Local servers accept any value. */
  apiKey?: string;
  model: string;
  messages: readonly ChatMessage[];
  maxTokens: number;
  /**
   * The body field that carries `maxTokens`. `max_tokens` (default) is the one every local
   * server reads (llama.cpp, Ollama, vLLM, LM Studio, Foundry Local, the embedded runtime);
   * OpenAI's own reasoning models accept only `max_completion_tokens`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string | readonly string[];
  /** Deadline for the whole request, headers and stream included. */
  timeoutMs: number;
  /**
   * Bytes the response body may have, the event stream's framing included (default
   * DEFAULT_MAX_REPLY_BYTES): a larger reply fails, and the rest is not read.
   */
  maxReplyBytes?: number;
  signal?: AbortSignal;
  /** Extra body fields for runtime-specific options (Foundry `top_k`, llama.cpp `n_probs`, ...). */
  extraBody?: Readonly<Record<string, unknown>>;
}

/** One parsed SSE event (a chat.completion.chunk as the server sent it, extra fields kept). */
export interface TimedEvent {
  /** Arrival time in ms after t0 (just before the request was written). */
  atMs: number;
  chunk: unknown;
}

export interface ChatOutcome {
  /** The reply's content exactly as streamed, `<think>` blocks included. */
  response: string;
  /** The reply without inline `<think>` blocks, trimmed: what content checks judge. */
  answer: string;
  /** Reasoning deltas (`reasoning_content` / `reasoning`) and inline `<think>` blocks. */
  reasoning: string;
  metrics: RequestMetrics;
  /** Parsed SSE events received (SSE comments and `[DONE]` excluded). */
  events: number;
  /** Set when the request failed; `response` then holds what came before the failure. */
  error?: string;
  /**
   * Set with `error` when nothing answered at the base URL: the connection was refused, or
   * closed before the response began (the service went away while the request was on its
   * way). The request may be sent again once the service is found at a new address (Foundry
   * Local restarts on a new port); at the same address it is not.
   */
  unreachable?: boolean;
}
