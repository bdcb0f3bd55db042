// `edge-evals serve` as users and the embedded runtime adapter use it: a real process, real
// HTTP, the official openai client, the synthetic fixture-tiny model generated into a
// temporary cache. Timing bounds are sanity checks only; the figures come from
// scripts/bench/embedded-*.ts.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import OpenAI, { APIError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, sampleProcessTree } from '../../src/util/process-tree.ts';
import { plantedReply } from '../support/planted-truth.ts';
import { EDGE_EVALS_BIN as BIN } from '../support/processes.ts';
import { READY_TIMEOUT_MS, startServer, type ServerProcess } from '../support/serve.ts';

/** "Say hello." asks for an introduction (its keyword: hello): fixture-tiny's planted answer. */
const { text: TINY_REPLY, tokens: TINY_REPLY_TOKENS } = plantedReply('fixture-tiny', 'chat/introduce-yourself');

interface Timings {
  prompt_n: number;
  prompt_ms: number;
  prompt_per_second: number | null;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_second: number | null;
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (pids.some(isAlive)) {
    if (performance.now() - started > timeoutMs) throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(isAlive).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

let cacheDir: string;
let server: ServerProcess;
let baseURL: string;
let client: OpenAI;

beforeAll(async () => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-server-'));
  server = await startServer(['--model', 'fixture-tiny', '--parent-pid', String(process.pid)], cacheDir);
  baseURL = server.ready.url;
  client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'not-needed', maxRetries: 0, timeout: 30_000 });
}, READY_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (server !== undefined && isAlive(server.ready.pid)) {
    server.child.kill('SIGKILL');
    await server.child;
  }
  rmSync(cacheDir, { recursive: true, force: true });
});

const hello = [{ role: 'user' as const, content: 'Say hello.' }];

