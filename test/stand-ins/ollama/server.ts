// `ollama serve` of the stand-in: the native API the CLI and the adapter use (`/api/tags`,
// `/api/ps`, `/api/pull`, `/api/delete`, `/api/generate`, `/api/chat` with its nanosecond
// timings) and the OpenAI-compatible `/v1` (role on every chunk, `fp_ollama`, usage when
// asked). A request loads its model when needed and keeps it for `keep_alive` (5 minutes by
// default); `keep_alive: 0` unloads. Tokens come from the embedded runtime.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { EmbeddedBackend, readEvents } from '../shared/backend.ts';
import { readJson, sendJson, sendText, sleep, startEventStream, writeEvent } from '../shared/http.ts';
import { digestOf, findLibraryModel, fullName, modelsDir, ModelStore, readKnobs, type Knobs, type LibraryModel } from './library.ts';

interface Loaded {
  model: LibraryModel;
  expiresAt: Date;
  timer: NodeJS.Timeout | null;
}

const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;
const FOREVER = new Date('2318-01-01T00:00:00Z');

/** keep_alive as Ollama reads it: seconds as a number, a Go duration (`5m`, `1h30m`), negative = forever. */
export function keepAliveMs(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_KEEP_ALIVE_MS;
  if (typeof value === 'number') return value < 0 ? Number.POSITIVE_INFINITY : value * 1000;
  const text = String(value).trim();
  if (/^-/.test(text)) return Number.POSITIVE_INFINITY;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(match[1]) * (units[match[2] ?? 's'] ?? 1000);
  return total;
}

const iso = (date: Date) => date.toISOString();

class OllamaStandIn {
  private readonly loaded = new Map<string, Loaded>();
  private readonly backend: EmbeddedBackend;
  private readonly store: ModelStore;
  private queue: Promise<unknown> = Promise.resolve();
  private completions = 0;

  constructor(
    private readonly knobs: Knobs,
    root: string,
  ) {
    this.store = new ModelStore(root);
    this.backend = new EmbeddedBackend(path.join(root, 'stand-in-backend.log'));
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const route = `${request.method} ${new URL(request.url ?? '/', 'http://stand-in').pathname}`;
    switch (route) {
      case 'GET /':
      case 'HEAD /':
        return sendText(response, 200, 'Ollama is running');
      case 'GET /api/version':
        return sendJson(response, 200, { version: this.knobs.version });
      case 'GET /api/tags':
        return sendJson(response, 200, { models: this.store.list().map(({ model, modifiedAt }) => ({ ...this.describe(model), modified_at: iso(modifiedAt) })) });
      case 'GET /api/ps':
        return sendJson(response, 200, {
          models: [...this.loaded.values()].map(({ model, expiresAt }) => ({
            ...this.describe(model),
            expires_at: iso(expiresAt),
            size_vram: 0,
            context_length: 4096,
          })),
        });
      case 'POST /api/pull':
        return this.pull(await readJson(request), response);
      case 'DELETE /api/delete':
        return this.remove(await readJson(request), response);
      case 'POST /api/generate':
        return this.serialized(() => this.generate(request, response));
      case 'POST /api/chat':
        return this.serialized(() => this.nativeChat(request, response));
      case 'POST /v1/chat/completions':
        return this.serialized(() => this.openAIChat(request, response));
      case 'GET /v1/models':
        return sendJson(response, 200, {
          object: 'list',
          data: this.store.list().map(({ model, modifiedAt }) => ({ id: model.name, object: 'model', created: Math.floor(modifiedAt.getTime() / 1000), owned_by: 'library' })),
        });
      default:
        return sendText(response, 404, '404 page not found');
    }
  }

  async shutdown(): Promise<void> {
    for (const name of [...this.loaded.keys()]) await this.unload(name);
  }

