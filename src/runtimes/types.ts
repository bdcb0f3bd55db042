// The one interface every runtime adapter implements (embedded, foundry, ollama,
// llama-server, openai). The CLI and the eval lifecycle only ever talk to this shape, so a
// new runtime is one new folder under src/runtimes/.
import type { CachedModel, CatalogEntry, MemoryNeed, RuntimeName } from '../contract/runtime.ts';

export interface RuntimeInfo {
  name: RuntimeName;
  installed: boolean;
  /** Version the runtime reports about itself (CLI `--version`, package version, ...). */
  version: string | null;
  /** Runtime-specific generation or flavour, e.g. Foundry CLI generation 'A' | 'B'. */
  generation?: string;
  /** The executable that was probed, when there is one. */
  executable?: string;
}

export interface LoadedModel {
  alias: string;
  modelId: string;
}

export interface ServiceStatus {
  running: boolean;
  /** Base URL of the OpenAI-compatible API, ending in `/v1`, when running. */
  baseURL: string | null;
  pid?: number | null;
  /** True when this process (or a process acting for it) started the service. */
  startedByUs?: boolean;
}

export interface ProgressEvent {
  phase: 'service' | 'download' | 'load' | 'warmup' | 'unload';
  message: string;
  /** 0..100 when the runtime reports it. */
  percent?: number;
}

export interface StartOptions {
  /** Abort a download or load that takes too long, or on Ctrl-C. */
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  timeoutMs?: number;
}

export interface RunningModel {
  alias: string;
  modelId: string;
  /** Base URL of the OpenAI-compatible API, ending in `/v1`. */
  baseURL: string;
  apiKey?: string;
  synthetic: boolean;
  /** A synthetic model whose answers are planted in advance (see CatalogEntry). */
  knownAnswers?: boolean;
  /** Time spent downloading the model for this run; 0 when it was already cached. */
  downloadMs: number;
  /** Time spent loading the model into memory (measured apart from inference). */
  loadMs: number;
  /** Output of the CLI calls that started the model, for error messages. */
  log: string[];
}

/** What `download` reports: the time spent, 0 when the model was already in the cache. */
export interface DownloadResult {
  downloadMs: number;
  alreadyCached: boolean;
}

/**
 * The core every runtime has: what the eval lifecycle uses to run a model and clean up. What
 * only some runtimes can do is an optional capability below, which the CLI checks for, so
 * that "this runtime has no model cache" is a fact of the types rather than a method that
 * throws at run time.
 */
export interface Runtime {
  readonly name: RuntimeName;
  detect(): Promise<RuntimeInfo>;
  /** Service up, download when needed, load, verify loaded. Warm-up is the caller's job. */
  start(alias: string, options?: StartOptions): Promise<RunningModel>;
  /**
   * After a chat request found nothing listening at `model.baseURL`: find where the service
   * went, load the model again when the restart dropped it, and return the model with its new
   * address. Only for runtimes whose address can move under a run (Foundry Local takes a new
   * port at every start); the others leave it out and the request's failure stands.
   */
  reconnect?(model: RunningModel, options?: StartOptions): Promise<RunningModel>;
  /** Unload the model (forcefully); stop what this adapter started for it. */
  stop(model: RunningModel): Promise<void>;
  /** Pids of the processes that serve the model, sampled for memory and CPU. */
  processes(model: RunningModel): Promise<number[]>;
  /** Stop everything this adapter instance started (service, servers). Idempotent. */
  dispose(): Promise<void>;
  /**
   * dispose() for signal and exit handlers, where nothing asynchronous gets to finish (vitest
   * exits right after SIGINT): synchronous and best-effort. Kill the processes this instance
   * started, or run the runtime's stop command synchronously with a short timeout.
   */
  abandon(): void;

  /** The models the runtime can serve. */
  readonly catalog?: ModelCatalog;
  /** The model files kept on this machine. */
  readonly cache?: ModelCache;
  /** A long-running service that serves the models, outliving the command that started it. */
  readonly service?: ModelService;
  /** How much memory a model takes, from the runtime's own figures: checked before it is loaded. */
  readonly memory?: ModelMemory;
}

export interface ModelMemory {
  /**
   * Null when the runtime cannot tell (a model it has not downloaded and has no size for).
   * `options` as for start(): a runtime whose catalog needs its service starts it here.
   */
  need(alias: string, options?: StartOptions): Promise<MemoryNeed | null>;
}

export interface ModelCatalog {
  list(): Promise<CatalogEntry[]>;
}

export interface ModelCache {
  list(): Promise<CachedModel[]>;
  /** The folder the models are kept in. */
  location(): Promise<string>;
  /** Delete a model's files; returns what was deleted. */
  remove(alias: string): Promise<CachedModel[]>;
  /** Download (or generate) a model into the cache without loading it. */
  download(alias: string, options?: StartOptions): Promise<DownloadResult>;
}

export interface ModelService {
  status(): Promise<ServiceStatus>;
  /** The models the service has loaded. */
  loaded(): Promise<LoadedModel[]>;
  /** Starting and stopping; absent when the service is not edge-evals' to manage (an OpenAI-compatible endpoint). */
  readonly control?: ServiceControl;
}

export interface ServiceControl {
  /** Start the service in the background, or find it running. */
  start(options?: StartOptions): Promise<ServiceStatus>;
  stop(): Promise<void>;
}

/** A runtime whose type says it has these capabilities (what an adapter's factory returns). */
export type RuntimeWith<Capability extends 'catalog' | 'cache' | 'service' | 'memory'> = Runtime & Required<Pick<Runtime, Capability>>;
