// The streaming client through the real openai SDK against a local server that plays recorded
// streams at their scripted times. Each measured time must come after the moment the server
// really wrote its event (exact whatever the load: an earlier event taken for it fails), and
// within a sanity bound of it (generous: the tests share 2 cores with everything else). The
// accuracy figure comes from scripts/bench/harness-accuracy.ts; the exact semantics from the
// unit tests on the same fixtures.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChat } from '../../src/client/stream-chat.ts';
import type { ChatRequest } from '../../src/client/types.ts';
import { startScriptedServer, type Playback, type Script, type ScriptedServer } from '../fixtures/streams/scripted-server.ts';
import { loadStreamFixtures, type Write } from '../fixtures/streams/transcript.ts';

/** How far a measured time may trail the server's write on a busy machine. */
const LATE_MS = 100;

const fixtures = loadStreamFixtures();
const SECRET = 'sk-test-SECRET-4242';

const event = (chunk: unknown): string => `data: ${JSON.stringify(chunk)}\n\n`;
const contentChunk = (text: string) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });

const SPECIAL_SCRIPTS: Record<string, Script> = {
  'http-404': {
    status: 404,
    headers: { 'content-type': 'application/json' },
    writes: [[0, JSON.stringify({ error: { message: "model 'nope' not found", type: 'invalid_request_error' } })]],
  },
  'http-401-echo': {
    status: 401,
    headers: { 'content-type': 'application/json' },
    writes: [[0, JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRET}`, type: 'invalid_request_error' } })]],
  },
  hang: { writes: [[20, event(contentChunk('Hel'))]], holdOpen: true },
  'done-held-open': { writes: [[10, event(contentChunk('Hel'))], [20, event(contentChunk('lo'))], [30, 'data: [DONE]\n\n']], holdOpen: true },
  'not-json': { writes: [[10, event(contentChunk('ok'))], [20, 'data: {oops\n\n']] },
  dropped: { writes: [[10, event(contentChunk('par'))], [20, event(contentChunk('tial'))]], destroyAtMs: 40 },
  'plain-json': {
    headers: { 'content-type': 'application/json' },
    writes: [[5, JSON.stringify({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }] })]],
  },
};

let server: ScriptedServer;

function scriptFor(model: string): Script {
  const special = SPECIAL_SCRIPTS[model];
  if (special !== undefined) return special;
  const fixture = fixtures.find((candidate) => candidate.name === model);
  if (fixture === undefined) throw new Error(`no script for model ${model}`);
  return { writes: fixture.writes };
}

function request(model: string, overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    baseURL: server.baseURL,
    apiKey: SECRET,
    model,
    messages: [{ role: 'user', content: 'Say hello.' }],
    maxTokens: 64,
    timeoutMs: 5_000,
    ...overrides,
  };
}

/** The measured time of a scripted event lies after the server really wrote it, and not long after. */
function expectAfterWrite(measured: number | null, scriptedMs: number | null, writes: readonly Write[], playback: Playback | undefined): void {
  if (scriptedMs === null) {
    expect(measured).toBeNull();
    return;
  }
  const writeIndex = writes.findIndex(([atMs]) => atMs === scriptedMs);
  const writtenAt = playback?.writtenAtMs[writeIndex];
  expect(writtenAt, `write at ${scriptedMs} ms was played`).toBeDefined();
  expect(measured).not.toBeNull();
  expect(measured as number).toBeGreaterThan(writtenAt as number);
  expect(measured as number).toBeLessThan((writtenAt as number) + LATE_MS);
}

beforeAll(async () => {
  server = await startScriptedServer({
    script: (received) => scriptFor(String((received.body as { model?: unknown } | null)?.model)),
  });
  // The first request of a process is slow (cold code, new connection): the suite's warm-up
  // request absorbs it in real runs, this one here.
  await streamChat(request('vllm-usage-chunk'));
});

afterAll(async () => {
  await server.close();
});

describe('recorded streams through the openai SDK', () => {
  it.each(fixtures)('$name: times, tokens and text as scripted', async ({ name, writes, expect: expected }) => {
    const played = server.playbacks.length;
    const outcome = await streamChat(request(name));
    const playback = server.playbacks[played];
    const { metrics } = outcome;
    expectAfterWrite(metrics.ttftMs, expected.ttftMs, writes, playback);
    expectAfterWrite(metrics.ttfotMs, expected.ttfotMs, writes, playback);
    expectAfterWrite(metrics.e2eMs, expected.e2eMs, writes, playback);
    expectAfterWrite(metrics.streamCloseMs, expected.streamCloseMs, writes, playback);
    // E2E is the last output event, not the close: load cannot make them equal.
    if (expected.e2eMs !== null && expected.e2eMs < expected.streamCloseMs) expect(metrics.e2eMs).toBeLessThan(metrics.streamCloseMs);
    expect(metrics).toMatchObject({
      outputTokens: expected.outputTokens,
      tokenSource: expected.tokenSource,
      outputEvents: expected.outputEvents,
      finishReason: expected.finishReason,
      promptTokens: expected.promptTokens,
      server: expected.server,
      tokenCountDisagreement: expected.tokenCountDisagreement,
    });
    if (expected.tpotMs === null) expect(metrics.tpotMs).toBeNull();
    else expect(Math.abs((metrics.tpotMs as number) - expected.tpotMs)).toBeLessThan((2 * LATE_MS) / (expected.outputTokens - 1));
    expect({ response: outcome.response, answer: outcome.answer, reasoning: outcome.reasoning }).toEqual({
      response: expected.response,
      answer: expected.answer,
      reasoning: expected.reasoning,
    });
    if (expected.error === undefined) expect(outcome.error).toBeUndefined();
    else expect(outcome.error).toContain(expected.error);
  });
});

describe('the request the client sends', () => {
  it('always streams with usage and max_tokens, adds the sampling options and extra fields, and sends the key only as a header', async () => {
    const before = server.requests.length;
    await streamChat(
      request('vllm-usage-chunk', {
        temperature: 0,
        topP: 0.9,
        seed: 7,
        stop: ['\n\n'],
        extraBody: { top_k: 40, stream: false, stream_options: { include_usage: false } },
      }),
    );
    const received = server.requests[before];
    expect(received?.url).toBe('/v1/chat/completions');
    expect(received?.body).toEqual({
      model: 'vllm-usage-chunk',
      messages: [{ role: 'user', content: 'Say hello.' }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
      temperature: 0,
      top_p: 0.9,
      seed: 7,
      stop: ['\n\n'],
      top_k: 40,
    });
    expect(received?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('can name the limit max_completion_tokens instead', async () => {
    const before = server.requests.length;
    await streamChat(request('vllm-usage-chunk', { maxTokensField: 'max_completion_tokens' }));
    const body = server.requests[before]?.body as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(64);
    expect(body).not.toHaveProperty('max_tokens');
  });
});

describe('failures', () => {
  it('an HTTP error status is a failure with the server message', async () => {
    const outcome = await streamChat(request('http-404'));
    expect(outcome.error).toMatch(/^HTTP 404 .*model 'nope' not found/);
    expect(outcome.metrics.ttftMs).toBeNull();
  });

  it('never shows the API key, even when the server echoes it', async () => {
    const outcome = await streamChat(request('http-401-echo'));
    expect(outcome.error).toContain('Incorrect API key provided: [redacted]');
    expect(outcome.error).not.toContain(SECRET);
  });

  it('a stream that stops sending is cut at the deadline, keeping the partial reply', async () => {
    const started = performance.now();
    const outcome = await streamChat(request('hang', { timeoutMs: 300 }));
    const elapsed = performance.now() - started;
    // libuv timers count whole milliseconds and can fire a fraction of one early.
    expect(elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeLessThan(2_000);
    expect(outcome.error).toBe('timed out after 300 ms (after 1 events)');
    expect(outcome.response).toBe('Hel');
    // The script writes the first token 20 ms after the request and its status line at once;
    // its timer can fire early (18.9 ms seen on a busy machine), so the bound only tells the
    // token from the status line.
    expect(outcome.metrics.ttftMs).toBeGreaterThan(15);
    // The deadline runs from the call; the close time from t0, a little later.
    expect(outcome.metrics.streamCloseMs).toBeGreaterThan(250);
    expect(outcome.metrics.streamCloseMs).toBeLessThanOrEqual(elapsed);
  });

  it('the caller can abort, before or during the stream', async () => {
    const during = await streamChat(request('hang', { signal: AbortSignal.timeout(100) }));
    expect(during.error).toBe('aborted by the caller (after 1 events)');
    const before = await streamChat(request('hang', { signal: AbortSignal.timeout(5) }));
    expect(before.error).toBe('aborted by the caller (before the first event)');
  });

  it('an event that is not JSON is a failure that keeps what came before', async () => {
    const outcome = await streamChat(request('not-json'));
    expect(outcome.error).toMatch(/^the server sent an event that is not JSON after 1 events: /);
    expect(outcome.response).toBe('ok');
  });

  it('stops at [DONE] even when the server keeps the response open after it', async () => {
    const started = performance.now();
    const outcome = await streamChat(request('done-held-open', { timeoutMs: 10_000 }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.response).toBe('Hello');
    expect(outcome.events).toBe(2);
    // Well before the request's timeout, which is what the SDK alone would wait for.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a connection lost mid-stream is a failure that keeps what came before', async () => {
    const outcome = await streamChat(request('dropped'));
    expect(outcome.error).toMatch(/^connection lost after 2 events/);
    expect(outcome.response).toBe('partial');
    expect(outcome.unreachable).toBeUndefined();
  });

  it('a 200 answer that is not an event stream is a failure', async () => {
    const outcome = await streamChat(request('plain-json'));
    expect(outcome.error).toBe('the response held no stream events (content-type application/json): the endpoint did not stream');
  });

  it('a server that is not there is a failure that names the address and the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await streamChat(request('x', { baseURL: `http://127.0.0.1:${port}/v1` }));
    expect(outcome.error).toBe(`cannot reach http://127.0.0.1:${port}/v1: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(outcome.events).toBe(0);
    // Nothing was sent, so the caller may look for the service and send it again.
    expect(outcome.unreachable).toBe(true);
  });

  it('a connection closed before any answer (a service going away between two requests) may be sent again', async () => {
    const closing = http.createServer((incoming) => incoming.socket.destroy());
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    const { port } = closing.address() as AddressInfo;
    try {
      const outcome = await streamChat(request('x', { baseURL: `http://127.0.0.1:${port}/v1` }));
      expect(outcome.error).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/v1: .*(ECONNRESET|socket hang up)`));
      expect(outcome.events).toBe(0);
      expect(outcome.unreachable).toBe(true);
    } finally {
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    }
  });
});

describe('transport', () => {
  it('reads a gzip-compressed stream', async () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'vllm-usage-chunk');
    const body = gzipSync(fixture?.writes.map(([, text]) => text).join('') ?? '');
    const gzipServer = http.createServer((incoming, response) => {
      incoming.resume();
      incoming.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => gzipServer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = gzipServer.address() as AddressInfo;
      const outcome = await streamChat(request('vllm-usage-chunk', { baseURL: `http://127.0.0.1:${port}/v1` }));
      expect(outcome.error).toBeUndefined();
      expect(outcome.response).toBe('The capital of France is Paris.');
      expect(outcome.metrics.outputTokens).toBe(7);
    } finally {
      gzipServer.closeAllConnections();
      await new Promise<void>((resolve) => gzipServer.close(() => resolve()));
    }
  });

  it('stops reading a reply larger than its limit, counted after decompression, and says so', async () => {
    const chunk = `data: ${JSON.stringify(contentChunk('x'.repeat(1000)))}\n\n`;
    const body = gzipSync(chunk.repeat(2000)); // about 2 MB of events in a few kB on the wire
    const bombServer = http.createServer((incoming, response) => {
      incoming.resume();
      incoming.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => bombServer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = bombServer.address() as AddressInfo;
      const outcome = await streamChat(request('bomb', { baseURL: `http://127.0.0.1:${port}/v1`, maxReplyBytes: 256 * 1024 }));
      expect(outcome.error).toMatch(/^the reply was larger than 262144 bytes \(EVAL_MAX_REPLY_BYTES\) after \d+ events; the rest was not read$/);
      expect(outcome.response.length).toBeLessThanOrEqual(256 * 1024);
      expect(outcome.response.length).toBeGreaterThan(100 * 1024);
    } finally {
      bombServer.closeAllConnections();
      await new Promise<void>((resolve) => bombServer.close(() => resolve()));
    }
  });

  it('holds an error response to the same limit: the SDK reads its body, never more than the limit of it', async () => {
    const message = 'no. '.repeat(1024 * 1024); // an error message of 4 MB
    const chattyServer = http.createServer((incoming, response) => {
      incoming.resume();
      incoming.on('end', () => {
        response.on('error', () => undefined); // the client hangs up part way
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
      });
    });
    await new Promise<void>((resolve) => chattyServer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = chattyServer.address() as AddressInfo;
      const outcome = await streamChat(request('chatty', { baseURL: `http://127.0.0.1:${port}/v1`, maxReplyBytes: 256 * 1024 }));
      expect(outcome.error).toMatch(/^HTTP 400 .*the reply is larger than 262144 bytes/);
      expect(outcome.error?.length).toBeLessThan(1000);
    } finally {
      chattyServer.closeAllConnections();
      await new Promise<void>((resolve) => chattyServer.close(() => resolve()));
    }
  });
});

