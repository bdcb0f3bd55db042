// The Foundry Local adapter, for both CLI generations (docs/foundry-local.md): the generation
// is detected from `foundry --help` and the service endpoint always discovered, never a fixed
// port, and discovered again when the service has moved (connection.ts); aliases resolve to
// full variant IDs (with `:N`) through the catalog, and a model is downloaded (with progress),
// loaded, verified as loaded, and unloaded with force.
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError, type CachedModel, type CatalogEntry, type MemoryNeed } from '../../contract/runtime.ts';
import { isAlive } from '../../util/process-tree.ts';
import { errorMessage, type HttpAnswer } from '../http.ts';
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
import { FoundryCli } from './cli.ts';
import { resolveModel, type FoundryModelRow } from './parse.ts';
import { ServiceConnection, ServiceGone } from './connection.ts';

export function createFoundryRuntime(config: EvalConfig): RuntimeWith<'catalog' | 'cache' | 'service' | 'memory'> {
  return new FoundryRuntime(config);
}

/** Downloads are GB-sized; the C# SDK allows two hours. */
const DOWNLOAD_TIMEOUT_MS = 2 * 60 * 60_000;

class FoundryRuntime implements RuntimeWith<'catalog' | 'cache' | 'service' | 'memory'> {
  readonly name = 'foundry' as const;
  readonly memory: ModelMemory = { need: (alias, options) => this.memoryNeed(alias, options) };
  private readonly cli: FoundryCli;
  private readonly connection: ServiceConnection;
  /**
   * Set when this instance started the service (for an eval run, or as a side effect of a Gen
   * A command that starts it by itself): dispose() stops it. Not set by service.control.start(), whose
   * service is the user's to keep.
   */
  private ownsService = false;
  private catalogRows: Promise<FoundryModelRow[]> | null = null;

  constructor(private readonly config: EvalConfig) {
    this.cli = new FoundryCli(config.bins.foundry);
    this.connection = new ServiceConnection(this.cli, config, () => {
      this.ownsService = true;
    });
  }

  async detect(): Promise<RuntimeInfo> {
    return (await this.connection.detection()).info;
  }

  readonly catalog: ModelCatalog = {
    list: async (): Promise<CatalogEntry[]> => {
      const rows = await this.rows();
      // Gen A's table has no cached column: the cache list fills it in.
      const cached = rows.some((row) => row.cached === undefined) ? await (await this.connection.dialect()).cacheList() : [];
      return rows.map((row) => ({
        alias: row.alias,
        modelId: row.modelId,
        device: row.device,
        task: row.task,
        sizeBytes: row.sizeBytes,
        license: row.license,
        cached: row.cached ?? cached.some((entry) => sameId(entry.modelId, row.modelId)),
        source: 'foundry',
        synthetic: false,
      }));
    },
  };

  readonly cache: ModelCache = {
    list: async (): Promise<CachedModel[]> => {
      const rows = await (await this.connection.dialect()).cacheList();
      return rows.map((row) => ({ alias: row.alias ?? row.modelId, modelId: row.modelId }));
    },
    location: async (): Promise<string> => (await this.connection.dialect()).cacheLocation(),
    remove: async (alias: string): Promise<CachedModel[]> => {
      const dialect = await this.connection.dialect();
      const cached = await this.cache.list();
      const matches = (entry: CachedModel, name: string) =>
        entry.alias.toLowerCase() === name.toLowerCase() || entry.modelId.toLowerCase() === name.toLowerCase();
      if (!cached.some((entry) => matches(entry, alias))) {
        const names = [...new Set(cached.map((entry) => entry.alias))];
        throw new RuntimeError(`'${alias}' is not in Foundry Local's cache.`, {
          hint: names.length === 0 ? 'the cache is empty' : `cached: ${names.join(', ')}`,
        });
      }
      const removed = await dialect.cacheRemove(alias);
      return cached.filter((entry) => removed.some((name) => matches(entry, name)));
    },
    download: async (alias: string, options: StartOptions = {}): Promise<DownloadResult> => {
      const { modelId } = await this.resolve(alias);
      return this.downloadId(modelId, options);
    },
  };

