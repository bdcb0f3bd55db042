// The embedded runtime's inference engine: node-llama-cpp with one Llama instance per
// process, one context per loaded model holding `parallel` sequences, and one LlamaChat per
// request on a free sequence (requests beyond the free sequences wait in FIFO order).
// Three choices here decide whether the measurements mean anything (docs/embedded.md):
// threads chosen per model (threads.ts), the chat wrapper resolved once per model rather than
// per request, and token counts taken from the sequence's token meter (generation.ts).
import type { GbnfJsonSchema, Llama, LlamaContext, LlamaContextOptions, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { RuntimeError } from '../../contract/runtime.ts';
import { availableCores, resolveThreadCount } from '../threads.ts';
import {
  generateOnSequence,
  GenerationAbortedError,
  type GenerationRequest,
  type GenerationResult,
  type GenerationSlot,
  type NodeLlamaCpp,
  type ResponseFormat,
} from './generation.ts';
import { SequencePool } from './sequence-pool.ts';

/** Per-sequence context size cap: enough for eval prompts and replies, bounded KV memory. */
export const DEFAULT_CONTEXT_SIZE = 4096;

/** Requests that may wait for a model whose sequences are all busy. */
export const DEFAULT_MAX_QUEUE = 16;

export interface EngineOptions {
  /** false: CPU only (the default); 'auto': whatever GPU backend node-llama-cpp finds. */
  gpu: false | 'auto';
  /** Sequences per model context: how many requests one model serves at the same time. */
  parallel: number;
  /** Requests that may wait for a busy model (default DEFAULT_MAX_QUEUE); more are refused. */
  maxQueue?: number;
  /** `--threads`; undefined or 0 = EVAL_THREADS, else the measured default. */
  threads?: number;
  /** EVAL_THREADS from the configuration (0 = not set). */
  envThreads?: number;
  contextSize?: number;
  /** Where node-llama-cpp's own log lines go (never stdout: the server's stdout is a protocol). */
  log?: (line: string) => void;
}

export interface ModelFileSpec {
  modelId: string;
  path: string;
  sizeBytes: number;
  /** 'auto' resolves the chat format from the model's template (200-400 ms). */
  chatWrapper?: 'auto' | 'chatML';
}

export interface LoadedModelInfo {
  alias: string;
  modelId: string;
  path: string;
  sizeBytes: number;
  /** Load into memory, context creation and chat-wrapper resolution, in ms. */
  loadMs: number;
  /** When the load finished (epoch ms). */
  loadedAt: number;
  threads: number;
  threadsReason: string;
  contextSize: number;
  parallel: number;
  chatWrapper: string;
}

export class ModelNotLoadedError extends RuntimeError {
  constructor(readonly requested: string) {
    super(`model '${requested}' is not loaded`);
    this.name = 'ModelNotLoadedError';
  }
}

/** A response format the grammar builder refused (a JSON schema it cannot express): the client's to fix. */
export class ResponseFormatError extends RuntimeError {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseFormatError';
  }
}

interface ModelSlot extends GenerationSlot {
  info: LoadedModelInfo;
  model: LlamaModel;
  context: LlamaContext;
  running: Set<Promise<unknown>>;
}

/** The context a loaded model gets (exported for the floor benchmark, which must measure the same). */
export function engineContextOptions(options: { parallel: number; threads: number; contextSize: number }): LlamaContextOptions {
  return {
    sequences: options.parallel,
    threads: options.threads,
    contextSize: { max: options.contextSize },
  };
}

const EARLY_LLAMA = Symbol.for('edge-evals.early-llama');

/**
 * The Llama that bin/edge-evals.js started before the TypeScript was loaded (`serve` only),
 * when it was started with the same GPU choice; each process takes it at most once.
 */
