// The streaming chat client: one chat completion through the official openai SDK, every event
// timestamped as it arrives, metrics computed afterwards by the pure code in metrics.ts.
//
// Clock (docs/METRICS.md): t0 is taken right before the request is written to the socket, by the
// fetch underneath the SDK (http-fetch.ts: node:http with keep-alive, not Node's built-in fetch,
// see the reasons there). What the SDK does before (building headers, serialising the body) is
// not the server's time and stays out; connecting, writing, the server's work and reading are
// the latency a user of that endpoint sees. One SDK client per endpoint is kept: a new one per
// request cost ~0.25 ms (bench-notes/harness-accuracy.md). The SDK sends the request and turns
// an error status into its APIError; the event stream is read from the Node stream underneath
// (event-stream.ts), which saves the SDK's web-stream reader about 0.2 ms of CPU a request.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { readEventStream, StreamErrorEvent } from './event-stream.ts';
import { ConnectionLostError, httpFetch, ReplyTooLargeError, takeNodeBody, type HttpFetchInit } from './http-fetch.ts';
import { isConnectionRefused, isConnectionReset } from '../util/network.ts';
import { computeMetrics } from './metrics.ts';
import { assembleReply } from './reply.ts';
import { DEFAULT_MAX_REPLY_BYTES, type ChatOutcome, type ChatRequest, type TimedEvent } from './types.ts';

/** Local servers ignore the key, but the SDK refuses to start without one. */
const PLACEHOLDER_API_KEY = 'not-needed';

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
  if (error instanceof APIUserAbortError || request.signal?.aborted === true) return `aborted by the caller (${progress})`;
  if (error === undefined && eventsReceived === 0) {
    return `the response held no stream events (content-type ${contentType ?? 'missing'}): the endpoint did not stream`;
  }
  if (error instanceof APIConnectionTimeoutError) return `timed out after ${request.timeoutMs} ms waiting for the response`;
  if (error instanceof APIConnectionError) return `cannot reach ${request.baseURL}: ${rootCause(error)}`;
  if (error instanceof ConnectionLostError) return `connection lost ${progress}: ${rootCause(error)}`;
  if (error instanceof ReplyTooLargeError) {
    return `the reply was larger than ${error.limitBytes} bytes (EVAL_MAX_REPLY_BYTES) ${progress}; the rest was not read`;
  }
  if (error instanceof StreamErrorEvent) return `the server reported an error in the stream ${progress}: ${error.message}`;
  if (error instanceof APIError) return `HTTP ${error.message}`;
  if (error instanceof SyntaxError) return `the server sent an event that is not JSON ${progress}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function redact(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < 4 ? text : text.split(secret).join('[redacted]');
}

const clients = new Map<string, OpenAI>();

/** The SDK client for an endpoint and key, made once. Its retries are off: a retry would hide a failure. */
function clientFor(baseURL: string, apiKey: string): OpenAI {
  const key = JSON.stringify([baseURL, apiKey]);
  let client = clients.get(key);
  if (client === undefined) {
    client = new OpenAI({
      baseURL,
      apiKey,
      // Nothing from the environment (OPENAI_ORG_ID, ...) is sent to a server we measure.
      organization: null,
      project: null,
      adminAPIKey: null,
      maxRetries: 0,
      // Errors come back in the outcome; the SDK itself must print nothing (headers, bodies).
      logLevel: 'off',
      fetch: httpFetch,
    });
    clients.set(key, client);
  }
  return client;
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
  // One signal for the request: aborted at the deadline or by the caller's signal (a listener
  // on it costs less than a third signal from AbortSignal.any, request after request).
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, request.timeoutMs);
  const callerAborted = () => stop.abort();
  if (request.signal?.aborted === true) stop.abort();
  else request.signal?.addEventListener('abort', callerAborted, { once: true });
  const { signal } = stop;
  // What the SDK lets a request pass to fetch (it sets body, headers, method and signal itself).
  const fetchOptions: Omit<HttpFetchInit, 'body' | 'headers' | 'method' | 'signal'> = {
    onWrite: () => {
      t0 = performance.now();
    },
    maxBodyBytes: request.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
  };
  const client = clientFor(request.baseURL, request.apiKey ?? PLACEHOLDER_API_KEY);

  const arrivals: Array<{ at: number; chunk: unknown }> = [];
  let failure: unknown;
  let failed = false;
  try {
    const response = await client.chat.completions.create(requestBody(request), { signal, timeout: request.timeoutMs, fetchOptions }).asResponse();
    contentType = response.headers.get('content-type');
    const body = takeNodeBody(response);
    if (body === undefined) throw new Error('the response did not come from the HTTP client edge-evals gave the SDK');
    await readEventStream(body, signal, (chunk, at) => arrivals.push({ at, chunk }));
    // A 200 with no event at all is not an empty reply (that still has a role or finish chunk):
    // it did not stream.
    if (arrivals.length === 0) failed = true;
  } catch (error) {
    failure = error;
    failed = true;
  }
  const closedAt = performance.now();
  clearTimeout(timer);
  request.signal?.removeEventListener('abort', callerAborted);

  const origin = t0 ?? startedAt;
  const events: TimedEvent[] = arrivals.map(({ at, chunk }) => ({ atMs: at - origin, chunk }));
  const outcome: ChatOutcome = {
    ...assembleReply(events),
    metrics: computeMetrics(events, closedAt - origin),
    events: events.length,
  };
  if (failed) {
    const message = describeRequestFailure(failure, { request, timedOut, eventsReceived: events.length, contentType });
    outcome.error = redact(message, request.apiKey);
    // Nothing answered: refused, or closed before the response began (the service went away
    // between two requests). Either way no server is working on it any more.
    const noAnswer = events.length === 0 && contentType === null;
    if (noAnswer && (isConnectionRefused(failure) || isConnectionReset(failure))) outcome.unreachable = true;
  }
  return outcome;
}