  readonly service: ModelService = {
    status: async (): Promise<ServiceStatus> => {
      const endpoint = await (await this.connection.dialect()).discover();
      this.connection.endpoint = endpoint;
      return endpoint === null
        ? { running: false, baseURL: null, pid: null }
        : { running: true, baseURL: `${endpoint.url}/v1`, pid: endpoint.pid, startedByUs: this.ownsService };
    },
    loaded: async (): Promise<LoadedModel[]> => {
      const dialect = await this.connection.dialect();
      this.connection.endpoint ??= await dialect.discover();
      if (this.connection.endpoint === null) return [];
      const ids = await this.connection.loadedIds({ startIfStopped: false });
      const rows = await this.rows().catch(() => []);
      return ids.map((modelId) => ({ alias: aliasOf(rows, modelId) ?? modelId, modelId }));
    },
    control: {
      /** For `edge-evals service start`: the service keeps running after this process ends. */
      start: async (options: StartOptions = {}): Promise<ServiceStatus> => {
        const { endpoint, started } = await this.connection.ensureService(options);
        return { running: true, baseURL: `${endpoint.url}/v1`, pid: endpoint.pid, startedByUs: started };
      },
      stop: async (): Promise<void> => {
        await (await this.connection.dialect()).stop();
        this.connection.endpoint = null;
        this.ownsService = false;
      },
    },
  };

  async start(alias: string, options: StartOptions = {}): Promise<RunningModel> {
    const log: string[] = [];
    const { endpoint, started } = await this.connection.ensureService(options);
    if (started) this.ownsService = true;
    log.push(started ? `started Foundry Local's service at ${endpoint.url}` : `found Foundry Local's service at ${endpoint.url}`);
    const { modelId } = await this.resolve(alias);
    log.push(`${alias} -> ${modelId}`);
    const { downloadMs, alreadyCached } = await this.downloadId(modelId, options);
    log.push(alreadyCached ? `${modelId} is in the cache` : `downloaded ${modelId} in ${Math.round(downloadMs)} ms`);

    const loadMs = await this.load(alias, modelId, log, options);
    const current = this.connection.endpoint ?? endpoint;
    return {
      alias,
      modelId,
      baseURL: `${current.url}/v1`,
      synthetic: false,
      downloadMs,
      loadMs,
      log,
    };
  }

  /**
   * The service moved (a restart takes a new port) or stopped: discover it again, start it
   * when it is gone, and load the model again when the new service does not hold it.
   */
  async reconnect(model: RunningModel, options: StartOptions = {}): Promise<RunningModel> {
    // Forget the old address: ensureService discovers the service, and starts it when it is gone.
    this.connection.endpoint = null;
    const { endpoint, started } = await this.connection.ensureService(options);
    if (started) this.ownsService = true;
    const log = [...model.log, started ? `started Foundry Local's service again at ${endpoint.url}` : `found Foundry Local's service at ${endpoint.url}`];
    const loaded = await this.connection.loadedIds({ startIfStopped: false });
    if (!loaded.some((id) => sameId(id, model.modelId))) await this.load(model.alias, model.modelId, log, options);
    const current = this.connection.endpoint ?? endpoint;
    return { ...model, baseURL: `${current.url}/v1`, log };
  }

  /** Load the model and check that the service lists it as loaded; returns the load time. */
  private async load(alias: string, modelId: string, log: string[], options: StartOptions): Promise<number> {
    options.onProgress?.({ phase: 'load', message: `loading ${modelId}` });
    const dialect = await this.connection.dialect();
    const loadStarted = performance.now();
    const answer = await this.connection.request(dialect.loadPath(modelId), { timeoutMs: options.timeoutMs ?? this.config.loadTimeoutMs, signal: options.signal, startIfStopped: true });
    const loadMs = performance.now() - loadStarted;
    if (answer.status !== 200) {
      const message = errorMessage(answer.text);
      const notDownloaded = /No OpenAIService provider found/i.test(answer.text);
      throw new RuntimeError(
        notDownloaded
          ? `Foundry Local could not load ${modelId}: the service says it is not downloaded (${message}).`
          : `Foundry Local failed to load ${alias} (${modelId}): HTTP ${answer.status}: ${message}`,
        { output: [...log, answer.text].join('\n'), hint: `try '${this.cli.commandLine(['model', 'download', modelId])}', then load it again` },
      );
    }
    const loaded = await this.connection.loadedIds({ startIfStopped: false });
    if (!loaded.some((id) => sameId(id, modelId))) {
      throw new RuntimeError(`Foundry Local answered the load of ${modelId} but does not list it as loaded.`, {
        output: [...log, `loaded models: ${loaded.join(', ') || '(none)'}`].join('\n'),
      });
    }
    log.push(`loaded ${modelId} in ${Math.round(loadMs)} ms`);
    return loadMs;
  }