async function post(route: string, body?: string): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(`${baseURL}${route}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

async function get(route: string): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(`${baseURL}${route}`);
  return { status: response.status, json: await response.json(), headers: response.headers };
}

/** The raw SSE events of a streamed request, without the SDK in between. */
async function rawStream(body: Record<string, unknown>): Promise<string[]> {
  const response = await fetch(`${baseURL}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fixture-tiny', messages: hello, temperature: 0, stream: true, ...body }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

describe('edge-evals serve: start-up', () => {
  it('prints exactly one ready line with the URL, pid and preloaded models', () => {
    expect(server.ready.event).toBe('ready');
    expect(server.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.ready.pid).toBe(server.child.pid);
    expect(server.ready.models).toEqual([expect.objectContaining({ alias: 'fixture-tiny', modelId: 'fixture-tiny', threads: expect.any(Number) })]);
    expect(server.stdout().trim().split('\n')).toHaveLength(1);
  });

  it('answers /health', async () => {
    expect(await get('/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('lists the loaded models in OpenAI format', async () => {
    const models = await client.models.list();
    expect(models.data).toEqual([{ id: 'fixture-tiny', object: 'model', created: expect.any(Number), owned_by: 'edge-evals' }]);
  });

  it('describes the loaded models on /models/loaded', async () => {
    const { status, json } = await get('/models/loaded');
    expect(status).toBe(200);
    expect(json).toEqual({
      models: [
        expect.objectContaining({
          alias: 'fixture-tiny',
          modelId: 'fixture-tiny',
          path: path.join(cacheDir, 'models', 'fixture-tiny.gguf'),
          loadMs: expect.any(Number),
          threads: expect.any(Number),
        }),
      ],
    });
  });
});

describe('chat completions', () => {
  it('answers without streaming, with usage and timings that agree', async () => {
    const completion = await client.chat.completions.create({ model: 'fixture-tiny', messages: hello, temperature: 0 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('fixture-tiny');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: TINY_REPLY });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = completion.usage;
    // The answer's tokens and the end of turn.
    expect(usage?.completion_tokens).toBe(TINY_REPLY_TOKENS + 1);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    const timings = (completion as ChatCompletion & { timings: Timings }).timings;
    expect(timings.prompt_n).toBe(usage?.prompt_tokens);
    expect(timings.predicted_n).toBe(usage?.completion_tokens);
    expect(timings.prompt_ms).toBeGreaterThan(0);
    expect(timings.predicted_ms).toBeGreaterThan(0);
    expect(timings.predicted_per_second).toBeCloseTo((timings.predicted_n * 1000) / timings.predicted_ms, 0);
  });

  it('streams: role chunk first, content chunks, a final chunk with finish_reason and timings, no usage unless asked', async () => {
    const events = await rawStream({});
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as ChatCompletionChunk & { timings?: Timings });
    expect(chunks[0]?.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    const final = chunks.at(-1);
    expect(final?.choices[0]?.finish_reason).toBe('stop');
    expect(final?.timings?.predicted_n).toBe(TINY_REPLY_TOKENS + 1);
    const content = chunks.slice(1, -1).map((chunk) => chunk.choices[0]?.delta.content ?? '');
    expect(content.length).toBe(TINY_REPLY_TOKENS); // one event per token, not one blob
    expect(content.join('')).toBe(TINY_REPLY);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]?.id)).toBe(true);
    expect(chunks.some((chunk) => chunk.usage !== undefined || chunk.choices.length === 0)).toBe(false);
  });

  it('streams a usage chunk with choices: [] only when stream_options.include_usage is true', async () => {
    const events = await rawStream({ stream_options: { include_usage: true } });
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as ChatCompletionChunk & { timings?: Timings });
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    const final = chunks.at(-2);
    expect(final?.choices[0]?.finish_reason).toBe('stop');
    expect(usageChunk?.usage?.completion_tokens).toBe(final?.timings?.predicted_n);
    expect(usageChunk?.usage?.prompt_tokens).toBe(final?.timings?.prompt_n);
  });

  it('streams through the openai client with the same text as without streaming', async () => {
    const stream = await client.chat.completions.create({
      model: 'fixture-tiny',
      messages: hello,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let completionTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    }
    expect(text).toBe(TINY_REPLY);
    expect(finish).toBe('stop');
    expect(completionTokens).toBe(TINY_REPLY_TOKENS + 1);
  });

  it('stops at max_tokens with finish_reason length', async () => {
    for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
      const completion = await client.chat.completions.create({ model: 'fixture-tiny', messages: hello, temperature: 0, [field]: 3 });
      expect(completion.choices[0]?.finish_reason).toBe('length');
      expect(completion.usage?.completion_tokens).toBe(3);
      expect(TINY_REPLY.startsWith(completion.choices[0]?.message.content ?? '?')).toBe(true);
    }
  });

  it('repeats a seeded sampled answer exactly', async () => {
    const ask = async () =>
      (await client.chat.completions.create({ model: 'fixture-tiny', messages: hello, temperature: 1.5, seed: 1234, max_tokens: 24 })).choices[0]?.message
        .content;
    const first = await ask();
    expect(first).not.toBe('');
    expect(await ask()).toBe(first);
  });

  it('ends at a stop sequence, which is left out of the answer', async () => {
    const completion = await client.chat.completions.create({ model: 'fixture-tiny', messages: hello, temperature: 0, stop: ['tiny', 'never-there'] });
    expect(completion.choices[0]?.message.content).toBe(TINY_REPLY.slice(0, TINY_REPLY.indexOf('tiny')));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('holds the answer to response_format json_schema through a grammar (the judge\'s verdict)', async () => {
    const schema = {
      type: 'object',
      properties: { reason: { type: 'string', maxLength: 100 }, score: { type: 'integer', enum: [1, 2, 3, 4, 5] } },
      required: ['reason', 'score'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: 'fixture-tiny',
      messages: hello,
      temperature: 0,
      max_tokens: 256,
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } },
    });
    // Free, fixture-tiny says its planted hello; held to the schema it must write a verdict.
    const content = completion.choices[0]?.message.content ?? '';
    expect(content).not.toBe(TINY_REPLY);
    const verdict = JSON.parse(content) as { reason: unknown; score: unknown };
    expect(Object.keys(verdict).sort()).toEqual(['reason', 'score']);
    expect(typeof verdict.reason).toBe('string');
    expect([1, 2, 3, 4, 5]).toContain(verdict.score);
  });

  it('accepts text parts as content', async () => {
    const completion = await client.chat.completions.create({
      model: 'fixture-tiny',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say ' }, { type: 'text', text: 'hello.' }] }],
      temperature: 0,
    });
    expect(completion.choices[0]?.message.content).toBe(TINY_REPLY);
  });

  it('serves concurrent requests one after the other (FIFO) without mixing their state', async () => {
    const answers = await Promise.all(
      [1, 2, 3].map(() => client.chat.completions.create({ model: 'fixture-tiny', messages: hello, temperature: 0 })),
    );
    for (const answer of answers) expect(answer.choices[0]?.message.content).toBe(TINY_REPLY);
    expect(new Set(answers.map((answer) => answer.usage?.prompt_tokens)).size).toBe(1);
  });
});

