// The stand-in's model service: Gen A's `Inference.Service.Agent` REST API (`/openai/*`,
// `/foundry/list`, `/v1/*`) or Gen B's `foundrylocald` (`/v1/*`, `/models/*`, and 404 for
// `/openai/status` and `/health`), as docs/foundry-local.md describes them, quirks included: a new
// random port on every start, TTL-held models that only a forced unload removes, "No
// OpenAIService provider found" for a model that is not there, chunks with `IsDelta` and no
// `finish_reason` (Gen A), usage only when asked, error objects inside a 200 stream, one
// request at a time. Tokens come from the embedded runtime (shared/backend.ts).
import { appendFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { EmbeddedBackend, readEvents } from '../shared/backend.ts';
import { listen, readJson, sendJson, sendText, sleep, startEventStream, writeEvent } from '../shared/http.ts';
import { CATALOG, foundryListEntry, type StandInVariant } from './catalog.ts';
import { spawnService } from './launch.ts';
import { listed, readKnobs, StandInState, type Knobs } from './state.ts';

interface LoadedVariant {
  variant: StandInVariant;
  /** Gen A: the model stays loaded until this timer fires, unless unloaded with force. */
  ttlTimer: NodeJS.Timeout | null;
}

const STREAM_ERROR = { error: { message: 'Non-zero status code returned while running GroupQueryAttention node', type: 'server_error' } };
/** Content chunks sent before an injected stream error. */
const CHUNKS_BEFORE_ERROR = 3;

class FoundryService {
  private readonly loaded = new Map<string, LoadedVariant>();
  private readonly backend: EmbeddedBackend;
  /** Foundry processes requests one after the other (microsoft/Foundry-Local#637). */
  private queue: Promise<unknown> = Promise.resolve();
  private chatCount = 0;
  url = '';
  /** Called once each streamed chat response is fully sent, with how many have been. */
  onChatSent: (count: number) => void = () => undefined;

  constructor(
    private readonly knobs: Knobs,
    private readonly state: StandInState,
  ) {
    this.backend = new EmbeddedBackend(state.backendLog);
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const route = `${request.method} ${url.pathname}`;
    this.log(route + url.search);
    const modelParam = (prefix: string) => decodeURIComponent(url.pathname.slice(prefix.length));
    if (route === 'POST /v1/chat/completions') return this.serialized(() => this.chat(request, response));
    if (route === 'GET /v1/models') return sendJson(response, 200, this.modelsList());
    if (this.knobs.generation === 'A') {
      if (route === 'GET /openai/status') {
        return sendJson(response, 200, {
          endpoints: [this.url],
          modelDirPath: this.state.cacheDir,
          pipeName: null,
          isAutoRegistrationResolved: true,
          autoRegistrationStatus: 'Successfully downloaded and registered the following EPs: OpenVINOExecutionProvider.',
        });
      }
      if (route === 'GET /foundry/list') return sendJson(response, 200, CATALOG.map(foundryListEntry));
      if (route === 'GET /openai/models') return sendJson(response, 200, this.state.cachedIds());
      if (route === 'GET /openai/loadedmodels') return sendJson(response, 200, [...this.loaded.keys()]);
      if (route === 'GET /openai/unloadall') {
        for (const id of [...this.loaded.keys()]) await this.unload(id);
        return sendText(response, 200, '');
      }
      if (request.method === 'GET' && url.pathname.startsWith('/openai/load/')) {
        const ttl = Number(url.searchParams.get('ttl') ?? this.state.settings().defaultSecondsForModelTTL);
        return this.serialized(() => this.load(modelParam('/openai/load/'), ttl, response));
      }
      if (request.method === 'GET' && url.pathname.startsWith('/openai/unload/')) {
        const id = this.loadedKey(modelParam('/openai/unload/'));
        // Without force, a model held by its TTL stays loaded (the legacy SDK's own test).
        const held = id !== null && this.loaded.get(id)?.ttlTimer !== null;
        if (id !== null && (url.searchParams.get('force') === 'true' || !held)) await this.unload(id);
        return sendText(response, 200, '');
      }
    } else {
      if (route === 'GET /models/loaded') return sendJson(response, 200, [...this.loaded.keys()]);
      if (url.pathname.startsWith('/models/load/')) return this.serialized(() => this.load(modelParam('/models/load/'), null, response));
      if (url.pathname.startsWith('/models/unload/')) {
        const id = this.loadedKey(modelParam('/models/unload/'));
        if (id !== null) await this.unload(id);
        return sendJson(response, 200, { status: id === null ? 'not_loaded' : 'unloaded' });
      }
    }
    if (this.knobs.generation === 'A') return sendText(response, 404, '');
    return this.sendError(response, 404, `No route for ${request.method} ${url.pathname}`, 'invalid_request_error');
  }

  async shutdown(): Promise<void> {
    for (const id of [...this.loaded.keys()]) await this.unload(id).catch(() => undefined);
  }

  private serialized(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private loadedKey(id: string): string | null {
    return [...this.loaded.keys()].find((key) => key.toLowerCase() === id.toLowerCase()) ?? null;
  }

  private async load(id: string, ttlSeconds: number | null, response: ServerResponse): Promise<void> {
    const variant = CATALOG.find((entry) => entry.id.toLowerCase() === id.toLowerCase());
    if (variant === undefined || !this.state.isCached(variant.id)) {
      if (this.knobs.generation === 'A') return sendText(response, 500, `No OpenAIService provider found for modelName: ${id}`);
      if (variant === undefined) return this.sendError(response, 404, `Model '${id}' was not found in the catalog`, 'invalid_request_error');
      return this.sendError(response, 400, `Model '${id}' is not downloaded. Run 'foundry model download ${variant.alias}' first.`, 'invalid_request_error');
    }
    const already = this.loaded.get(variant.id);
    if (already === undefined) {
      await sleep(this.knobs.loadDelayMs);
      if (listed(this.knobs.failLoad, variant)) {
        const message = `Failed to load model ${variant.id}: Load model from ${this.state.cacheDir}/${variant.id} failed: bad allocation`;
        if (this.knobs.generation === 'A') return sendText(response, 500, message);
        return this.sendError(response, 500, message, 'server_error');
      }
      await this.backend.load(variant.servedBy);
    }
    if (already?.ttlTimer) clearTimeout(already.ttlTimer);
    const ttlTimer = ttlSeconds === null ? null : setTimeout(() => void this.unload(variant.id), ttlSeconds * 1000);
    this.loaded.set(variant.id, { variant, ttlTimer });
    if (this.knobs.generation === 'A') return sendText(response, 200, '');
    return sendJson(response, 200, { status: already === undefined ? 'loaded' : 'already_loaded' });
  }

  private async unload(id: string): Promise<void> {
    const entry = this.loaded.get(id);
    if (entry === undefined) return;
    if (entry.ttlTimer !== null) clearTimeout(entry.ttlTimer);
    this.loaded.delete(id);
    const stillUsed = [...this.loaded.values()].some((other) => other.variant.servedBy === entry.variant.servedBy);
    if (!stillUsed) await this.backend.unload(entry.variant.servedBy);
  }

  private modelsList(): Record<string, unknown> {
    const created = Math.floor(Date.now() / 1000);
    if (this.knobs.generation === 'B') {
      // The daemon lists what it knows, loaded or not ("do not blindly use the first item").
      const data = CATALOG.filter((entry) => this.state.isCached(entry.id)).map((entry) => ({ id: entry.id, object: 'model', created, owned_by: entry.publisher }));
      return { object: 'list', data };
    }
    const data = [...this.loaded.values()].map(({ variant }) => ({
      vision: false,
      toolCalling: variant.supportsToolCalling,
      maxInputTokens: 114688,
      maxOutputTokens: variant.maxOutputTokens,
      id: variant.id,
      owned_by: variant.publisher,
      permission: [],
      created,
      CreatedTime: new Date(created * 1000).toISOString().replace('.000Z', '+00:00'),
      ...GEN_A_ENVELOPE,
      object: 'model',
    }));
    return { data, ...GEN_A_ENVELOPE, object: 'list' };
  }

  private async chat(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const requested = typeof body.model === 'string' ? body.model : '';
    // Only a loaded model's exact ID (with its :N) is served; an alias is not.
    const id = this.loadedKey(requested);
    const entry = id === null ? undefined : this.loaded.get(id);
    if (entry === undefined) {
      if (this.knobs.generation === 'A') return sendText(response, 400, `No OpenAIService provider found for modelName: ${requested}`);
      const known = CATALOG.some((variant) => variant.id.toLowerCase() === requested.toLowerCase());
      if (known) return this.sendError(response, 400, `Model '${requested}' must be loaded before inference`, 'invalid_request_error');
      return this.sendError(response, 404, `Model '${requested}' was not found`, 'invalid_request_error');
    }
    const { variant } = entry;
    const stream = body.stream === true;
    const options = body.stream_options as { include_usage?: unknown } | undefined;
    const wantsUsage = options?.include_usage === true;
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    const upstream = await this.backend.chat(
      { ...body, ...(stream ? { stream_options: { include_usage: true } } : {}) },
      variant.servedBy,
      abort.signal,
    );
    if (!upstream.ok) return sendText(response, upstream.status, await upstream.text());
    this.chatCount += 1;
    const chatId = this.knobs.generation === 'A' ? `chat.id.${this.chatCount}` : `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!stream) {
      const completion = (await upstream.json()) as { choices?: { message?: { content?: string }; finish_reason?: string }[]; usage?: unknown };
      const choice = completion.choices?.[0];
      const message = { role: 'assistant', content: choice?.message?.content ?? '' };
      return sendJson(response, 200, {
        id: chatId,
        object: 'chat.completion',
        created,
        model: variant.id,
        choices: [
          this.knobs.generation === 'A'
            ? { index: 0, message, delta: message, finish_reason: choice?.finish_reason ?? 'stop' }
            : { index: 0, message, finish_reason: choice?.finish_reason ?? 'stop' },
        ],
        usage: completion.usage,
        ...(this.knobs.generation === 'A' ? GEN_A_ENVELOPE : {}),
      });
    }
    startEventStream(response);
    const base = { id: chatId, object: 'chat.completion.chunk', created, model: variant.id };
    let contentChunks = 0;
    let usage: unknown = null;
    let finishReason: string | null = null;
    for await (const event of readEvents(upstream)) {
      if (event.kind === 'done') break;
      const chunk = event.chunk;
      if (chunk.error !== undefined) {
        writeEvent(response, { error: chunk.error });
        return void response.end();
      }
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
      const choice = (chunk.choices as { delta?: { content?: unknown }; finish_reason?: unknown }[] | undefined)?.[0];
      if (typeof choice?.finish_reason === 'string') finishReason = choice.finish_reason;
      const content = choice?.delta?.content;
      if (typeof content !== 'string' || content === '') continue;
      if (contentChunks === CHUNKS_BEFORE_ERROR && listed(this.knobs.streamError, variant)) {
        writeEvent(response, STREAM_ERROR);
        abort.abort();
        return void response.end();
      }
      if (this.knobs.generation === 'A') {
        // Gen A repeats the role, sends `tool_calls: []` and a `message` copy on every chunk.
        const delta = { role: 'assistant', content, tool_calls: [] };
        writeEvent(response, { ...base, choices: [{ index: 0, delta, message: delta, finish_reason: null }], ...GEN_A_DELTA });
      } else {
        const delta = contentChunks === 0 ? { role: 'assistant', content } : { content };
        writeEvent(response, { ...base, choices: [{ index: 0, delta, finish_reason: null }] });
      }
      contentChunks += 1;
    }
    // Gen A often sends no chunk with a finish_reason at all; Gen B does.
    if (this.knobs.generation === 'B') writeEvent(response, { ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason ?? 'stop' }] });
    if (wantsUsage && usage !== null) {
      writeEvent(response, { ...base, choices: [], usage, ...(this.knobs.generation === 'A' ? GEN_A_DELTA : {}) });
    }
    writeEvent(response, '[DONE]');
    const count = this.chatCount;
    response.end(() => this.onChatSent(count));
  }

  private sendError(response: ServerResponse, status: number, message: string, type: string): void {
    sendJson(response, status, { error: { message, type, param: null, code: null } });
  }

  private log(line: string): void {
    appendFileSync(this.state.serviceLog, `${new Date().toISOString()} ${line}\n`);
  }
}

const GEN_A_ENVELOPE = { IsDelta: false, Successful: true, HttpStatusCode: 0 };
const GEN_A_DELTA = { IsDelta: true, Successful: true, HttpStatusCode: 0 };

export interface RunServiceOptions {
  /** A port for this start only (Gen B `server start --port N`); 0 means a random one. */
  port?: number;
  onListening?: (url: string) => void;
}

/** The service process: listens, records itself, and serves until stopped or its home is removed. */
export async function runService(options: RunServiceOptions = {}): Promise<void> {
  const knobs = readKnobs();
  const state = new StandInState(knobs.home);
  state.ensureHome();
  await sleep(knobs.startDelayMs);
  const service = new FoundryService(knobs, state);
  const server = createServer((request, response) => {
    service.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, (error as Error).message);
      else response.end();
    });
  });
  const settings = state.settings();
  const pinned = options.port ?? settings.port ?? (knobs.stickyPort ? settings.lastPort : null);
  const port = await listen(server, pinned ?? 0, settings.lastPort);
  state.saveSettings({ ...state.settings(), lastPort: port });
  service.url = `http://127.0.0.1:${port}`;
  state.writeService({ pid: process.pid, port, url: service.url, generation: knobs.generation, startedAt: new Date().toISOString() });
  options.onListening?.(service.url);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    state.clearService(process.pid);
    server.close();
    server.closeAllConnections();
    await service.shutdown();
    process.exit(0);
  };
  // What `service restart` does, done by the service itself between two requests (the knob).
  service.onChatSent = (count) => {
    if (knobs.restartAfterChats !== count || stopping) return;
    stopping = true;
    // The response is sent; closing its socket now makes the client's next request find nothing.
    server.close();
    server.closeAllConnections();
    state.clearService(process.pid);
    delete process.env.FOUNDRY_STANDIN_RESTART_AFTER_CHATS;
    void spawnService(state, { inheritOutput: false })
      .catch((error: unknown) => appendFileSync(state.serviceLog, `${new Date().toISOString()} restart failed: ${(error as Error).message}\n`))
      .then(() => service.shutdown())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // A test that forgets to stop the service removes its home folder: the service goes too.
  setInterval(() => {
    if (!existsSync(knobs.home)) void stop();
  }, 1_000);
}
