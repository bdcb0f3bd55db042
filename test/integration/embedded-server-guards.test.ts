// Who may use `edge-evals serve`, and how much: the attacks a web page or another local
// process can make on a model server listening on 127.0.0.1, a prompt longer than the context,
// a flood of requests; sent over real HTTP to a real server. Raw node:http requests, because
// fetch will not send a Host or Origin header of our choosing.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAND_IN_MODEL_CACHE } from '../stand-ins/support.ts';
import { READY_TIMEOUT_MS, startServer, stopServer, type ServerProcess } from '../support/serve.ts';

const API_KEY = 'serve-key-7f3a9c1e5b';
const hello = [{ role: 'user', content: 'Say hello.' }];
const chatBody = JSON.stringify({ model: 'fixture-tiny', messages: hello, max_tokens: 4 });

interface Answer {
  status: number;
  json: { error?: { code?: string; message?: string } } & Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

/** One request with exactly these headers (node:http adds Host only when not given). */
function send(server: ServerProcess, method: string, route: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.ready.url}${route}`, { method, headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: text === '' ? {} : JSON.parse(text), headers: response.headers }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const port = (server: ServerProcess) => new URL(server.ready.url).port;

let folder: string;
let open: ServerProcess;
let guarded: ServerProcess;
let copy: string;
let otherCopy: string;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-access-'));
  open = await startServer(['--model', 'fixture-tiny', '--parent-pid', String(process.pid)], STAND_IN_MODEL_CACHE);
  copy = path.join(folder, 'my-copy.gguf');
  otherCopy = path.join(folder, 'other-copy.gguf');
  for (const file of [copy, otherCopy]) copyFileSync(open.ready.models[0]?.path ?? '', file);
  guarded = await startServer(
    [
      ...['--model', 'fixture-tiny', '--model-file', copy, '--allow-model-paths', '--max-models', '2', '--allow-host', 'models.internal'],
      ...['--max-queue', '1', '--parent-pid', String(process.pid)],
    ],
    STAND_IN_MODEL_CACHE,
    { EDGE_EVALS_SERVE_API_KEY: API_KEY },
  );
}, 2 * READY_TIMEOUT_MS);

afterAll(async () => {
  await stopServer(open);
  await stopServer(guarded);
  rmSync(folder, { recursive: true, force: true });
});

describe('edge-evals serve with its defaults', () => {
  it.each(['attacker.example', 'attacker.example:80', '127.0.0.1:1'])('refuses Host %s on every route (DNS rebinding)', async (host) => {
    for (const [method, route, body] of [['GET', '/health'], ['GET', '/v1/models'], ['POST', '/v1/chat/completions', chatBody], ['POST', '/models/load/fixture-small']] as const) {
      const answer = await send(open, method, route, { ...json, host }, body);
      expect(answer.status, `${method} ${route}`).toBe(403);
      expect(answer.json.error?.code).toBe('host_not_allowed');
    }
  });

  it('answers the Host names of its bind address', async () => {
    for (const host of [`127.0.0.1:${port(open)}`, `localhost:${port(open)}`, `LOCALHOST:${port(open)}`]) {
      expect((await send(open, 'GET', '/health', { host })).status).toBe(200);
    }
  });

  it('refuses requests from another web site: a foreign Origin, Origin null, Sec-Fetch-Site cross-site or same-site', async () => {
    const foreign: Record<string, string>[] = [
      { origin: 'http://attacker.example' },
      { origin: `http://localhost:${Number(port(open)) + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const answer = await send(open, 'POST', '/v1/chat/completions', { ...json, ...headers }, chatBody);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(answer.json.error?.code).toBe('cross_origin_request');
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    const own = await send(open, 'POST', '/v1/chat/completions', { ...json, origin: open.ready.url, 'sec-fetch-site': 'same-origin' }, chatBody);
    expect(own.status).toBe(200);
  });

  it('refuses a POST whose body is not declared JSON (what a page can send without a preflight): 415', async () => {
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send(open, 'POST', '/v1/chat/completions', { 'content-type': contentType }, chatBody);
      expect(answer.status, contentType).toBe(415);
      expect(answer.json.error?.code).toBe('unsupported_media_type');
    }
    expect((await send(open, 'POST', '/v1/chat/completions', {}, chatBody)).status).toBe(415);
    expect((await send(open, 'POST', '/models/load/fixture-small', { 'content-type': 'text/plain' })).status).toBe(415);
    // A CORS preflight is never approved.
    const preflight = await send(open, 'OPTIONS', '/v1/chat/completions', { origin: open.ready.url, 'access-control-request-method': 'POST' });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('edge-evals serve --api-key (from EDGE_EVALS_SERVE_API_KEY) --model-file --allow-model-paths --max-models 2 --allow-host --max-queue 1', () => {
  const auth = { ...json, authorization: `Bearer ${API_KEY}` };

  it('wants the key on every route but /health and /v1/models, and the key is not on its command line', async () => {
    for (const headers of [json, { ...json, authorization: 'Bearer wrong-key' }, { ...json, authorization: API_KEY }]) {
      const answer = await send(guarded, 'POST', '/v1/chat/completions', headers, chatBody);
      expect(answer.status).toBe(401);
      expect(answer.json.error?.code).toBe('invalid_api_key');
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect((await send(guarded, 'GET', '/models/loaded', headers)).status).toBe(401);
      expect((await send(guarded, 'POST', '/models/unload/fixture-tiny', headers)).status).toBe(401);
    }
    expect((await send(guarded, 'GET', '/health')).status).toBe(200);
    expect((await send(guarded, 'GET', '/v1/models')).status).toBe(200);
    expect((await send(guarded, 'POST', '/v1/chat/completions', auth, chatBody)).status).toBe(200);
    expect(readFileSync(`/proc/${guarded.ready.pid}/cmdline`, 'utf8')).not.toContain(API_KEY);
  });

  it('answers a Host allowed with --allow-host', async () => {
    expect((await send(guarded, 'GET', '/health', { host: `models.internal:${port(guarded)}` })).status).toBe(200);
    expect((await send(guarded, 'GET', '/health', { host: `other.internal:${port(guarded)}` })).status).toBe(403);
  });

  it('loads a --model-file by name and by path; with --allow-model-paths, other absolute paths; never more than --max-models', async () => {
    const load = (target: string) => send(guarded, 'POST', `/models/load/${encodeURIComponent(target)}`, auth);
    const unload = (target: string) => send(guarded, 'POST', `/models/unload/${encodeURIComponent(target)}`, auth);
    expect(await load('my-copy')).toMatchObject({ status: 200, json: { alias: 'my-copy', path: copy } });
    expect(await load(copy)).toMatchObject({ status: 200, json: { alias: 'my-copy', alreadyLoaded: true } });

    // fixture-tiny and my-copy are loaded: the cap.
    const overCap = await load(otherCopy);
    expect(overCap).toMatchObject({ status: 409, json: { error: { code: 'too_many_models' } } });
    expect(overCap.json.error?.message).toMatch(/--max-models 2/);
    const chat = await send(guarded, 'POST', '/v1/chat/completions', auth, JSON.stringify({ model: 'fixture-small', messages: hello }));
    expect(chat).toMatchObject({ status: 409, json: { error: { code: 'too_many_models' } } });
    expect((await send(guarded, 'GET', '/health')).json).toEqual({ status: 'ok' }); // nothing started loading

    expect(await unload('my-copy')).toMatchObject({ status: 200, json: { unloaded: true } });
    expect(await load(otherCopy)).toMatchObject({ status: 200, json: { alias: 'other-copy', path: otherCopy } });
    expect(await load('other-copy.gguf')).toMatchObject({ status: 403, json: { error: { code: 'model_path_not_allowed' } } });
    expect(await unload(otherCopy)).toMatchObject({ status: 200, json: { unloaded: true } });
  });

  it('answers 429 with Retry-After when a request finds the line full, and serves the others', async () => {
    // A holds the only sequence: its stream opens once it has one, then a long prefill follows.
    const longPrompt = JSON.stringify({ model: 'fixture-tiny', messages: [{ role: 'user', content: 'hello world '.repeat(600) }], stream: true, max_tokens: 8 });
    const holder = await fetch(`${guarded.ready.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: longPrompt });
    expect(holder.status).toBe(200);
    const waiting = send(guarded, 'POST', '/v1/chat/completions', auth, chatBody);
    const queued = async () => ((await send(guarded, 'GET', '/models/loaded', auth)).json as { models: { alias: string; queued: number }[] }).models.find((model) => model.alias === 'fixture-tiny')?.queued;
    while ((await queued()) !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const refused = await send(guarded, 'POST', '/v1/chat/completions', auth, chatBody);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json.error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });
    expect(refused.json.error?.message).toMatch(/--max-queue 1/);
    expect(await holder.text()).toMatch(/data: \[DONE\]/);
    expect((await waiting).status).toBe(200);
  }, 60_000);
});

describe('a request body of gigabytes', () => {
  it('is refused with 413 from its declared length, before it is read', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const request = http.request(`${open.ready.url}/v1/chat/completions`, { method: 'POST', headers: { ...json, 'content-length': String(4 * 1024 ** 3) }, agent: false }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(text), headers: response.headers });
        });
      });
      request.on('error', reject);
      request.write('{"model": "fixture-tiny", "messages": [');
    });
    expect(answer.status).toBe(413);
    expect(answer.json.error?.code).toBe('body_too_large');
  });
});

describe('a prompt longer than the context', () => {
  const chat = (content: string, stream = false) => send(open, 'POST', '/v1/chat/completions', json, JSON.stringify({ model: 'fixture-tiny', messages: [{ role: 'user', content }], stream, temperature: 0 }));
  const tokensOf = (answer: Answer) => Number(/resulted in (\d+) tokens/.exec(answer.json.error?.message ?? '')?.[1]);

  it("is refused with OpenAI's 400 context_length_exceeded, streamed or not, instead of being cut to fit", async () => {
    const prompt = 'The quick brown fox jumps over the lazy dog near the river bank today. '.repeat(400); // about 6,400 tokens
    for (const stream of [false, true]) {
      const answer = await chat(prompt, stream);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.json.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
      expect(answer.json.error?.message).toMatch(/maximum context length is 2048 tokens\. However, your messages resulted in \d+ tokens/);
      expect(tokensOf(answer)).toBeGreaterThan(6000);
    }
  });

  it('a prompt that fits is evaluated whole: the usage counts every token of it', async () => {
    // Two prompts that are too long give the tokens per repetition; the third just fits.
    const [few, many] = [700, 800];
    const [atFew, atMany] = [tokensOf(await chat('hello world '.repeat(few))), tokensOf(await chat('hello world '.repeat(many)))];
    const perRepetition = (atMany - atFew) / (many - few);
    const repetitions = few - Math.ceil((atFew - 2000) / perRepetition);
    const expected = atFew - (few - repetitions) * perRepetition;
    const answer = await chat('hello world '.repeat(repetitions));
    expect(answer.status).toBe(200);
    const usage = answer.json.usage as { prompt_tokens: number; completion_tokens: number };
    expect(usage.prompt_tokens).toBe(expected);
    expect(usage.prompt_tokens + usage.completion_tokens).toBeLessThanOrEqual(2048);
  });
});