describe('errors', () => {
  async function apiError(body: Record<string, unknown>): Promise<APIError> {
    const error = await client.chat.completions
      .create(body as unknown as Parameters<typeof client.chat.completions.create>[0])
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  }

  it.each([
    [{ model: 'fixture-tiny', messages: hello, max_tokens: -1 }, 'max_tokens', /max_tokens: expected an integer >= 1, got -1/],
    [{ model: 'fixture-tiny' }, 'messages', /messages: .* it is missing/],
    [{ model: 'fixture-tiny', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /expected one of system, user, assistant, got "robot"/],
    [{ model: 'fixture-tiny', messages: hello, temperature: 'hot' }, 'temperature', /expected a number from 0 to 2, got "hot"/],
  ])('400 for %j names the field', async (body, param, message) => {
    const error = await apiError(body);
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  it('400 for a body that is not JSON', async () => {
    const { status, json } = await post('/v1/chat/completions', '{"model": ');
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_json', message: expect.stringMatching(/not valid JSON/) } });
  });

  it('404 model_not_found for an unknown model, listing the loaded and available ones', async () => {
    const error = await apiError({ model: 'fixture-tinny', messages: hello });
    expect(error.status).toBe(404);
    expect(error.code).toBe('model_not_found');
    expect(error.message).toMatch(/Loaded: fixture-tiny\./);
    expect(error.message).toMatch(/Available: .*fixture-medium/);
    expect(error.message).toMatch(/Did you mean fixture-tiny/);
  });

  it('404 for a catalog model that is not downloaded, naming the download command', async () => {
    const error = await apiError({ model: 'qwen2.5-0.5b-instruct', messages: hello });
    expect(error.status).toBe(404);
    expect(error.message).toContain('run edge-evals model download qwen2.5-0.5b-instruct');
  });

  it('404 for unknown routes and 405 for wrong methods', async () => {
    expect(await get('/v1/nothing')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    const wrongMethod = await get('/v1/chat/completions');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await post('/health')).status).toBe(405);
  });
});

describe('loading and unloading', () => {
  it('POST /models/load on a loaded model answers with the original load', async () => {
    const { status, json } = await post('/models/load/fixture-tiny');
    expect(status).toBe(200);
    expect(json).toEqual({
      alias: 'fixture-tiny',
      modelId: 'fixture-tiny',
      loadMs: server.ready.models[0]?.loadMs,
      path: server.ready.models[0]?.path,
      alreadyLoaded: true,
    });
  });

  it('404 for loading or unloading an unknown model; unloaded: false for a known one that is not loaded', async () => {
    expect(await post('/models/load/nope')).toMatchObject({ status: 404, json: { error: { code: 'model_not_found' } } });
    expect(await post('/models/unload/nope')).toMatchObject({ status: 404 });
    expect(await post('/models/unload/fixture-medium')).toMatchObject({ status: 200, json: { unloaded: false } });
  });

  it('a chat request for a model that is not loaded starts loading it: 503 with Retry-After, then it answers', async () => {
    const request = JSON.stringify({ model: 'fixture-small', messages: hello, temperature: 0, max_tokens: 4 });
    const first = await post('/v1/chat/completions', request);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.json).toMatchObject({ error: { type: 'unavailable_error', code: 'model_loading', param: 'model' } });
    // fixture-small is being generated and loaded: several seconds.
    expect(await get('/health')).toMatchObject({ status: 503, json: { status: 'loading' } });
    expect((await post('/v1/chat/completions', request)).status).toBe(503);

    const deadline = Date.now() + 90_000;
    while ((await get('/health')).status !== 200) {
      if (Date.now() > deadline) throw new Error(`fixture-small did not load; stderr:\n${server.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const answer = await post('/v1/chat/completions', request);
    expect(answer).toMatchObject({ status: 200, json: { model: 'fixture-small', choices: [{ finish_reason: 'length' }] } });
    expect((await client.models.list()).data.map((model) => model.id).sort()).toEqual(['fixture-small', 'fixture-tiny']);

    expect(await post('/models/unload/fixture-small')).toMatchObject({ status: 200, json: { unloaded: true } });
    expect((await client.models.list()).data.map((model) => model.id)).toEqual(['fixture-tiny']);
  }, 120_000);

  it('refuses a .gguf path over HTTP (not given on its command line) without telling whether the file exists', async () => {
    const file = path.join(cacheDir, 'my-copy.gguf');
    copyFileSync(path.join(cacheDir, 'models', 'fixture-tiny.gguf'), file);
    const load = (target: string) => post(`/models/load/${encodeURIComponent(target)}`);
    const refused = await load(file);
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'model_path_not_allowed', param: 'model' } } });
    expect((refused.json as { error: { message: string } }).error.message).toMatch(/--model-file.*--allow-model-paths/);
    for (const other of ['my-copy.gguf', path.join(cacheDir, 'no-such-file.gguf'), '/etc/passwd.gguf']) {
      expect(await load(other)).toEqual({ ...refused, headers: expect.anything() });
    }
    // A chat request naming a path does not load it either.
    expect((await post('/v1/chat/completions', JSON.stringify({ model: file, messages: hello }))).status).toBe(403);
    expect(await post(`/models/unload/${encodeURIComponent('/etc/passwd.gguf')}`)).toMatchObject({ status: 200, json: { unloaded: false } });
    expect((await client.models.list()).data.map((model) => model.id)).toEqual(['fixture-tiny']);
  });

  it('POST /models/load loads and answers once loaded', async () => {
    const { status, json } = await post('/models/load/fixture-small');
    expect(status).toBe(200);
    expect(json).toEqual({ alias: 'fixture-small', modelId: 'fixture-small', loadMs: expect.any(Number), path: path.join(cacheDir, 'models', 'fixture-small.gguf') });
    expect(await post('/models/unload/fixture-small')).toMatchObject({ json: { unloaded: true } });
  }, 60_000);
});

describe('a client that goes away', () => {
  it('ends its generation mid-stream, and the next request is served', async () => {
    expect((await post('/models/load/fixture-medium')).status).toBe(200);
    try {
      const going = new AbortController();
      const response = await fetch(`${baseURL}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fixture-medium', messages: hello, temperature: 0, max_tokens: 200, stream: true }),
        signal: going.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let received = '';
      // fixture-medium takes most of a second for its reply: leave after its first word.
      while (!/"delta":\{"content":"[^"]/.test(received)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before any content: ${received}`);
        received += decoder.decode(value, { stream: true });
      }
      going.abort();

      const deadline = Date.now() + 30_000;
      while (!server.stderr().includes('generation aborted: the client went away')) {
        if (Date.now() > deadline) throw new Error(`no abort logged; stderr:\n${server.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // A finished generation logs its token counts; this one never finished.
      expect(server.stderr()).not.toMatch(/chat fixture-medium: /);
      const next = await client.chat.completions.create({ model: 'fixture-tiny', messages: hello, temperature: 0 });
      expect(next.choices[0]?.message.content).toBe(TINY_REPLY);
    } finally {
      await post('/models/unload/fixture-medium');
    }
  }, 120_000);
});

describe('start-up errors', () => {
  it('exits 2 at once for an unknown --model (a usage error, as for `model run`), with the reason and no stack trace', async () => {
    const result = await execa(process.execPath, [BIN, 'serve', '--model', 'fixture-tinny'], {
      env: { EDGE_EVALS_CACHE: cacheDir },
      reject: false,
      timeout: 30_000,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--model fixture-tinny: unknown model 'fixture-tinny'/);
    expect(result.stderr).toMatch(/did you mean fixture-tiny/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a bad flag value', async () => {
    const result = await execa(process.execPath, [BIN, 'serve', '--parallel', '0'], { reject: false, timeout: 30_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--parallel 0: expected an integer from 1 to 64/);
  });
});

describe('shutdown', () => {
  it('SIGTERM stops the server and its child processes with exit code 0', async () => {
    const pids = (await sampleProcessTree([server.ready.pid])).map((sample) => sample.pid);
    expect(pids).toContain(server.ready.pid);
    server.child.kill('SIGTERM');
    const result = await server.child;
    expect(result.exitCode).toBe(0);
    await waitUntilGone(pids, 5_000);
    expect(server.stdout().trim().split('\n')).toHaveLength(1); // stdout stayed a one-line protocol
  });

  it('--parent-pid: the server exits when its parent process ends', async () => {
    const parent = execa(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
    const parentPid = parent.pid;
    if (parentPid === undefined) throw new Error('no parent pid');
    const orphan = await startServer(['--parent-pid', String(parentPid)], cacheDir);
    try {
      parent.kill('SIGKILL');
      await parent;
      const result = await orphan.child;
      expect(result.exitCode).toBe(0);
      expect(orphan.stderr()).toContain(`parent process ${parentPid} ended`);
      expect(isAlive(orphan.ready.pid)).toBe(false);
    } finally {
      orphan.child.kill('SIGKILL');
    }
  }, READY_TIMEOUT_MS);
});