  private serialized(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private describe(model: LibraryModel): Record<string, unknown> {
    return {
      name: model.name,
      model: model.name,
      size: model.sizeBytes,
      digest: digestOf(model.name),
      details: { parent_model: '', format: 'gguf', family: model.family, families: [model.family], parameter_size: model.parameterSize, quantization_level: model.quantization },
    };
  }

  private async pull(body: Record<string, unknown>, response: ServerResponse): Promise<void> {
    const model = findLibraryModel(String(body.model ?? body.name ?? ''));
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const send = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
    send({ status: 'pulling manifest' });
    if (model === undefined) {
      send({ error: 'pull model manifest: file does not exist' });
      return void response.end();
    }
    const digest = `sha256:${digestOf(model.name)}`;
    const steps = 10;
    for (let step = 1; step <= steps; step++) {
      await sleep(this.knobs.pullMs / steps);
      send({ status: `pulling ${digestOf(model.name).slice(0, 12)}`, digest, total: model.sizeBytes, completed: Math.round((model.sizeBytes * step) / steps) });
    }
    this.store.add(model);
    for (const status of ['verifying sha256 digest', 'writing manifest', 'success']) send({ status });
    response.end();
  }

  private async remove(body: Record<string, unknown>, response: ServerResponse): Promise<void> {
    const name = String(body.model ?? body.name ?? '');
    const model = findLibraryModel(name);
    if (model === undefined || !this.store.has(model)) return sendJson(response, 404, { error: `model '${name}' not found` });
    await this.unload(model.name);
    this.store.remove(model);
    return sendText(response, 200, '');
  }

  /** The pulled model a request names, loaded (and its keep-alive renewed); null after an error answer. */
  private async ready(name: string, keepAlive: unknown, response: ServerResponse, openAI: boolean): Promise<Loaded | null> {
    const model = findLibraryModel(name);
    if (model === undefined || !this.store.has(model)) {
      const message = `model "${name}" not found, try pulling it first`;
      sendJson(response, 404, openAI ? { error: { message, type: 'api_error', param: null, code: null } } : { error: message });
      return null;
    }
    let entry = this.loaded.get(model.name);
    if (entry === undefined) {
      await sleep(this.knobs.loadDelayMs);
      if (this.knobs.failLoad.includes(model.name)) {
        const message = 'llama runner process has terminated: error loading model: unable to allocate CPU buffer';
        sendJson(response, 500, openAI ? { error: { message, type: 'api_error', param: null, code: null } } : { error: message });
        return null;
      }
      await this.backend.load(model.servedBy);
      entry = { model, expiresAt: new Date(), timer: null };
      this.loaded.set(model.name, entry);
    }
    this.keep(entry, keepAliveMs(keepAlive));
    return entry;
  }

  private keep(entry: Loaded, ms: number): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    if (ms === Number.POSITIVE_INFINITY) {
      entry.expiresAt = FOREVER;
      return;
    }
    entry.expiresAt = new Date(Date.now() + ms);
    entry.timer = setTimeout(() => void this.unload(entry.model.name), ms);
  }

  private async unload(name: string): Promise<void> {
    const entry = this.loaded.get(name);
    if (entry === undefined) return;
    if (entry.timer !== null) clearTimeout(entry.timer);
    this.loaded.delete(name);
    if (![...this.loaded.values()].some((other) => other.model.servedBy === entry.model.servedBy)) await this.backend.unload(entry.model.servedBy);
  }

  /** With no prompt, /api/generate only loads (or, with keep_alive 0, unloads) the model. */
  private async generate(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const name = fullName(String(body.model ?? ''));
    const done = (reason: string) => sendJson(response, 200, { model: name, created_at: iso(new Date()), response: '', done: true, done_reason: reason });
    if (keepAliveMs(body.keep_alive) === 0) {
      await this.unload(name);
      return done('unload');
    }
    if (typeof body.prompt === 'string' && body.prompt !== '') {
      return sendJson(response, 501, { error: 'the Ollama stand-in generates through /api/chat and /v1/chat/completions only' });
    }
    if ((await this.ready(name, body.keep_alive, response, false)) !== null) done('load');
  }

