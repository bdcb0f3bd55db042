// Per-request metrics from the timestamped events of one stream, exactly as docs/METRICS.md
// defines them. Pure: the client records events, this reads them.
import type { RequestMetrics, ServerTimings, TokenSource } from '../contract/results.ts';
import { carriesOutput, readChunk, type ChunkInfo, type ChunkUsage } from './chunks.ts';
import { splitThinkBlocks } from './reply.ts';
import type { TimedEvent } from './types.ts';

interface ReadEvent extends ChunkInfo {
  atMs: number;
}

export interface TokenCount {
  outputTokens: number;
  tokenSource: TokenSource;
  disagreement: boolean;
}

/**
 * Output tokens in docs/METRICS.md's order of trust: `usage.completion_tokens`, then llama.cpp
 * `timings.predicted_n`, then the number of output events (a lower bound: one event may carry
 * several tokens). The sources disagree when usage and timings give different counts, or when
 * the trusted count is below the number of output events, which no honest count can be. A
 * count above the events is normal: besides multi-token events, llama.cpp and the embedded
 * runtime count the end-of-turn token, which carries no text (bench-notes/harness-accuracy.md).
 */
export function reconcileTokenCount(usage: ChunkUsage | null, timings: ServerTimings | null, outputEvents: number): TokenCount {
  const fromUsage = usage?.completionTokens ?? null;
  const fromTimings = timings?.predictedTokens ?? null;
  const [outputTokens, tokenSource]: [number, TokenSource] =
    fromUsage !== null ? [fromUsage, 'usage']
    : fromTimings !== null ? [fromTimings, 'server-timings']
    : [outputEvents, 'stream-events'];
  const disagreement = (fromUsage !== null && fromTimings !== null && fromUsage !== fromTimings) || outputTokens < outputEvents;
  return { outputTokens, tokenSource, disagreement };
}

/**
 * First content event that carries the answer rather than an inline `<think>` block: the
 * event whose slice of the concatenated content holds the answer's first character.
 */
function timeOfFirstAnswerContent(events: readonly ReadEvent[]): number | null {
  const content = events.map((event) => event.content).join('');
  const { answerStart } = splitThinkBlocks(content);
  if (answerStart === null) return null;
  let offset = 0;
  for (const event of events) {
    offset += event.content.length;
    if (answerStart < offset) return event.atMs;
  }
  return null;
}

function lastNonNull<T>(events: readonly ReadEvent[], pick: (event: ReadEvent) => T | null): T | null {
  for (let index = events.length - 1; index >= 0; index--) {
    const value = pick(events[index] as ReadEvent);
    if (value !== null) return value;
  }
  return null;
}

/**
 * @param events every parsed event of the stream, in arrival order, times in ms after t0
 * @param streamCloseMs when the stream ended (`[DONE]`, end of body, or the failure)
 */
export function computeMetrics(events: readonly TimedEvent[], streamCloseMs: number): RequestMetrics {
  const read: ReadEvent[] = events.map((event) => ({ atMs: event.atMs, ...readChunk(event.chunk) }));
  const output = read.filter(carriesOutput);
  const ttftMs = output[0]?.atMs ?? null;
  const e2eMs = output.at(-1)?.atMs ?? null;
  // vLLM's continuous usage stats repeat usage on every chunk: the last one is the total.
  const usage = lastNonNull(read, (event) => event.usage);
  const server = lastNonNull(read, (event) => event.timings);
  const cacheCount = lastNonNull(read, (event) => event.cachedPromptTokens);
  const { outputTokens, tokenSource, disagreement } = reconcileTokenCount(usage, server, output.length);
  // Decode speed needs a decode interval: at least two tokens spread over at least two events.
  const decodeMs = ttftMs !== null && e2eMs !== null && e2eMs > ttftMs && outputTokens > 1 ? e2eMs - ttftMs : null;
  return {
    ttftMs,
    ttfotMs: timeOfFirstAnswerContent(read),
    e2eMs,
    streamCloseMs,
    tpotMs: decodeMs === null ? null : decodeMs / (outputTokens - 1),
    outputTokens,
    // llama.cpp's prompt_n counts only the prompt tokens it computed; cache_n the ones it reused.
    promptTokens: usage?.promptTokens ?? (server === null ? null : server.promptTokens + (cacheCount ?? 0)),
    cachedPromptTokens: usage?.cachedPromptTokens ?? cacheCount,
    tokensPerSec: e2eMs !== null && e2eMs > 0 ? outputTokens / (e2eMs / 1000) : null,
    decodeTokensPerSec: decodeMs === null ? null : (outputTokens - 1) / (decodeMs / 1000),
    tokenSource,
    outputEvents: output.length,
    interChunkGapsMs: output.slice(1).map((event, index) => event.atMs - (output[index] as ReadEvent).atMs),
    finishReason: lastNonNull(read, (event) => event.finishReason),
    server,
    // The server's work lies inside the request as the client saw it (from t0 to the stream's
    // close, after the chunk that carried the timings): durations on two clocks, compared whole.
    overheadMs: server !== null ? streamCloseMs - (server.promptMs + server.predictedMs) : null,
    tokenCountDisagreement: disagreement,
  };
}

/** One line for people: what the vitest UI shows on each test and the HTML report on each reply. */
export function metricsLine(metrics: RequestMetrics): string {
  const ms = (value: number | null) => (value === null ? '-' : `${value.toFixed(0)} ms`);
  const rate = metrics.tokensPerSec === null ? '-' : `${metrics.tokensPerSec.toFixed(1)} tokens/s`;
  return (
    `TTFT ${ms(metrics.ttftMs)} · E2E ${ms(metrics.e2eMs)} · TPOT ${ms(metrics.tpotMs)} · ` +
    `${metrics.outputTokens} tokens (${metrics.tokenSource}) · ${rate}` +
    (metrics.overheadMs === null ? '' : ` · harness+network overhead ${metrics.overheadMs.toFixed(1)} ms`)
  );
}
