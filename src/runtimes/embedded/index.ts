// The embedded runtime adapter: node-llama-cpp behind edge-evals' own OpenAI-compatible
// server (`edge-evals serve`), with the synthetic fixture models and downloadable GGUF models
// of src/embedded/catalog.ts. It is the default runtime, so that a fresh machine with no GPU,
// no Foundry and no internet can run the whole job.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError, type CachedModel, type CatalogEntry } from '../../contract/runtime.ts';
import { EMBEDDED_CATALOG, findCatalogEntry } from '../../embedded/catalog.ts';
import { ggufMemoryNeed } from '../../embedded/memory-need.ts';
import type {
  DownloadResult,
  LoadedModel,
  ModelCache,
  ModelCatalog,
  ModelMemory,
  ModelService,
  RunningModel,
  RuntimeInfo,
  RuntimeWith,
  ServiceStatus,
  StartOptions,
} from '../types.ts';
import { EmbeddedService, type ServiceState } from './service.ts';

export function createEmbeddedRuntime(config: EvalConfig): RuntimeWith<'catalog' | 'cache' | 'service' | 'memory'> {
  return new EmbeddedRuntime(config);
}

interface LoadResponse {
  alias: string;
  modelId: string;
  loadMs: number;
}

class EmbeddedRuntime implements RuntimeWith<'catalog' | 'cache' | 'service' | 'memory'> {
  readonly name = 'embedded' as const;
  readonly memory: ModelMemory = { need: (alias) => ggufMemoryNeed(alias, this.config.cacheDir) };
  private readonly embeddedService: EmbeddedService;
  /** Set when start() had to start the service: dispose() stops it again. */
  private ownedService = false;

  constructor(private readonly config: EvalConfig) {
    this.embeddedService = new EmbeddedService(config.cacheDir);
  }

  private get modelsDir(): string {
    return path.join(this.config.cacheDir, 'models');
  }

  async detect(): Promise<RuntimeInfo> {
    const { getModuleVersion } = await import('node-llama-cpp');
    const version = await getModuleVersion();
    return { name: 'embedded', installed: true, version: `node-llama-cpp ${version}` };
  }

  readonly catalog: ModelCatalog = {
    list: async (): Promise<CatalogEntry[]> => {
      return EMBEDDED_CATALOG.map((entry) => ({
        ...entry,
        cached: existsSync(path.join(this.modelsDir, entry.fileName)),
      }));
    },
  };

  readonly cache: ModelCache = {
    list: async (): Promise<CachedModel[]> => {
      const { listCachedModels } = await import('../../embedded/model-files.ts');
      return listCachedModels(this.config.cacheDir);
    },
    location: async (): Promise<string> => this.modelsDir,
    remove: async (alias: string): Promise<CachedModel[]> => {
      const { removeCachedModel } = await import('../../embedded/model-files.ts');
      return removeCachedModel(this.config.cacheDir, alias);
    },
    download: async (alias: string, options: StartOptions = {}): Promise<DownloadResult> => {
      const entry = findCatalogEntry(alias);
      if (entry === undefined) {
        // Not in the catalog: a .gguf path or a file in the cache, found as is, or an error that
        // lists the close names.
        const { locateModel } = await import('../../embedded/model-files.ts');
        locateModel(alias, { cacheDir: this.config.cacheDir, allowPaths: true });
        return { downloadMs: 0, alreadyCached: true };
      }
      const started = performance.now();
      if (entry.kind === 'generated') {
        const { ensureSyntheticModel, isSyntheticAlias } = await import('../../embedded/synthetic/index.ts');
        if (!isSyntheticAlias(entry.alias)) throw new RuntimeError(`No generator for synthetic model '${entry.alias}'.`);
        const file = await ensureSyntheticModel(entry.alias, this.modelsDir, {
          onProgress: (message: string) => options.onProgress?.({ phase: 'download', message }),
        });
        return { downloadMs: file.generated ? performance.now() - started : 0, alreadyCached: !file.generated };
      }
      if (existsSync(path.join(this.modelsDir, entry.fileName))) return { downloadMs: 0, alreadyCached: true };
      const { downloadModel } = await import('../../embedded/model-files.ts');
      await downloadModel(entry, this.config.cacheDir, {
        signal: options.signal,
        onProgress: (percent: number) =>
          options.onProgress?.({ phase: 'download', message: `downloading ${entry.alias}`, percent }),
      });
      return { downloadMs: performance.now() - started, alreadyCached: false };
    },
  };

  readonly service: ModelService = {
    status: async (): Promise<ServiceStatus> => {
      const state = await this.embeddedService.status();
      return toStatus(state);
    },
    loaded: async (): Promise<LoadedModel[]> => {
      const state = await this.embeddedService.status();
      if (state === null) return [];
      const body = await this.request<{ models: LoadedModel[] }>(state, 'GET', '/models/loaded');
      return body.models.map(({ alias, modelId }) => ({ alias, modelId }));
    },
    control: {
      /** Starts the service for the user: it keeps running after this process ends. */
      start: async (options: StartOptions = {}): Promise<ServiceStatus> => {
        const { state, started } = await this.embeddedService.start({
          threads: this.config.threads,
          modelFiles: this.modelFiles(),
          timeoutMs: options.timeoutMs,
          signal: options.signal,
        });
        return { ...toStatus(state), startedByUs: started };
      },
      stop: async (): Promise<void> => {
        await this.embeddedService.stop();
        this.ownedService = false;
      },
    },
  };