  private async nativeChat(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const name = fullName(String(body.model ?? ''));
    const started = performance.now();
    const wasLoaded = this.loaded.has(name);
    const entry = await this.ready(name, body.keep_alive, response, false);
    if (entry === null) return;
    const loadNs = wasLoaded ? 0 : Math.round((performance.now() - started) * 1e6);
    const messages = Array.isArray(body.messages) ? body.messages : [];
    if (messages.length === 0) return sendJson(response, 200, { model: name, created_at: iso(new Date()), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true });
    const options = (body.options ?? {}) as { num_predict?: number; temperature?: number; seed?: number };
    const upstream = await this.backend.chat(
      { messages, stream: true, max_tokens: options.num_predict, temperature: options.temperature, seed: options.seed, stream_options: { include_usage: true } },
      entry.model.servedBy,
    );
    if (!upstream.ok) return sendText(response, upstream.status, await upstream.text());
    const stream = body.stream !== false;
    if (stream) response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    let content = '';
    let finish = 'stop';
    let timings: { prompt_n?: number; prompt_ms?: number; predicted_n?: number; predicted_ms?: number } = {};
    for await (const event of readEvents(upstream)) {
      if (event.kind === 'done') break;
      const chunk = event.chunk as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[]; timings?: typeof timings };
      if (chunk.timings !== undefined) timings = chunk.timings;
      const choice = chunk.choices?.[0];
      if (typeof choice?.finish_reason === 'string') finish = choice.finish_reason;
      const piece = choice?.delta?.content ?? '';
      if (piece === '') continue;
      content += piece;
      if (stream) response.write(`${JSON.stringify({ model: name, created_at: iso(new Date()), message: { role: 'assistant', content: piece }, done: false })}\n`);
    }
    const final = {
      model: name,
      created_at: iso(new Date()),
      message: { role: 'assistant', content: stream ? '' : content },
      done_reason: finish,
      done: true,
      total_duration: Math.round((performance.now() - started) * 1e6),
      load_duration: loadNs,
      prompt_eval_count: timings.prompt_n ?? 0,
      prompt_eval_duration: Math.round((timings.prompt_ms ?? 0) * 1e6),
      eval_count: timings.predicted_n ?? 0,
      eval_duration: Math.round((timings.predicted_ms ?? 0) * 1e6),
    };
    if (stream) {
      response.write(`${JSON.stringify(final)}\n`);
      response.end();
    } else {
      sendJson(response, 200, final);
    }
  }

  private async openAIChat(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const name = String(body.model ?? '');
    const entry = await this.ready(name, undefined, response, true);
    if (entry === null) return;
    const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const upstream = await this.backend.chat({ ...body, stream: true, stream_options: { include_usage: true } }, entry.model.servedBy);
    if (!upstream.ok) return sendText(response, upstream.status, await upstream.text());
    this.completions += 1;
    const base = { id: `chatcmpl-${this.completions}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: name, system_fingerprint: 'fp_ollama' };
    let content = '';
    let finish = 'stop';
    let usage: unknown = null;
    const stream = body.stream === true;
    if (stream) startEventStream(response);
    for await (const event of readEvents(upstream)) {
      if (event.kind === 'done') break;
      const chunk = event.chunk as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[]; usage?: unknown };
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (typeof choice?.finish_reason === 'string') finish = choice.finish_reason;
      const piece = choice?.delta?.content ?? '';
      if (piece === '') continue;
      content += piece;
      // Ollama repeats the role on every chunk.
      if (stream) writeEvent(response, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: piece }, finish_reason: null }] });
    }
    if (!stream) {
      return sendJson(response, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
        usage,
      });
    }
    writeEvent(response, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: finish }] });
    if (wantsUsage && usage !== null) writeEvent(response, { ...base, choices: [], usage });
    writeEvent(response, '[DONE]');
    response.end();
  }
}

/** `ollama serve`: listens on OLLAMA_HOST until SIGTERM, or until OLLAMA_MODELS (when set) disappears. */
export async function serve(host: string, port: number): Promise<number> {
  const knobs = readKnobs();
  const root = modelsDir();
  mkdirSync(root, { recursive: true });
  const standIn = new OllamaStandIn(knobs, root);
  const log = (message: string) => process.stderr.write(`time=${new Date().toISOString()} level=INFO source=routes.go:1331 msg="${message}"\n`);
  const server = createServer((request, response) => {
    standIn.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.end();
    });
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!listening) {
    process.stderr.write(`Error: listen tcp ${host}:${port}: bind: address already in use\n`);
    return 1;
  }
  log(`Listening on ${host}:${port} (version ${knobs.version})`);
  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await standIn.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  if (process.env.OLLAMA_MODELS !== undefined) {
    setInterval(() => {
      if (!existsSync(root)) void stop();
    }, 1_000);
  }
  return new Promise<number>(() => undefined);
}
