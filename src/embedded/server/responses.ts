// What the server sends: OpenAI error objects, JSON bodies, llama.cpp-style `timings`, the
// completion object of a non-streamed reply, and the public description of a loaded model.
import type http from 'node:http';
import type { GenerationResult, GenerationTimings } from '../engine/generation.ts';
import type { LoadedModelInfo } from '../engine/index.ts';

type ErrorType = 'invalid_request_error' | 'not_found_error' | 'rate_limit_error' | 'unavailable_error' | 'server_error';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType,
    readonly code: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function errorBody(error: HttpError) {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * llama.cpp's `timings` object; a rate is null when its duration is 0. `prompt_n` counts the
 * evaluated prompt tokens, `cache_n` those reused from the sequence (only with `cache_prompt`).
 */
export function timingsJson(timings: GenerationTimings) {
  const rate = (tokens: number, ms: number) => (ms > 0 ? round((tokens * 1000) / ms) : null);
  return {
    cache_n: timings.cachedTokens,
    prompt_n: timings.promptTokens,
    prompt_ms: round(timings.promptMs),
    prompt_per_second: rate(timings.promptTokens, timings.promptMs),
    predicted_n: timings.predictedTokens,
    predicted_ms: round(timings.predictedMs),
    predicted_per_second: rate(timings.predictedTokens, timings.predictedMs),
  };
}

export function usageJson(result: GenerationResult) {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    prompt_tokens_details: { cached_tokens: result.cachedPromptTokens },
  };
}

/** Identity of one reply, shared by the completion object and every chunk of a stream. */
export interface ReplyIdentity {
  id: string;
  created: number;
  /** The model ID the client is told about. */
  model: string;
}

export function completionJson(reply: ReplyIdentity, result: GenerationResult) {
  return {
    id: reply.id,
    object: 'chat.completion',
    created: reply.created,
    model: reply.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: result.text, ...(result.reasoning !== '' ? { reasoning_content: result.reasoning } : {}) },
        logprobs: null,
        finish_reason: result.finishReason,
      },
    ],
    usage: usageJson(result),
    timings: timingsJson(result.timings),
  };
}

export function publicModelInfo(model: LoadedModelInfo) {
  return {
    alias: model.alias,
    modelId: model.modelId,
    path: model.path,
    loadMs: round(model.loadMs),
    threads: model.threads,
    threadsReason: model.threadsReason,
    contextSize: model.contextSize,
    parallel: model.parallel,
    sizeBytes: model.sizeBytes,
    chatWrapper: model.chatWrapper,
  };
}