  /** Unload with force (a TTL-held model stays loaded otherwise), then check it is gone. */
  async stop(model: RunningModel): Promise<void> {
    const dialect = await this.connection.dialect();
    let answer: HttpAnswer | null;
    try {
      answer = await this.connection.request(dialect.unloadPath(model.modelId), { timeoutMs: 120_000, startIfStopped: false });
    } catch (error) {
      if (error instanceof ServiceGone) return; // no service, no loaded model
      throw error;
    }
    if (answer.status !== 200) {
      throw new RuntimeError(`Foundry Local failed to unload ${model.modelId}: HTTP ${answer.status}: ${errorMessage(answer.text)}`);
    }
    const loaded = await this.connection.loadedIds({ startIfStopped: false }).catch((error: unknown) => {
      if (error instanceof ServiceGone) return [];
      throw error;
    });
    if (loaded.some((id) => sameId(id, model.modelId))) {
      throw new RuntimeError(`${model.modelId} is still loaded after a forced unload.`, { output: `loaded models: ${loaded.join(', ')}` });
    }
  }

  async processes(): Promise<number[]> {
    // Called at every resource sample: the pid already known, while that process lives. Else
    // Gen B's status reports the daemon's pid; Gen A's only when it started the service.
    const known = this.connection.endpoint?.pid ?? null;
    if (known !== null && isAlive(known)) return [known];
    const dialect = await this.connection.dialect();
    if (dialect.generation === 'A') return [];
    const pid = (await dialect.discover())?.pid ?? null;
    return pid !== null && isAlive(pid) ? [pid] : [];
  }

  async dispose(): Promise<void> {
    if (!this.ownsService) return;
    this.ownsService = false;
    this.connection.endpoint = null;
    await (await this.connection.dialect()).stop();
  }

  abandon(): void {
    if (!this.ownsService) return;
    this.ownsService = false;
    this.connection.knownDialect?.stopSync();
  }

  private rows(): Promise<FoundryModelRow[]> {
    this.catalogRows ??= this.connection.dialect().then((dialect) => dialect.catalog());
    this.catalogRows.catch(() => {
      this.catalogRows = null; // a failed listing is retried next time
    });
    return this.catalogRows;
  }

  /**
   * The catalog's file size of the variant an alias picks; what context Foundry allocates is its
   * own affair. The service is started as start() starts it: Gen A's catalog would start it
   * silently, unowned.
   */
  private async memoryNeed(alias: string, options: StartOptions = {}): Promise<MemoryNeed | null> {
    const { started } = await this.connection.ensureService(options);
    if (started) this.ownsService = true;
    const size = resolveModel(await this.rows(), alias).row?.sizeBytes;
    return size === undefined || size === null ? null : { weightsBytes: size, contextBytes: null, source: "Foundry Local's catalog" };
  }

  /** Alias (or ID) to the catalog row and the full model ID the chat endpoint needs. */
  private async resolve(requested: string): Promise<{ row: FoundryModelRow; modelId: string }> {
    const rows = await this.rows();
    const resolution = resolveModel(rows, requested);
    if (resolution.row === null) {
      const close = resolution.suggestions;
      throw new RuntimeError(`Model '${requested}' is not in Foundry Local's catalog.`, {
        hint: close.length > 0 ? `did you mean ${close.join(', ')}?` : `run 'edge-evals model list --runtime foundry' to see the catalog`,
      });
    }
    const modelId = await (await this.connection.dialect()).fullModelId(resolution.row, requested);
    return { row: resolution.row, modelId };
  }

  private async downloadId(modelId: string, options: StartOptions): Promise<DownloadResult> {
    const dialect = await this.connection.dialect();
    const cached = await dialect.cacheList();
    if (cached.some((entry) => sameId(entry.modelId, modelId))) return { downloadMs: 0, alreadyCached: true };
    options.onProgress?.({ phase: 'download', message: `downloading ${modelId}`, percent: 0 });
    const started = performance.now();
    await dialect.download(
      modelId,
      (percent) => options.onProgress?.({ phase: 'download', message: `downloading ${modelId}`, percent }),
      DOWNLOAD_TIMEOUT_MS,
      options.signal,
    );
    return { downloadMs: performance.now() - started, alreadyCached: false };
  }
}

/** Case-insensitive, and an ID without `:N` (older builds) matches any version of it. */
function sameId(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x === y || x.replace(/:\d+$/, '') === y || y.replace(/:\d+$/, '') === x;
}

function aliasOf(rows: readonly FoundryModelRow[], modelId: string): string | undefined {
  return rows.find((row) => sameId(row.modelId, modelId))?.alias;
}
