// The embedded runtime's OpenAI-compatible HTTP server (node:http, no framework). Routes:
//   GET  /health                 200 {"status":"ok"} | 503 {"status":"loading"}
//   GET  /v1/models              the loaded models, OpenAI list format
//   GET  /models/loaded          {"models":[{alias, modelId, path, loadMs, threads, ...}]}
//   POST /models/load/{alias}    load (generating synthetic models on demand); {alias} may
//                                also be an absolute path to a .gguf file, URL-encoded
//   POST /models/unload/{alias}  {"unloaded": true | false}; alias, model ID or that path
//   POST /v1/chat/completions    OpenAI chat completions, streamed (SSE) or not, with
//                                llama.cpp-style `timings`
// Errors are OpenAI error objects. The server binds 127.0.0.1 unless told otherwise.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { ChatMessage } from '../contract/chat.ts';
import {
  GenerationAbortedError,
  ModelNotLoadedError,
  type EmbeddedEngine,
  type GenerationRequest,
  type GenerationResult,
  type GenerationTimings,
  type LoadedModelInfo,
} from './engine.ts';
import {
  locateModel,
  ModelNotDownloadedError,
  resolveModelFile,
  UnknownModelError,
  type ResolvedModelFile,
} from './model-files.ts';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Seconds a client should wait before retrying while a model loads. */
const RETRY_AFTER_SECONDS = 1;

// ---------------------------------------------------------------------------------------
// Request validation

const expectation = {
  model: 'expected a non-empty string (a model alias or ID)',
  messages: 'expected a non-empty array of {role, content} messages',
  role: 'expected one of system, user, assistant',
  content: "expected a string or an array of text parts ({type: 'text', text: string})",
  maxTokens: 'expected an integer >= 1',
  temperature: 'expected a number from 0 to 2',
  topP: 'expected a number greater than 0 and at most 1',
  seed: 'expected an integer',
  stop: 'expected a non-empty string or an array of up to 16 non-empty strings',
  stream: 'expected true or false',
  streamOptions: 'expected an object {include_usage: boolean}',
  n: 'only n = 1 is supported',
} as const;

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

const Message = z.object(
  {
    // `developer` is OpenAI's newer name for `system`.
    role: z.enum(['system', 'user', 'assistant', 'developer'], { error: expectation.role }),
    content: z.union([z.string(), z.array(TextPart)], { error: expectation.content }),
  },
  { error: 'expected an object {role, content}' },
);

const maxTokens = z.number({ error: expectation.maxTokens }).int({ error: expectation.maxTokens }).min(1, { error: expectation.maxTokens });
const stopString = z.string({ error: expectation.stop }).min(1, { error: expectation.stop });