  /**
   * The .gguf files among EVAL_MODELS, for the service's command line: the service loads files
   * that its command line names, never other paths a request sends.
   */
  private modelFiles(): string[] {
    return (this.config.models ?? []).filter((spec) => spec.toLowerCase().endsWith('.gguf')).map((spec) => path.resolve(spec));
  }

  async start(alias: string, options: StartOptions = {}): Promise<RunningModel> {
    // The model is found (or generated, or downloaded) before any service is started for it.
    const { downloadMs } = await this.cache.download(alias, options);
    const { locateModel } = await import('../../embedded/model-files.ts');
    const location = locateModel(alias, { cacheDir: this.config.cacheDir, allowPaths: true });
    const log: string[] = [];
    let state = await this.embeddedService.status();
    if (state === null) {
      options.onProgress?.({ phase: 'service', message: 'starting the embedded model service' });
      // Bound to this process: if it dies without cleaning up, the service exits too.
      const started = await this.embeddedService.start({
        threads: this.config.threads,
        modelFiles: this.modelFiles(),
        exitWithPid: process.pid,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
      state = started.state;
      this.ownedService = started.started;
      log.push(`service started: ${state.url} (pid ${state.pid})`);
    }
    options.onProgress?.({ phase: 'load', message: `loading ${alias}` });
    // A file loads by its path, which the service's command line must have named.
    const name = location.origin === 'path' ? location.path : alias;
    const loadStarted = performance.now();
    const loaded = await this.request<LoadResponse>(state, 'POST', `/models/load/${encodeURIComponent(name)}`, options.timeoutMs).catch((error: unknown) => {
      if (!(error instanceof ServiceRequestError) || error.code !== 'model_path_not_allowed') throw error;
      throw new RuntimeError(`The embedded model service (pid ${state.pid}) was started without ${location.path}, and loads no other files.`, {
        hint: 'stop it (edge-evals service stop) and run again: the service edge-evals starts is given every .gguf file in EVAL_MODELS',
      });
    });
    const loadMs = performance.now() - loadStarted;
    log.push(`loaded ${loaded.modelId} in ${Math.round(loadMs)} ms`);
    return {
      alias,
      modelId: loaded.modelId,
      baseURL: `${state.url}/v1`,
      apiKey: state.apiKey,
      synthetic: location.synthetic,
      knownAnswers: location.knownAnswers,
      downloadMs,
      loadMs,
      log,
    };
  }

  async stop(model: RunningModel): Promise<void> {
    const state = await this.embeddedService.status();
    if (state === null) return; // the service is gone, and the model with it
    await this.request(state, 'POST', `/models/unload/${encodeURIComponent(model.modelId)}`);
  }

  async processes(): Promise<number[]> {
    const state = await this.embeddedService.status();
    return state === null ? [] : [state.pid];
  }

  async dispose(): Promise<void> {
    if (!this.ownedService) return;
    this.ownedService = false;
    await this.embeddedService.stop();
  }

  abandon(): void {
    if (!this.ownedService) return;
    this.ownedService = false;
    this.embeddedService.abandon();
  }

  private async request<T>(state: ServiceState, method: 'GET' | 'POST', route: string, timeoutMs = 120_000): Promise<T> {
    const url = `${state.url}${route}`;
    let response: Response;
    try {
      const headers: Record<string, string> = state.apiKey === undefined ? {} : { authorization: `Bearer ${state.apiKey}` };
      response = await fetch(url, { method, headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new RuntimeError(`The embedded model service did not answer ${method} ${route}: ${(error as Error).message}`, {
        hint: `see ${state.logFile}`,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      const { message, code } = errorOf(text);
      throw new ServiceRequestError(`${method} ${route} failed with HTTP ${response.status}: ${message}`, code, state.logFile);
    }
    return JSON.parse(text) as T;
  }
}

/** The service refused a request; `code` is its OpenAI error code. */
class ServiceRequestError extends RuntimeError {
  constructor(
    message: string,
    readonly code: string | null,
    logFile: string,
  ) {
    super(message, { hint: `see ${logFile}` });
    this.name = 'ServiceRequestError';
  }
}

function toStatus(state: ServiceState | null): ServiceStatus {
  return state === null
    ? { running: false, baseURL: null, pid: null }
    : { running: true, baseURL: `${state.url}/v1`, pid: state.pid };
}

function errorOf(body: string): { message: string; code: string | null } {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; code?: string } };
    return { message: parsed.error?.message ?? body, code: parsed.error?.code ?? null };
  } catch {
    return { message: body.slice(0, 500), code: null };
  }
}
