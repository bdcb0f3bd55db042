// The embedded runtime's OpenAI-compatible HTTP server (node:http, no framework). Routes:
//   GET  /health                 200 {"status":"ok"} | 503 {"status":"loading"}
//   GET  /v1/models              the loaded models, OpenAI list format
//   GET  /models/loaded          {"models":[{alias, modelId, path, loadMs, threads, ...}]}
//   POST /models/load/{alias}    load (generating synthetic models on demand); a .gguf file
//                                given on the command line loads by its name or path, any
//                                other path only with --allow-model-paths
//   POST /models/unload/{alias}  {"unloaded": true | false}; alias, model ID or that path
//   POST /v1/chat/completions    OpenAI chat completions, streamed (SSE) or not, with
//                                llama.cpp-style `timings`
// Errors are OpenAI error objects. The server binds 127.0.0.1 unless told otherwise; who may
// call it is decided in access.ts.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ContextLengthExceededError, GenerationAbortedError, type GenerationRequest, type GenerationResult } from '../engine/generation.ts';
import { ModelNotLoadedError, ResponseFormatError, type EmbeddedEngine, type LoadedModelInfo } from '../engine/index.ts';
import { QueueFullError } from '../engine/sequence-pool.ts';
import {
  locateModel,
  ModelNotDownloadedError,
  resolveModelFile,
  UnknownModelError,
  type ModelLocation,
  type ResolvedModelFile,
} from '../model-files.ts';
import { acceptedHosts, checkAccess, type AccessPolicy } from './access.ts';
import { decodeName, generationRequest, readChatRequest } from './request.ts';
import { completionJson, errorBody, HttpError, publicModelInfo, round, sendJson } from './responses.ts';
import { CompletionStream } from './sse.ts';

/** Seconds a client should wait before retrying while a model loads. */
const RETRY_AFTER_SECONDS = 1;