export const ChatCompletionRequest = z.object(
  {
    model: z.string({ error: expectation.model }).trim().min(1, { error: expectation.model }),
    messages: z.array(Message, { error: expectation.messages }).min(1, { error: expectation.messages }),
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    temperature: z.number({ error: expectation.temperature }).min(0, { error: expectation.temperature }).max(2, { error: expectation.temperature }).nullish(),
    top_p: z.number({ error: expectation.topP }).gt(0, { error: expectation.topP }).max(1, { error: expectation.topP }).nullish(),
    seed: z.number({ error: expectation.seed }).int({ error: expectation.seed }).nullish(),
    stop: z.union([stopString, z.array(stopString).max(16, { error: expectation.stop })], { error: expectation.stop }).nullish(),
    stream: z.boolean({ error: expectation.stream }).nullish(),
    stream_options: z.object({ include_usage: z.boolean({ error: expectation.stream }).nullish() }, { error: expectation.streamOptions }).nullish(),
    n: z.literal(1, { error: expectation.n }).nullish(),
  },
  { error: 'expected a JSON object' },
);
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** The first validation problem as "field: expected X, got Y", plus the field for `param`. */
export function describeValidationError(error: z.ZodError, body: unknown): { message: string; param: string | null } {
  const issue = error.issues[0];
  if (issue === undefined) return { message: 'invalid request', param: null };
  const param = formatPath(issue.path);
  const value = valueAt(body, issue.path);
  const got = value === undefined ? 'but it is missing' : `got ${preview(value)}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return { message: `${param ?? 'request body'}: ${issue.message}, ${got}${more}`, param };
}

function formatPath(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`)).join('');
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let current = body;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function messageText(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

// ---------------------------------------------------------------------------------------
// Responses

type ErrorType = 'invalid_request_error' | 'not_found_error' | 'unavailable_error' | 'server_error';

class HttpError extends Error {
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

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function errorBody(error: HttpError) {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** llama.cpp's `timings` object; a rate is null when its duration is 0. */
export function timingsJson(timings: GenerationTimings) {
  const rate = (tokens: number, ms: number) => (ms > 0 ? round((tokens * 1000) / ms) : null);
  return {
    prompt_n: timings.promptTokens,
    prompt_ms: round(timings.promptMs),
    prompt_per_second: rate(timings.promptTokens, timings.promptMs),
    predicted_n: timings.predictedTokens,
    predicted_ms: round(timings.predictedMs),
    predicted_per_second: rate(timings.predictedTokens, timings.predictedMs),
  };
}

function usageJson(result: GenerationResult) {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
  };
}

// ---------------------------------------------------------------------------------------
// The server

export interface EmbeddedServerOptions {
  engine: EmbeddedEngine;
  cacheDir: string;
  /** Human-readable log lines (stderr in `edge-evals serve`). */
  log: (line: string) => void;
}

export interface LoadOutcome {
  info: LoadedModelInfo;
  alreadyLoaded: boolean;
}

export class EmbeddedServer {
  readonly http: http.Server;
  private readonly engine: EmbeddedEngine;
  private readonly cacheDir: string;
  private readonly log: (line: string) => void;
  /** Failures of loads started by a chat request, reported to the next request for that model. */
  private readonly backgroundLoadFailures = new Map<string, string>();
  private closing = false;

  constructor(options: EmbeddedServerOptions) {
    this.engine = options.engine;
    this.cacheDir = options.cacheDir;
    this.log = options.log;
    this.http = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.log(`internal error on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
        if (!response.headersSent) sendJson(response, 500, errorBody(new HttpError(500, 'internal server error', 'server_error', 'internal_error')));
        else response.end();
      });
    });
    // Each SSE event leaves as soon as its token exists: no Nagle delay.
    this.http.on('connection', (socket) => socket.setNoDelay(true));
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${shownHost}:${address.port}`;
  }

  /**
   * Load a model by alias, model ID, cached file name or (with `allowPaths`, for the command
   * line only) a path to a .gguf file. Throws UnknownModelError / ModelNotDownloadedError at
   * once, before anything is loaded. `file`: the file, already being resolved by the caller.
   */
  async loadModel(spec: string, options: { allowPaths: boolean; file?: Promise<ResolvedModelFile> }): Promise<LoadOutcome> {
    const location = locateModel(spec, { cacheDir: this.cacheDir, allowPaths: options.allowPaths });
    const loaded = this.engine.find(location.alias);
    if (loaded !== undefined) return { info: loaded, alreadyLoaded: true };
    const outcome = await this.engine.load(location.alias, async () => {
      const file = await (options.file ?? this.resolveFile(spec, options.allowPaths));
      if (file.generatedNow) this.log(`generated ${file.alias} at ${file.path}`);
      return { modelId: file.modelId, path: file.path, sizeBytes: file.sizeBytes, chatWrapper: file.chatWrapper };
    });
    const { info } = outcome;
    if (!outcome.alreadyLoaded) {
      this.log(`loaded ${info.alias} (${info.modelId}) in ${Math.round(info.loadMs)} ms, ${info.threads} thread(s): ${info.threadsReason}`);
    }
    return outcome;
  }

  /** Find (and generate, for a synthetic model) the file behind `spec`, logging progress. */
  private resolveFile(spec: string, allowPaths: boolean): Promise<ResolvedModelFile> {
    return resolveModelFile(spec, { cacheDir: this.cacheDir, allowPaths, onProgress: (message) => this.log(message) });
  }

  /** Stop accepting requests, abort generations, unload models. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await this.engine.dispose();
    // Streams that were aborted have ended; whatever is still open gets cut.
    this.http.closeAllConnections();
    await stopped;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      if (this.closing) throw new HttpError(503, 'the server is shutting down', 'unavailable_error', 'shutting_down');
      await this.route(request.method ?? 'GET', url.pathname)(request, response);
    } catch (error) {
      const httpError = this.toHttpError(error);
      if (httpError.status >= 500) this.log(`${request.method} ${url.pathname}: ${httpError.status} ${httpError.message}`);
      if (!response.headersSent) sendJson(response, httpError.status, errorBody(httpError), httpError.headers);
      else if (!response.writableEnded) {
        response.end(`data: ${JSON.stringify(errorBody(httpError))}\n\n`);
      }
    }
  }

  private route(method: string, pathname: string): (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void> {
    const allow = (allowed: string, handler: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>) =>
      method === allowed
        ? handler
        : async () => {
            throw new HttpError(405, `${method} is not allowed on ${pathname}; use ${allowed}`, 'invalid_request_error', 'method_not_allowed', null, {
              Allow: allowed,
            });
          };
    if (pathname === '/health') return allow('GET', async (_request, response) => this.health(response));
    if (pathname === '/v1/models') return allow('GET', async (_request, response) => this.listModels(response));
    if (pathname === '/models/loaded') return allow('GET', async (_request, response) => this.loadedModels(response));
    if (pathname === '/v1/chat/completions') return allow('POST', (request, response) => this.chatCompletions(request, response));
    const modelAction = /^\/models\/(load|unload)\/([^/]+)$/.exec(pathname);
    if (modelAction !== null) {
      const [, action, encoded = ''] = modelAction;
      const alias = decodeName(encoded);
      return allow('POST', async (_request, response) => (action === 'load' ? this.loadRoute(alias, response) : this.unloadRoute(alias, response)));
    }
    return async () => {
      throw new HttpError(404, `no route ${method} ${pathname}`, 'not_found_error', 'not_found');
    };
  }

  private health(response: http.ServerResponse): void {
    if (this.engine.loading().length > 0) sendJson(response, 503, { status: 'loading' }, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    else sendJson(response, 200, { status: 'ok' });
  }

  private listModels(response: http.ServerResponse): void {
    const data = this.engine.loaded().map((model) => ({
      id: model.modelId,
      object: 'model',
      created: Math.floor(model.loadedAt / 1000),
      owned_by: 'edge-evals',
    }));
    sendJson(response, 200, { object: 'list', data });
  }

  private loadedModels(response: http.ServerResponse): void {
    sendJson(response, 200, { models: this.engine.loaded().map(publicModelInfo) });
  }

  private async loadRoute(alias: string, response: http.ServerResponse): Promise<void> {
    // An absolute path to a .gguf file is accepted here (the runtime adapter loads EVAL_MODELS
    // entries that are paths this way); relative ones would depend on the server's folder.
    const { info, alreadyLoaded } = await this.loadModel(alias, { allowPaths: path.isAbsolute(alias) });
    sendJson(response, 200, {
      alias: info.alias,
      modelId: info.modelId,
      loadMs: round(info.loadMs),
      path: info.path,
      ...(alreadyLoaded ? { alreadyLoaded: true } : {}),
    });
  }

  private async unloadRoute(alias: string, response: http.ServerResponse): Promise<void> {
    if (await this.engine.unload(alias)) {
      this.log(`unloaded ${alias}`);
      sendJson(response, 200, { unloaded: true });
      return;
    }
    try {
      locateModel(alias, { cacheDir: this.cacheDir, allowPaths: path.isAbsolute(alias) });
    } catch (error) {
      // A catalog model that is not downloaded is known, just not loaded.
      if (!(error instanceof ModelNotDownloadedError)) throw error;
    }
    sendJson(response, 200, { unloaded: false });
  }

  private async chatCompletions(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readJsonBody(request);
    const parsed = ChatCompletionRequest.safeParse(body);
    if (!parsed.success) {
      const { message, param } = describeValidationError(parsed.error, body);
      throw new HttpError(400, message, 'invalid_request_error', 'invalid_request', param);
    }
    const chat = parsed.data;
    const model = this.modelForChat(chat.model);

    // The client going away aborts queueing or generation. `close` on the response fires on
    // disconnect, and also after a normal end (then writableFinished is true).
    const disconnected = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) disconnected.abort();
    });
    const messages: ChatMessage[] = chat.messages.map((message) => ({
      role: message.role === 'developer' ? 'system' : message.role,
      content: messageText(message.content),
    }));
    const stop = chat.stop === undefined || chat.stop === null ? [] : typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const generation = {
      messages,
      maxTokens: chat.max_completion_tokens ?? chat.max_tokens ?? undefined,
      // OpenAI's defaults when the client does not say.
      temperature: chat.temperature ?? 1,
      topP: chat.top_p ?? 1,
      // node-llama-cpp takes a 32-bit seed; OpenAI's is any integer.
      seed: chat.seed === undefined || chat.seed === null ? undefined : Number(BigInt.asUintN(32, BigInt(chat.seed))),
      stop,
      signal: disconnected.signal,
    };

    if (chat.stream !== true) {
      const result = await this.generate(model, generation);
      sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model: model.modelId,
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
      });
      return;
    }

    const base = { id, object: 'chat.completion.chunk', created, model: model.modelId };
    const send = (payload: unknown) => {
      if (!response.writableEnded && !response.destroyed) response.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const delta = (content: Record<string, string>, finishReason: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta: content, logprobs: null, finish_reason: finishReason }],
    });
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Sent before prefill, like OpenAI and llama.cpp; by METRICS.md it is not a first token.
    send(delta({ role: 'assistant', content: '' }));
    const result = await this.generate(model, {
      ...generation,
      onText: (text) => send(delta({ content: text })),
      onReasoning: (text) => send(delta({ reasoning_content: text })),
    });
    send({ ...delta({}, result.finishReason), timings: timingsJson(result.timings) });
    if (chat.stream_options?.include_usage === true) send({ ...base, choices: [], usage: usageJson(result) });
    response.end('data: [DONE]\n\n');
  }

  /** The loaded model a chat request names; loads it in the background if it can be (503 meanwhile). */
  private modelForChat(name: string): LoadedModelInfo {
    const loaded = this.engine.find(name);
    if (loaded !== undefined) return loaded;
    let alias: string;
    try {
      alias = locateModel(name, { cacheDir: this.cacheDir, allowPaths: false }).alias;
    } catch (error) {
      throw this.unknownModel(name, error);
    }
    const failure = this.backgroundLoadFailures.get(alias);
    if (failure !== undefined) {
      this.backgroundLoadFailures.delete(alias);
      throw new HttpError(500, `loading model ${alias} failed: ${failure}`, 'server_error', 'model_load_failed', 'model');
    }
    if (!this.engine.isLoading(alias)) {
      this.log(`loading ${alias} on demand`);
      this.loadModel(alias, { allowPaths: false }).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.backgroundLoadFailures.set(alias, message);
        this.log(`loading ${alias} failed: ${message}`);
      });
    }
    throw new HttpError(503, `model ${alias} is loading; retry in a moment`, 'unavailable_error', 'model_loading', 'model', {
      'Retry-After': String(RETRY_AFTER_SECONDS),
    });
  }

  private async generate(model: LoadedModelInfo, request: GenerationRequest): Promise<GenerationResult> {
    const result = await this.engine.generate(model.alias, request);
    this.log(
      `chat ${model.alias}: ${result.promptTokens} prompt + ${result.completionTokens} completion tokens, ` +
        `prefill ${Math.round(result.timings.promptMs)} ms, decode ${Math.round(result.timings.predictedMs)} ms, ${result.finishReason}`,
    );
    return result;
  }

  private unknownModel(name: string, cause: unknown): HttpError {
    if (cause instanceof ModelNotDownloadedError) {
      return new HttpError(404, cause.message, 'invalid_request_error', 'model_not_found', 'model');
    }
    if (!(cause instanceof UnknownModelError)) return this.toHttpError(cause);
    const loaded = this.engine.loaded().map((model) => model.alias);
    const suggestion = cause.suggestions.length > 0 ? ` Did you mean ${cause.suggestions.join(', ')}?` : '';
    return new HttpError(
      404,
      `model '${name}' not found. Loaded: ${loaded.length > 0 ? loaded.join(', ') : 'none'}. ` +
        `Available: ${cause.available.join(', ')}.${suggestion}`,
      'invalid_request_error',
      'model_not_found',
      'model',
    );
  }

  private toHttpError(error: unknown): HttpError {
    if (error instanceof HttpError) return error;
    if (error instanceof UnknownModelError) return this.unknownModel(error.requested, error);
    if (error instanceof ModelNotDownloadedError) return this.unknownModel(error.entry.alias, error);
    if (error instanceof GenerationAbortedError) return new HttpError(503, error.message, 'unavailable_error', 'aborted');
    // Unloaded between the lookup and the generation.
    if (error instanceof ModelNotLoadedError) return new HttpError(404, error.message, 'invalid_request_error', 'model_not_found', 'model');
    const message = error instanceof Error ? error.message : String(error);
    return new HttpError(500, message, 'server_error', 'engine_error');
  }
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

function decodeName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, `model name in the URL is not valid percent-encoding: ${encoded}`, 'invalid_request_error', 'invalid_request');
  }
}

async function readJsonBody(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'invalid_request_error', 'body_too_large');
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body: expected a JSON object, but it is empty', 'invalid_request_error', 'invalid_json');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`, 'invalid_request_error', 'invalid_json');
  }
}
