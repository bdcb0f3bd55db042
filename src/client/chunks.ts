// Reading one streamed chat.completion.chunk, tolerant of what real servers send: llama.cpp's
// role-only first chunk and `timings`, vLLM's usage-only `choices: []` chunk, Foundry Local's
// extra `IsDelta`/`Successful`/`HttpStatusCode`, `tool_calls: []` on every chunk and missing
// `finish_reason`. Pure: nothing here does I/O.
import type { ServerTimings } from '../contract/results.ts';

export interface ChunkUsage {
  completionTokens: number | null;
  promptTokens: number | null;
  /** `prompt_tokens_details.cached_tokens` (OpenAI, vLLM, newer llama.cpp). */
  cachedPromptTokens: number | null;
}

export interface ChunkInfo {
  content: string;
  /** `delta.reasoning_content` (llama.cpp, vLLM) or `delta.reasoning` (Ollama, newer vLLM). */
  reasoning: string;
  /** A non-empty `delta.tool_calls`. */
  toolCalls: boolean;
  finishReason: string | null;
  usage: ChunkUsage | null;
  timings: ServerTimings | null;
  /** llama.cpp's `timings.cache_n`: prompt tokens reused from the cache. */
  cachedPromptTokens: number | null;
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

function duration(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function readUsage(value: unknown): ChunkUsage | null {
  if (!isFields(value)) return null;
  const details = isFields(value.prompt_tokens_details) ? value.prompt_tokens_details : {};
  const usage = { completionTokens: count(value.completion_tokens), promptTokens: count(value.prompt_tokens), cachedPromptTokens: count(details.cached_tokens) };
  return usage.completionTokens === null && usage.promptTokens === null && usage.cachedPromptTokens === null ? null : usage;
}

/** llama.cpp `timings` ({prompt_n, prompt_ms, predicted_n, predicted_ms, ...}); null unless all four are sound. */
function readTimings(value: unknown): ServerTimings | null {
  if (!isFields(value)) return null;
  const promptTokens = count(value.prompt_n);
  const promptMs = duration(value.prompt_ms);
  const predictedTokens = count(value.predicted_n);
  const predictedMs = duration(value.predicted_ms);
  if (promptTokens === null || promptMs === null || predictedTokens === null || predictedMs === null) return null;
  return { promptTokens, promptMs, predictedTokens, predictedMs };
}

export function readChunk(chunk: unknown): ChunkInfo {
  const info: ChunkInfo = { content: '', reasoning: '', toolCalls: false, finishReason: null, usage: null, timings: null, cachedPromptTokens: null };
  if (!isFields(chunk)) return info;
  info.usage = readUsage(chunk.usage);
  info.timings = readTimings(chunk.timings);
  info.cachedPromptTokens = isFields(chunk.timings) ? count(chunk.timings.cache_n) : null;
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  for (const choice of choices) {
    // We never ask for n > 1; a server that sends other indices anyway is not mixed in.
    if (!isFields(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') info.finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (!isFields(delta)) continue;
    info.content += text(delta.content);
    info.reasoning += text(delta.reasoning_content) || text(delta.reasoning);
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) info.toolCalls = true;
  }
  return info;
}

/** docs/METRICS.md: an event carries output when it has content, reasoning or tool calls. */
export function carriesOutput(info: ChunkInfo): boolean {
  return info.content !== '' || info.reasoning !== '' || info.toolCalls;
}