/** Idle keep-alive connections are closed after this long (node's default is 5 s; see below). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface EmbeddedServerOptions {
  engine: EmbeddedEngine;
  cacheDir: string;
  /** Human-readable log lines (stderr in `edge-evals serve`). */
  log: (line: string) => void;
  /** Required as a bearer token on every route but /health and /v1/models. */
  apiKey?: string;
  /** Host names the server answers to besides its bind address (--allow-host). */
  allowedHosts?: readonly string[];
  /**
   * .gguf files given on the command line: loadable over HTTP by name or path. Other paths
   * are refused over HTTP unless `allowModelPaths`.
   */
  modelFiles?: readonly string[];
  allowModelPaths?: boolean;
  /** How many models may be loaded (or loading) at once. */
  maxModels: number;
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
  private readonly options: EmbeddedServerOptions;
  /** The command line's .gguf files by lower-case alias (the file name without .gguf)... */
  private readonly modelFileAliases = new Map<string, string>();
  /** ...and by path. */
  private readonly modelFilePaths = new Set<string>();
  /** Set once the server listens: its Host names depend on the address it got. */
  private access: AccessPolicy | null = null;
  private closing = false;

  constructor(options: EmbeddedServerOptions) {
    this.options = options;
    this.engine = options.engine;
    this.cacheDir = options.cacheDir;
    this.log = options.log;
    for (const file of options.modelFiles ?? []) this.allowModelFile(file);
    this.http = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.log(`internal error on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
        if (!response.headersSent) sendJson(response, 500, errorBody(new HttpError(500, 'internal server error', 'server_error', 'internal_error')));
        else response.end();
      });
    });
    // Each SSE event leaves as soon as its token exists: no Nagle delay.
    this.http.on('connection', (socket) => socket.setNoDelay(true));
    // Generating a synthetic model holds the event loop for seconds. With node's 5 s default,
    // an idle keep-alive connection times out in the first timer phase after that, while a
    // client's next request on it is already waiting to be read: the client gets ECONNRESET.
    this.http.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  /** Make a .gguf file loadable over HTTP by its name and path (files named on the command line). */
  allowModelFile(file: string): void {
    const location = locateModel(file, { cacheDir: this.cacheDir, allowPaths: true });
    this.modelFileAliases.set(location.alias.toLowerCase(), location.path);
    this.modelFilePaths.add(location.path);
  }

  /**
   * What `spec` names. From HTTP, a .gguf path is accepted only for a file the command line
   * gave (whose name works too) or with --allow-model-paths (absolute paths); any other is
   * refused before the file system is touched, so that a caller learns nothing about files.
   */
  private locate(spec: string, fromHttp: boolean): { target: string; allowPaths: boolean; location: ModelLocation } {
    const given = this.modelFileAliases.get(spec.toLowerCase()) ?? (this.modelFilePaths.has(spec) ? spec : undefined);
    const target = given ?? spec;
    const allowPaths = given !== undefined || !fromHttp || (this.options.allowModelPaths === true && path.isAbsolute(spec));
    if (!allowPaths && isModelPath(spec)) {
      throw new HttpError(
        403,
        `loading a model by path over HTTP is off: give the file to edge-evals serve on its command line ` +
          `(--model or --model-file), or start it with --allow-model-paths (absolute paths only)`,
        'invalid_request_error',
        'model_path_not_allowed',
        'model',
      );
    }
    return { target, allowPaths, location: locateModel(target, { cacheDir: this.cacheDir, allowPaths }) };
  }

  /** Refuses a new load when --max-models models are loaded or loading. */
  private assertRoomFor(alias: string): void {
    const busy = new Set([...this.engine.loaded().map((model) => model.alias.toLowerCase()), ...this.engine.loading()]);
    if (busy.has(alias.toLowerCase()) || busy.size < this.options.maxModels) return;
    throw new HttpError(
      409,
      `${busy.size} models are loaded or loading (${[...busy].join(', ')}), the most this server takes (--max-models ${this.options.maxModels}); ` +
        `unload one first (POST /models/unload/<alias>)`,
      'invalid_request_error',
      'too_many_models',
      'model',
    );
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
    this.access = { hosts: acceptedHosts(address.address, address.port, this.options.allowedHosts), apiKey: this.options.apiKey };
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${shownHost}:${address.port}`;
  }

  /**
   * Load a model by alias, model ID, cached file name or a path to a .gguf file (a path from
   * HTTP only when allowed, see locate()). Throws UnknownModelError / ModelNotDownloadedError
   * at once, before anything is loaded. `file`: the file, already being resolved by the caller.
   */
  async loadModel(spec: string, options: { fromHttp: boolean; file?: Promise<ResolvedModelFile> }): Promise<LoadOutcome> {
    const { target, allowPaths, location } = this.locate(spec, options.fromHttp);
    const loaded = this.engine.find(location.alias);
    if (loaded !== undefined) return { info: loaded, alreadyLoaded: true };
    this.assertRoomFor(location.alias);
    const outcome = await this.engine.load(location.alias, async () => {
      const file = await (options.file ?? this.resolveFile(target, allowPaths));
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
      if (this.access === null) throw new Error('a request arrived before listen() finished');
      checkAccess(request, url.pathname, this.access);
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
    sendJson(response, 200, { models: this.engine.loaded().map((model) => ({ ...publicModelInfo(model), queued: this.engine.queued(model.alias) })) });
  }

  private async loadRoute(alias: string, response: http.ServerResponse): Promise<void> {
    const { info, alreadyLoaded } = await this.loadModel(alias, { fromHttp: true });
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
    // A path that is not loaded is not looked up: the answer must not tell whether a file exists.
    if (isModelPath(alias)) {
      sendJson(response, 200, { unloaded: false });
      return;
    }
    try {
      locateModel(alias, { cacheDir: this.cacheDir, allowPaths: false });
    } catch (error) {
      // A catalog model that is not downloaded is known, just not loaded.
      if (!(error instanceof ModelNotDownloadedError)) throw error;
    }
    sendJson(response, 200, { unloaded: false });
  }

  private async chatCompletions(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chat = await readChatRequest(request);
    const model = this.modelForChat(chat.model);

    // The client going away aborts queueing or generation. `close` on the response fires on
    // disconnect, and also after a normal end (then writableFinished is true).
    const disconnected = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) disconnected.abort();
    });
    const generation = generationRequest(chat, disconnected.signal);
    const reply = { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model: model.modelId };

    if (chat.stream !== true) {
      sendJson(response, 200, completionJson(reply, await this.generate(model, generation)));
      return;
    }
    // The stream opens once the request has a sequence: until then (context too small, queue
    // full) the answer is still a plain HTTP error.
    let stream: CompletionStream | undefined;
    const result = await this.generate(model, {
      ...generation,
      onStart: () => {
        stream = new CompletionStream(response, reply);
      },
      onText: (text) => stream?.content(text),
      onReasoning: (text) => stream?.reasoning(text),
    });
    if (stream === undefined) throw new Error('the generation finished without starting');
    stream.finish(result, chat.stream_options?.include_usage === true);
  }

  /** The loaded model a chat request names; loads it in the background if it can be (503 meanwhile). */
  private modelForChat(name: string): LoadedModelInfo {
    const loaded = this.engine.find(name);
    if (loaded !== undefined) return loaded;
    let alias: string;
    try {
      alias = this.locate(name, true).location.alias;
    } catch (error) {
      throw this.unknownModel(name, error);
    }
    const failure = this.backgroundLoadFailures.get(alias);
    if (failure !== undefined) {
      this.backgroundLoadFailures.delete(alias);
      throw new HttpError(500, `loading model ${alias} failed: ${failure}`, 'server_error', 'model_load_failed', 'model');
    }
    if (!this.engine.isLoading(alias)) {
      this.assertRoomFor(alias);
      this.log(`loading ${alias} on demand`);
      this.loadModel(alias, { fromHttp: true }).catch((error: unknown) => {
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
    // OpenAI's answer to a prompt longer than the context (llama.cpp's server also says 400).
    if (error instanceof ContextLengthExceededError) return new HttpError(400, error.message, 'invalid_request_error', 'context_length_exceeded', 'messages');
    if (error instanceof QueueFullError) {
      return new HttpError(429, error.message, 'rate_limit_error', 'queue_full', null, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    }
    // Unloaded between the lookup and the generation.
    if (error instanceof ModelNotLoadedError) return new HttpError(404, error.message, 'invalid_request_error', 'model_not_found', 'model');
    if (error instanceof ResponseFormatError) return new HttpError(400, error.message, 'invalid_request_error', 'invalid_response_format', 'response_format');
    const message = error instanceof Error ? error.message : String(error);
    return new HttpError(500, message, 'server_error', 'engine_error');
  }
}

/** A name that locateModel() would take for a file path. */
export function isModelPath(spec: string): boolean {
  return spec.toLowerCase().endsWith('.gguf');
}
