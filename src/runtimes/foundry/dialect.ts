// What differs between Foundry Local's two CLI generations, behind one shape: how the service
// is found, started and stopped, how the catalog and the cache are read, and which REST paths
// load and unload a model. Everything else (resolution, lifecycle, verification) is shared in
// index.ts.
import type { FoundryCachedRow, FoundryGeneration, FoundryModelRow } from './parse.ts';

export interface ServiceEndpoint {
  /** Origin of the service, e.g. `http://127.0.0.1:52364` (the OpenAI API is under `/v1`). */
  url: string;
  /** Pid of the service process, when the CLI tells it. */
  pid: number | null;
}

export interface FoundryDialect {
  readonly generation: FoundryGeneration;
  /** The running service, or null when none runs. A service that answers nothing is an error. */
  discover(): Promise<ServiceEndpoint | null>;
  /** Start the service and wait (with a deadline) until it answers. */
  start(deadlineMs: number, signal?: AbortSignal): Promise<ServiceEndpoint>;
  stop(): Promise<void>;
  /** stop() for exit handlers: synchronous, best effort. */
  stopSync(): void;
  /** Catalog variants in the CLI's priority order. */
  catalog(): Promise<FoundryModelRow[]>;
  /** The ID with `:N` the chat endpoint needs, for a resolved catalog row. */
  fullModelId(row: FoundryModelRow, requested: string): Promise<string>;
  cacheList(): Promise<FoundryCachedRow[]>;
  cacheLocation(): Promise<string>;
  /** Remove from the cache; returns the names the CLI reported as removed. */
  cacheRemove(name: string): Promise<string[]>;
  download(modelId: string, onPercent: (percent: number) => void, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  loadPath(modelId: string): string;
  /** A forced unload: Gen A keeps a TTL-held model loaded otherwise. */
  unloadPath(modelId: string): string;
}
