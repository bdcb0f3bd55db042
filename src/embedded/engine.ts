// The embedded runtime's inference engine: node-llama-cpp with one Llama instance per
// process, one context per loaded model holding `parallel` sequences, and one LlamaChat per
// request on a free sequence (requests beyond the free sequences wait in FIFO order).
// The three traps of /work/shared/EMBEDDED.md are handled here: threads chosen per model
// (threads.ts), the chat wrapper resolved once per model, and token counts taken from the
// sequence's token meter rather than from onToken.
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaChatResponseChunk,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
} from 'node-llama-cpp';
import type { ChatMessage } from '../contract/chat.ts';
import { RuntimeError } from '../contract/runtime.ts';
import { availableCores, resolveThreadCount } from './threads.ts';

/** Per-sequence context size cap: enough for eval prompts and replies, bounded KV memory. */
export const DEFAULT_CONTEXT_SIZE = 4096;

export interface EngineOptions {
  /** false: CPU only (the default); 'auto': whatever GPU backend node-llama-cpp finds. */
  gpu: false | 'auto';
  /** Sequences per model context: how many requests one model serves at the same time. */
  parallel: number;
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

export interface GenerationRequest {
  messages: readonly ChatMessage[];
  /** Undefined: until the model stops or the sequence's context is full. */
  maxTokens?: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: readonly string[];
  /** Aborts queueing or generation (client disconnect). */
  signal: AbortSignal;
  /** Called once per generated chunk of answer text. */
  onText?: (text: string) => void;
  /** Called once per generated chunk of reasoning (thought segments of reasoning models). */
  onReasoning?: (text: string) => void;
}

/** llama.cpp-style server timings, measured inside the engine. */
export interface GenerationTimings {
  promptTokens: number;
  /** Prefill: from the start of evaluation to the first generated output. */
  promptMs: number;
  predictedTokens: number;
  /** From the first generated output to the end of generation. */
  predictedMs: number;
}

export interface GenerationResult {
  text: string;
  reasoning: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  timings: GenerationTimings;
  /** Time spent waiting for a free sequence. */
  queuedMs: number;
}

/** The request's signal fired (client gone, unload, shutdown): nobody waits for an answer. */
export class GenerationAbortedError extends Error {
  constructor(reason: string) {
    super(`generation aborted: ${reason}`);
    this.name = 'GenerationAbortedError';
  }
}

export class ModelNotLoadedError extends RuntimeError {
  constructor(readonly requested: string) {
    super(`model '${requested}' is not loaded`);
    this.name = 'ModelNotLoadedError';
  }
}

interface Waiter {
  resolve: (sequence: LlamaContextSequence) => void;
  reject: (error: Error) => void;
}

/** The free sequences of a context, handed out in FIFO order of the requests. */
class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiting: Waiter[] = [];

  constructor(sequences: LlamaContextSequence[]) {
    this.free = [...sequences];
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    if (signal.aborted) return Promise.reject(new GenerationAbortedError('before it started'));
    const sequence = this.free.shift();
    if (sequence !== undefined) return Promise.resolve(sequence);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (granted) => {
          signal.removeEventListener('abort', onAbort);
          resolve(granted);
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new GenerationAbortedError('while queued'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(sequence: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next !== undefined) next.resolve(sequence);
    else this.free.push(sequence);
  }

  rejectAll(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

interface ModelSlot {
  info: LoadedModelInfo;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  pool: SequencePool;
  /** Aborts every generation of this model (unload, shutdown). */
  stopAll: AbortController;
  running: Set<Promise<unknown>>;
}

type NodeLlamaCpp = typeof import('node-llama-cpp');

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
      context = await model.createContext({
        sequences: this.options.parallel,
        threads: threads.threads,
        contextSize: { max: this.options.contextSize ?? DEFAULT_CONTEXT_SIZE },
      });
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
      pool: new SequencePool(sequences),
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
    const run = this.runGeneration(slot, request);
    slot.running.add(run);
    try {
      return await run;
    } finally {
      slot.running.delete(run);
    }
  }

  private async runGeneration(slot: ModelSlot, request: GenerationRequest): Promise<GenerationResult> {
    const signal = AbortSignal.any([request.signal, slot.stopAll.signal]);
    const queuedAt = performance.now();
    const sequence = await slot.pool.acquire(signal);
    const startedAt = performance.now();
    let firstOutputAt: number | undefined;
    let reasoning = '';
    const chat = new this.lib.LlamaChat({ contextSequence: sequence, chatWrapper: slot.chatWrapper });
    const meterBefore = sequence.tokenMeter.getState();
    try {
      const response = await chat.generateResponse(toChatHistory(request.messages), {
        onResponseChunk: (chunk: LlamaChatResponseChunk) => {
          if (chunk.text === '') return;
          firstOutputAt ??= performance.now();
          if (chunk.type === undefined) request.onText?.(chunk.text);
          else if (chunk.segmentType === 'thought') {
            reasoning += chunk.text;
            request.onReasoning?.(chunk.text);
          }
        },
        onToken: () => {
          firstOutputAt ??= performance.now();
        },
        maxTokens: request.maxTokens ?? sequence.contextSize,
        temperature: request.temperature,
        topP: request.topP,
        seed: request.seed,
        // OpenAI semantics: no penalty unless asked for (node-llama-cpp enables one by default).
        repeatPenalty: false,
        customStopTriggers: request.stop.length > 0 ? request.stop : undefined,
        signal,
        stopOnAbortSignal: true,
      });
      const endedAt = performance.now();
      if (signal.aborted) throw new GenerationAbortedError(abortReason(request.signal, slot.stopAll.signal));
      // The meter counts every sampled token as output and the rest of the evaluated tokens as
      // input; the prompt's last token is evaluated for sampling, so it counts as output.
      const used = sequence.tokenMeter.diff(meterBefore);
      const completionTokens = used.usedOutputTokens;
      const promptTokens = used.usedInputTokens + (completionTokens > 0 ? 1 : 0);
      const prefillEnd = firstOutputAt ?? endedAt;
      return {
        text: response.response,
        reasoning,
        finishReason: response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        promptTokens,
        completionTokens,
        timings: {
          promptTokens,
          promptMs: prefillEnd - startedAt,
          predictedTokens: completionTokens,
          predictedMs: endedAt - prefillEnd,
        },
        queuedMs: startedAt - queuedAt,
      };
    } catch (error) {
      if (signal.aborted) throw new GenerationAbortedError(abortReason(request.signal, slot.stopAll.signal));
      throw error;
    } finally {
      chat.dispose({ disposeSequence: false });
      // The next request starts from an empty sequence: no state leaks between requests.
      await sequence.clearHistory().catch(() => undefined);
      slot.pool.release(sequence);
    }
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

function abortReason(requestSignal: AbortSignal, modelSignal: AbortSignal): string {
  if (modelSignal.aborted) return String(modelSignal.reason);
  return requestSignal.aborted ? 'the client went away' : 'aborted';
}

/** OpenAI roles to node-llama-cpp's history, ending with the (empty) reply to generate. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  history.push({ type: 'model', response: [] });
  return history;
}
