// The streaming chat client: one chat completion, every event timestamped as it arrives,
// metrics computed afterwards by the pure code in metrics.ts.
//
// Clock (docs/METRICS.md): t0 is taken right before the request is written to the socket
// (http-post.ts: node:http with keep-alive). Building the body is not the server's time and
// stays out; connecting, writing, the server's work and reading are the latency a user of that
// endpoint sees. The request is the openai SDK's (the same body, the key as a bearer token, an
// error status worded alike), sent without it: the SDK cost about 0.4 ms a request of its own
// (bench-notes/suite-overhead.md). The event stream is read from the Node stream as its bytes
// arrive (event-stream.ts).
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { readEventStream, StreamErrorEvent } from './event-stream.ts';
import { ConnectionError, ConnectionLostError, HttpStatusError, postJson, ReplyTooLargeError, statusError } from './http-post.ts';
import { isConnectionRefused } from '../util/network.ts';
import { computeMetrics } from './metrics.ts';
import { assembleReply } from './reply.ts';
import { DEFAULT_MAX_REPLY_BYTES, type ChatOutcome, type ChatRequest, type TimedEvent } from './types.ts';

function requestBody(request: ChatRequest): ChatCompletionCreateParamsStreaming {
  // Extra fields first: they may add options but never turn off streaming or usage reporting.
  const body: ChatCompletionCreateParamsStreaming = {
    ...request.extraBody,
    model: request.model,
    messages: request.messages.map((message) => ({ ...message })),
    stream: true,
    stream_options: { include_usage: true },
    [request.maxTokensField ?? 'max_tokens']: request.maxTokens,
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.stop !== undefined) body.stop = typeof request.stop === 'string' ? request.stop : [...request.stop];
  return body;
}

/** The innermost cause's code or message: `fetch failed` alone does not say what went wrong. */
function rootCause(error: unknown): string {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && current.cause !== undefined && !seen.has(current.cause)) {
    seen.add(current);
    current = current.cause;
  }
  if (current instanceof Error) {
    const code = (current as Error & { code?: unknown }).code;
    return typeof code === 'string' && !current.message.includes(code) ? `${code} ${current.message}` : current.message;
  }
  return String(current);
}

interface FailureContext {
  request: ChatRequest;
  timedOut: boolean;
  eventsReceived: number;
  contentType: string | null;
}

function describeRequestFailure(error: unknown, { request, timedOut, eventsReceived, contentType }: FailureContext): string {
  const progress = eventsReceived === 0 ? 'before the first event' : `after ${eventsReceived} events`;
  if (timedOut) return `timed out after ${request.timeoutMs} ms (${progress})`;
  if (request.signal?.aborted === true) return `aborted by the caller (${progress})`;
  if (error === undefined && eventsReceived === 0) {
    return `the response held no stream events (content-type ${contentType ?? 'missing'}): the endpoint did not stream`;
  }
  if (error instanceof ConnectionError) return `cannot reach ${request.baseURL}: ${rootCause(error)}`;
  if (error instanceof ConnectionLostError) return `connection lost ${progress}: ${rootCause(error)}`;
  if (error instanceof ReplyTooLargeError) {
    return `the reply was larger than ${error.limitBytes} bytes (EVAL_MAX_REPLY_BYTES) ${progress}; the rest was not read`;
  }
  if (error instanceof StreamErrorEvent) return `the server reported an error in the stream ${progress}: ${error.message}`;
  if (error instanceof HttpStatusError) return `HTTP ${error.message}`;
  if (error instanceof SyntaxError) return `the server sent an event that is not JSON ${progress}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function redact(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < 4 ? text : text.split(secret).join('[redacted]');
}

/** `<baseURL>/chat/completions`, as the SDK joins them. */
function completionsURL(baseURL: string): URL {
  return new URL(`${baseURL.replace(/\/+$/, '')}/chat/completions`);
}

/**
 * Streams one chat completion. Never throws for a failed request: the outcome carries the
 * error, the partial reply and the metrics of what did arrive (callers keep failed requests
 * out of the statistics).
 */
export async function streamChat(request: ChatRequest): Promise<ChatOutcome> {
  const startedAt = performance.now();
  let t0: number | undefined;
  let contentType: string | null = null;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  const signal = request.signal === undefined ? deadline.signal : AbortSignal.any([request.signal, deadline.signal]);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.apiKey !== undefined) headers.authorization = `Bearer ${request.apiKey}`;

  const arrivals: Array<{ at: number; chunk: unknown }> = [];
  let failure: unknown;
  let failed = false;
  try {
    const response = await postJson(completionsURL(request.baseURL), JSON.stringify(requestBody(request)), {
      headers,
      signal,
      onWrite: () => {
        t0 = performance.now();
      },
      maxBodyBytes: request.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
    });
    contentType = response.contentType;
    if (response.status < 200 || response.status > 299) throw await statusError(response);
    await readEventStream(response, signal, (chunk, at) => arrivals.push({ at, chunk }));
    // A 200 with no event at all is not an empty reply (that still has a role or finish chunk):
    // it did not stream.
    if (arrivals.length === 0) failed = true;
  } catch (error) {
    failure = error;
    failed = true;
  }
  const closedAt = performance.now();
  clearTimeout(timer);

  const origin = t0 ?? startedAt;
  const events: TimedEvent[] = arrivals.map(({ at, chunk }) => ({ atMs: at - origin, chunk }));
  const outcome: ChatOutcome = {
    ...assembleReply(events),
    metrics: computeMetrics(events, closedAt - origin),
    events: events.length,
  };
  if (failed) {
    const message = describeRequestFailure(failure, { request, timedOut: deadline.signal.aborted, eventsReceived: events.length, contentType });
    outcome.error = redact(message, request.apiKey);
    if (events.length === 0 && isConnectionRefused(failure)) outcome.unreachable = true;
  }
  return outcome;
}
