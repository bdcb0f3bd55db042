// The `llama-server` stand-in (test/stand-ins/bin/llama-server): one model per process, as
// llama.cpp's server. It listens at once and answers `/health` with 503 "Loading model" until
// the model is loaded, then `{"status":"ok"}`; its chat stream opens with a role-only chunk
// (sent during prefill, before any token), ends with a finish chunk and, when asked, a usage
// chunk, and carries llama.cpp's `timings` on the last chunk. Tokens come from the embedded
// runtime, which loads the same .gguf file. Like llama.cpp, it keeps the last prompt and
// reports it reused (`cache_n`, `prompt_tokens_details.cached_tokens`) when the next request
// sends the same messages, unless that request says `cache_prompt: false`; it recognises only
// an identical prompt, not a shared prefix, and the backend still computes it (the times are real).
import { existsSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { EmbeddedBackend, readEvents } from '../shared/backend.ts';
import { readJson, sendJson, sleep, startEventStream, writeEvent } from '../shared/http.ts';

const BUILD = process.env.LLAMA_STANDIN_BUILD ?? '6123';
const COMMIT = 'a1b2c3d4';
const FINGERPRINT = `b${BUILD}-${COMMIT}`;
const LOAD_DELAY_MS = Number(process.env.LLAMA_STANDIN_LOAD_DELAY_MS ?? '0');

const log = (line: string) => process.stderr.write(`${line}\n`);

function option(args: readonly string[], ...names: string[]): string | undefined {
  const index = args.findIndex((arg) => names.includes(arg));
  return index === -1 ? undefined : args[index + 1];
}

interface BackendTimings {
  prompt_n?: number;
  prompt_ms?: number;
  predicted_n?: number;
  predicted_ms?: number;
}

/** llama.cpp's result_timings::to_json(), with `cacheN` of the prompt's tokens taken from the cache. */
function timingsJson(timings: BackendTimings, cacheN: number): Record<string, number> {
  const promptN = (timings.prompt_n ?? 0) - cacheN;
  const promptMs = timings.prompt_ms ?? 0;
  const predictedN = timings.predicted_n ?? 0;
  const predictedMs = timings.predicted_ms ?? 0;
  return {
    cache_n: cacheN,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_token_ms: promptN === 0 ? 0 : promptMs / promptN,
    prompt_per_second: promptMs === 0 ? 0 : (1000 * promptN) / promptMs,
    predicted_n: predictedN,
    predicted_ms: predictedMs,
    predicted_per_token_ms: predictedN === 0 ? 0 : predictedMs / predictedN,
    predicted_per_second: predictedMs === 0 ? 0 : (1000 * predictedN) / predictedMs,
  };
}

class LlamaServerStandIn {
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** The messages of the last request, whose prompt llama.cpp keeps in its slot. */
  private cachedPrompt: string | null = null;

  constructor(
    private readonly backend: EmbeddedBackend,
    /** The name the embedded server knows the model by (the file's stem). */
    private readonly backendModel: string,
    /** What `/v1/models` and the `model` field report: `--alias`, else the path. */
    private readonly modelName: string,
  ) {}

  markLoaded(): void {
    this.loaded = true;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const route = `${request.method} ${new URL(request.url ?? '/', 'http://stand-in').pathname}`;
    if (!this.loaded && route !== 'GET /health') {
      return sendJson(response, 503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    }
    switch (route) {
      case 'GET /health':
        if (!this.loaded) return sendJson(response, 503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
        return sendJson(response, 200, { status: 'ok' });
      case 'GET /v1/models':
      case 'GET /models':
        return sendJson(response, 200, {
          models: [{ name: this.modelName, model: this.modelName, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''], capabilities: ['completion'], parameters: '', details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' } }],
          object: 'list',
          data: [{ id: this.modelName, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'llamacpp', meta: { vocab_type: 2 } }],
        });
      case 'POST /v1/chat/completions':
      case 'POST /chat/completions': {
        const work = () => this.chat(request, response);
        const next = this.queue.then(work, work);
        this.queue = next.catch(() => undefined);
        return next;
      }
      default:
        return sendJson(response, 404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
    }
  }

  private async chat(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const prompt = JSON.stringify(body.messages ?? null);
    const reused = body.cache_prompt !== false && prompt === this.cachedPrompt;
    this.cachedPrompt = prompt;
    const stream = body.stream === true;
    const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const base = { created: Math.floor(Date.now() / 1000), id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 32)}`, model: this.modelName, system_fingerprint: FINGERPRINT, object: 'chat.completion.chunk' };
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    if (stream) {
      startEventStream(response);
      // llama.cpp sends the role at once, while the prompt is still being processed.
      writeEvent(response, { choices: [{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }], ...base });
    }
    const upstream = await this.backend.chat({ ...body, stream: true, stream_options: { include_usage: true } }, this.backendModel, abort.signal);
    if (!upstream.ok) {
      const text = await upstream.text();
      if (stream) {
        writeEvent(response, { error: { code: upstream.status, message: text, type: 'server_error' } });
        return void response.end();
      }
      return sendJson(response, upstream.status, { error: { code: upstream.status, message: text, type: 'server_error' } });
    }
    let content = '';
    let finish = 'length';
    let usage: Record<string, unknown> | null = null;
    let timings: BackendTimings = {};
    for await (const event of readEvents(upstream)) {
      if (event.kind === 'done') break;
      const chunk = event.chunk as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[]; usage?: unknown; timings?: BackendTimings };
      if (typeof chunk.usage === 'object' && chunk.usage !== null) usage = chunk.usage as Record<string, unknown>;
      if (chunk.timings !== undefined) timings = chunk.timings;
      const choice = chunk.choices?.[0];
      if (typeof choice?.finish_reason === 'string') finish = choice.finish_reason;
      const piece = choice?.delta?.content ?? '';
      if (piece === '') continue;
      content += piece;
      if (stream) writeEvent(response, { choices: [{ finish_reason: null, index: 0, delta: { content: piece } }], ...base });
    }
    // llama.cpp evaluates the last prompt token again even when the whole prompt is cached.
    const cacheN = reused ? Math.max(0, (timings.prompt_n ?? 0) - 1) : 0;
    if (usage !== null) usage = { ...usage, prompt_tokens_details: { cached_tokens: cacheN } };
    if (!stream) {
      return sendJson(response, 200, {
        choices: [{ finish_reason: finish, index: 0, message: { role: 'assistant', content } }],
        ...base,
        object: 'chat.completion',
        usage,
        timings: timingsJson(timings, cacheN),
      });
    }
    const finishChunk: Record<string, unknown> = { choices: [{ finish_reason: finish, index: 0, delta: {} }], ...base };
    const usageChunk: Record<string, unknown> | null = wantsUsage ? { choices: [], ...base, usage } : null;
    // The timings go on whichever chunk is last.
    (usageChunk ?? finishChunk).timings = timingsJson(timings, cacheN);
    writeEvent(response, finishChunk);
    if (usageChunk !== null) writeEvent(response, usageChunk);
    writeEvent(response, '[DONE]');
    response.end();
  }
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--version')) {
    log(`version: ${BUILD} (${COMMIT})\nbuilt with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu`);
    return 0;
  }
  const modelPath = option(args, '-m', '--model');
  const host = option(args, '--host') ?? '127.0.0.1';
  const port = Number(option(args, '--port') ?? '8080');
  if (modelPath === undefined) {
    log('error: no model given (-m <file.gguf>)');
    return 1;
  }
  log(`build: ${BUILD} (${COMMIT}) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu`);
  log(`system info: n_threads = ${option(args, '-t', '--threads') ?? os.availableParallelism()}, n_threads_batch = -1, total_threads = ${os.availableParallelism()}`);
  if (!existsSync(modelPath)) {
    log(`gguf_init_from_file: failed to open GGUF file '${modelPath}'`);
    log('main: exiting due to model loading error');
    return 1;
  }
  const stem = path.basename(modelPath).replace(/\.gguf$/i, '');
  const backendLog = path.join(os.tmpdir(), `llama-server-stand-in-${process.pid}.log`);
  const backend = new EmbeddedBackend(backendLog, path.resolve(modelPath));
  const standIn = new LlamaServerStandIn(backend, stem, option(args, '-a', '--alias') ?? modelPath);
  const server = createServer((request, response) => {
    standIn.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { code: 500, message: (error as Error).message, type: 'server_error' } });
      else response.end();
    });
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!listening) {
    log(`main: couldn't bind HTTP server socket, hostname: ${host}, port: ${port}`);
    return 1;
  }
  log(`main: HTTP server is listening, hostname: ${host}, port: ${port}, http threads: 3`);
  log('main: loading model');
  log(`srv    load_model: loading model '${modelPath}'`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    rmSync(backendLog, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await sleep(LOAD_DELAY_MS);
  await backend.ready();
  standIn.markLoaded();
  log('main: model loaded');
  log(`main: server is listening on http://${host}:${port} - starting the main loop`);
  log('srv  update_slots: all slots are idle');
  return new Promise<number>(() => undefined);
}

process.exitCode = await main(process.argv.slice(2));