async function takeEarlyLlama(gpu: EngineOptions['gpu']): Promise<Llama | undefined> {
  const holder = globalThis as { [EARLY_LLAMA]?: Promise<{ gpu: EngineOptions['gpu']; llama: Llama }> };
  const early = holder[EARLY_LLAMA];
  if (early === undefined) return undefined;
  delete holder[EARLY_LLAMA];
  const started = await early;
  return started.gpu === gpu ? started.llama : undefined;
}

export class EmbeddedEngine {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly loads = new Map<string, Promise<LoadedModelInfo>>();
  /** Grammars by response format: building one turns the schema into GBNF, the same for every request. */
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private disposed = false;

  private constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly llama: Llama,
    private readonly options: EngineOptions,
  ) {}

  /** getLlama once per process: on Linux it tests the binary in a child process (~0.8 s). */
  static async create(options: EngineOptions): Promise<EmbeddedEngine> {
    const started = performance.now();
    const lib = await import('node-llama-cpp');
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const cores = availableCores();
    // The splitter's budget for all concurrent evaluations; its own default (at least 4)
    // oversubscribes small machines.
    const maxThreads = Math.max(cores, options.threads ?? 0, options.envThreads ?? 0);
    const early = await takeEarlyLlama(options.gpu);
    let llama: Llama;
    if (early !== undefined) {
      llama = early;
      llama.maxThreads = maxThreads;
    } else {
      llama = await lib.getLlama({
        gpu: options.gpu,
        build: 'never',
        logLevel: lib.LlamaLogLevel.warn,
        logger: (level, message) => log(`[llama.cpp ${level}] ${message.trimEnd()}`),
        maxThreads,
      });
    }
    log(`node-llama-cpp ready in ${Math.round(performance.now() - started)} ms (${llama.gpu === false ? 'CPU' : `GPU: ${llama.gpu}`})`);
    return new EmbeddedEngine(lib, llama, options);
  }

  get gpu(): string | false {
    return this.llama.gpu;
  }

  loaded(): LoadedModelInfo[] {
    return [...this.slots.values()].map((slot) => slot.info);
  }

  /** Aliases whose load is in progress. */
  loading(): string[] {
    return [...this.loads.keys()];
  }

  /** A loaded model by alias or model ID (case-insensitive), or by the path it was loaded from. */
  find(name: string): LoadedModelInfo | undefined {
    return this.findSlot(name)?.info;
  }

  /** Requests waiting for a free sequence of a loaded model. */
  queued(name: string): number {
    return this.findSlot(name)?.pool.queued ?? 0;
  }

  isLoading(alias: string): boolean {
    return this.loads.has(alias.toLowerCase());
  }

  /**
   * Load a model under `alias`; `locate` finds (or generates) its file and runs inside the
   * loading phase, so /health reports "loading" during synthetic generation too. Concurrent
   * loads of one alias share the same load.
   */
  async load(alias: string, locate: () => Promise<ModelFileSpec>): Promise<{ info: LoadedModelInfo; alreadyLoaded: boolean }> {
    this.assertUsable();
    const existing = this.findSlot(alias);
    if (existing !== undefined) return { info: existing.info, alreadyLoaded: true };
    const key = alias.toLowerCase();
    const inFlight = this.loads.get(key);
    if (inFlight !== undefined) return { info: await inFlight, alreadyLoaded: true };
    const loading = this.loadNow(alias, locate).finally(() => this.loads.delete(key));
    this.loads.set(key, loading);
    return { info: await loading, alreadyLoaded: false };
  }

  private async loadNow(alias: string, locate: () => Promise<ModelFileSpec>): Promise<LoadedModelInfo> {
    const file = await locate();
    this.assertUsable();
    const threads = resolveThreadCount({
      flagThreads: this.options.threads,
      envThreads: this.options.envThreads,
      cores: availableCores(),
      modelBytes: file.sizeBytes,
    });
    const started = performance.now();
    const model = await this.llama.loadModel({ modelPath: file.path });
    let context: LlamaContext;
    try {
      context = await model.createContext(engineContextOptions({ parallel: this.options.parallel, threads: threads.threads, contextSize: this.options.contextSize ?? DEFAULT_CONTEXT_SIZE }));
    } catch (error) {
      await model.dispose();
      throw error;
    }
    // Resolving the chat format from the template costs 200-400 ms: once per model, not per
    // request, and not at all when the catalog knows the format.
    const chatWrapper = this.lib.resolveChatWrapper(model, { type: file.chatWrapper ?? 'auto' });
    const sequences = Array.from({ length: this.options.parallel }, () => context.getSequence());
    const info: LoadedModelInfo = {
      alias,
      modelId: file.modelId,
      path: file.path,
      sizeBytes: file.sizeBytes,
      loadMs: performance.now() - started,
      loadedAt: Date.now(),
      threads: threads.threads,
      threadsReason: threads.reason,
      contextSize: context.contextSize,
      parallel: this.options.parallel,
      chatWrapper: chatWrapper.wrapperName,
    };
    if (this.disposed) {
      await model.dispose();
      throw new RuntimeError('the engine was shut down while the model was loading');
    }
    this.slots.set(alias.toLowerCase(), {
      info,
      model,
      context,
      chatWrapper,
      tokenizer: model.tokenizer,
      contextSize: context.contextSize,
      pool: new SequencePool(sequences, this.options.maxQueue ?? DEFAULT_MAX_QUEUE),
      stopAll: new AbortController(),
      running: new Set(),
    });
    return info;
  }

  /** Abort the model's generations, reject its queue, free its memory. False if not loaded. */
  async unload(name: string): Promise<boolean> {
    const slot = this.findSlot(name);
    if (slot === undefined) return false;
    this.slots.delete(slot.info.alias.toLowerCase());
    await this.closeSlot(slot, 'the model was unloaded');
    return true;
  }

  async generate(name: string, request: GenerationRequest): Promise<GenerationResult> {
    const slot = this.findSlot(name);
    if (slot === undefined) throw new ModelNotLoadedError(name);
    const grammar = request.responseFormat === undefined ? undefined : await this.grammarFor(request.responseFormat);
    const run = generateOnSequence(this.lib, slot, request, grammar);
    slot.running.add(run);
    try {
      return await run;
    } finally {
      slot.running.delete(run);
    }
  }

  private grammarFor(format: ResponseFormat): Promise<LlamaGrammar> {
    const key = JSON.stringify(format);
    let grammar = this.grammars.get(key);
    if (grammar === undefined) {
      grammar =
        format.type === 'json_object'
          ? this.llama.getGrammarFor('json')
          : this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(format.schema as GbnfJsonSchema).catch((error: unknown) => {
              throw new ResponseFormatError(`response_format.json_schema.schema cannot be turned into a grammar: ${error instanceof Error ? error.message : String(error)}`);
            });
      this.grammars.set(key, grammar);
      grammar.catch(() => this.grammars.delete(key));
    }
    return grammar;
  }

  /** Abort everything, unload every model, release llama.cpp. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((slot) => this.closeSlot(slot, 'the server is shutting down')));
    await this.llama.dispose();
  }

  private async closeSlot(slot: ModelSlot, reason: string): Promise<void> {
    slot.stopAll.abort(reason);
    slot.pool.rejectAll(new GenerationAbortedError(reason));
    await Promise.allSettled([...slot.running]);
    await slot.context.dispose();
    await slot.model.dispose();
  }

  private findSlot(name: string): ModelSlot | undefined {
    const wanted = name.toLowerCase();
    const byAlias = this.slots.get(wanted);
    if (byAlias !== undefined) return byAlias;
    return [...this.slots.values()].find((slot) => slot.info.modelId.toLowerCase() === wanted || slot.info.path === name);
  }

  private assertUsable(): void {
    if (this.disposed) throw new RuntimeError('the engine has been shut down');
  }
}
