// The Foundry Local adapter, for both CLI generations (docs/foundry-local.md): the generation is detected
// from `foundry --help`, the service endpoint is always discovered (never a fixed port) and
// re-discovered when the service has moved, aliases resolve to full variant IDs (with `:N`)
// through the catalog, and a model is downloaded (with progress), loaded, verified as loaded,
// and unloaded with force.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError, type CachedModel, type CatalogEntry } from '../../contract/runtime.ts';
import { isConnectionRefused } from '../../util/network.ts';
import { isAlive } from '../../util/process-tree.ts';
import { errorMessage, httpRequest, type HttpAnswer } from '../http.ts';
import type {
  LoadedModel,
  ModelCache,
  ModelCatalog,
  ModelService,
  RunningModel,
  RuntimeInfo,
  RuntimeWith,
  ServiceStatus,
  StartOptions,
} from '../types.ts';
import { FoundryCli } from './cli.ts';
import type { FoundryDialect, ServiceEndpoint } from './dialect.ts';
import { GenerationA } from './generation-a.ts';
import { GenerationB } from './generation-b.ts';
import { detectGeneration, parseLoadedModelIds, parseVersion, resolveModel, type FoundryModelRow } from './parse.ts';

export function createFoundryRuntime(config: EvalConfig): RuntimeWith<'catalog' | 'cache' | 'service'> {
  return new FoundryRuntime(config);
}

/** How long the service may take to start: the legacy SDK's 1 s was too short (microsoft/Foundry-Local#337). */
const SERVICE_START_TIMEOUT_MS = 60_000;
/** Downloads are GB-sized; the C# SDK allows two hours. */
const DOWNLOAD_TIMEOUT_MS = 2 * 60 * 60_000;

interface Detected {
  info: RuntimeInfo;
  dialect: FoundryDialect | null;
}

class FoundryRuntime implements RuntimeWith<'catalog' | 'cache' | 'service'> {
  readonly name = 'foundry' as const;
  readonly catalog: ModelCatalog = { list: () => this.listCatalog() };
  readonly cache: ModelCache = {
    list: () => this.cacheList(),
    location: () => this.cacheLocation(),
    remove: (alias) => this.cacheRemove(alias),
    download: (alias, options) => this.download(alias, options),
  };
  readonly service: ModelService = {
    status: () => this.serviceStatus(),
    loaded: () => this.loadedModels(),
    control: {
      start: (options) => this.serviceStart(options),
      stop: () => this.serviceStop(),
    },
  };
  private readonly cli: FoundryCli;
  private detected: Promise<Detected> | null = null;
  private endpoint: ServiceEndpoint | null = null;
  /**
   * Set when this instance started the service (for an eval run, or as a side effect of a Gen
   * A command that starts it by itself): dispose() stops it. Not set by serviceStart(), whose
   * service is the user's to keep.
   */
  private ownsService = false;
  private catalogRows: Promise<FoundryModelRow[]> | null = null;
  /** The dialect once detected, for abandon(), which cannot wait for anything. */
  private knownDialect: FoundryDialect | null = null;

  constructor(private readonly config: EvalConfig) {
    this.cli = new FoundryCli(config.bins.foundry);
  }

  async detect(): Promise<RuntimeInfo> {
    return (await this.detection()).info;
  }

  private async listCatalog(): Promise<CatalogEntry[]> {
    const rows = await this.rows();
    // Gen A's table has no cached column: the cache list fills it in.
    const cached = rows.some((row) => row.cached === undefined) ? await (await this.dialect()).cacheList() : [];
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
  }

  private async cacheList(): Promise<CachedModel[]> {
    const rows = await (await this.dialect()).cacheList();
    return rows.map((row) => ({ alias: row.alias ?? row.modelId, modelId: row.modelId }));
  }

  private async cacheLocation(): Promise<string> {
    return (await this.dialect()).cacheLocation();
  }

  private async cacheRemove(alias: string): Promise<CachedModel[]> {
    const dialect = await this.dialect();
    const cached = await this.cacheList();
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
  }

  private async serviceStatus(): Promise<ServiceStatus> {
    const endpoint = await (await this.dialect()).discover();
    this.endpoint = endpoint;
    return endpoint === null
      ? { running: false, baseURL: null, pid: null }
      : { running: true, baseURL: `${endpoint.url}/v1`, pid: endpoint.pid, startedByUs: this.ownsService };
  }

  /** For `edge-evals service start`: the service keeps running after this process ends. */
  private async serviceStart(options: StartOptions = {}): Promise<ServiceStatus> {
    const { endpoint, started } = await this.ensureService(options);
    return { running: true, baseURL: `${endpoint.url}/v1`, pid: endpoint.pid, startedByUs: started };
  }

  private async serviceStop(): Promise<void> {
    await (await this.dialect()).stop();
    this.endpoint = null;
    this.ownsService = false;
  }

  private async loadedModels(): Promise<LoadedModel[]> {
    const dialect = await this.dialect();
    this.endpoint ??= await dialect.discover();
    if (this.endpoint === null) return [];
    const ids = await this.loadedIds({ startIfStopped: false });
    const rows = await this.rows().catch(() => []);
    return ids.map((modelId) => ({ alias: aliasOf(rows, modelId) ?? modelId, modelId }));
  }

  private async download(alias: string, options: StartOptions = {}): Promise<{ downloadMs: number; alreadyCached: boolean }> {
    const { modelId } = await this.resolve(alias);
    return this.downloadId(modelId, options);
  }

  async start(alias: string, options: StartOptions = {}): Promise<RunningModel> {
    const log: string[] = [];
    const { endpoint, started } = await this.ensureService(options);
    if (started) this.ownsService = true;
    log.push(started ? `started Foundry Local's service at ${endpoint.url}` : `found Foundry Local's service at ${endpoint.url}`);
    const { modelId } = await this.resolve(alias);
    log.push(`${alias} -> ${modelId}`);
    const { downloadMs, alreadyCached } = await this.downloadId(modelId, options);
    log.push(alreadyCached ? `${modelId} is in the cache` : `downloaded ${modelId} in ${Math.round(downloadMs)} ms`);

    const loadMs = await this.load(alias, modelId, log, options);
    const current = this.endpoint ?? endpoint;
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
    this.endpoint = null;
    const { endpoint, started } = await this.ensureService(options);
    if (started) this.ownsService = true;
    const log = [...model.log, started ? `started Foundry Local's service again at ${endpoint.url}` : `found Foundry Local's service at ${endpoint.url}`];
    const loaded = await this.loadedIds({ startIfStopped: false });
    if (!loaded.some((id) => sameId(id, model.modelId))) await this.load(model.alias, model.modelId, log, options);
    const current = this.endpoint ?? endpoint;
    return { ...model, baseURL: `${current.url}/v1`, log };
  }

  /** Load the model and check that the service lists it as loaded; returns the load time. */
  private async load(alias: string, modelId: string, log: string[], options: StartOptions): Promise<number> {
    options.onProgress?.({ phase: 'load', message: `loading ${modelId}` });
    const dialect = await this.dialect();
    const loadStarted = performance.now();
    const answer = await this.request(dialect.loadPath(modelId), { timeoutMs: options.timeoutMs ?? this.config.loadTimeoutMs, signal: options.signal, startIfStopped: true });
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
    const loaded = await this.loadedIds({ startIfStopped: false });
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
    const dialect = await this.dialect();
    let answer: HttpAnswer | null;
    try {
      answer = await this.request(dialect.unloadPath(model.modelId), { timeoutMs: 120_000, startIfStopped: false });
    } catch (error) {
      if (error instanceof ServiceGone) return; // no service, no loaded model
      throw error;
    }
    if (answer.status !== 200) {
      throw new RuntimeError(`Foundry Local failed to unload ${model.modelId}: HTTP ${answer.status}: ${errorMessage(answer.text)}`);
    }
    const loaded = await this.loadedIds({ startIfStopped: false }).catch((error: unknown) => {
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
    const known = this.endpoint?.pid ?? null;
    if (known !== null && isAlive(known)) return [known];
    const dialect = await this.dialect();
    if (dialect.generation === 'A') return [];
    const pid = (await dialect.discover())?.pid ?? null;
    return pid !== null && isAlive(pid) ? [pid] : [];
  }

  async dispose(): Promise<void> {
    if (!this.ownsService) return;
    this.ownsService = false;
    this.endpoint = null;
    await (await this.dialect()).stop();
  }

  abandon(): void {
    if (!this.ownsService) return;
    this.ownsService = false;
    this.knownDialect?.stopSync();
  }

  // ---------------------------------------------------------------------------------------

  private detection(): Promise<Detected> {
    this.detected ??= this.detectNow();
    return this.detected;
  }

  private async detectNow(): Promise<Detected> {
    const absent: Detected = { info: { name: 'foundry', installed: false, version: null, executable: this.config.bins.foundry }, dialect: null };
    let version: string | null;
    let help: string;
    try {
      [version, help] = await Promise.all([
        this.cli.run(['--version'], { timeoutMs: 30_000 }).then((result) => parseVersion(result.output)),
        this.cli.run(['--help'], { timeoutMs: 30_000 }).then((result) => result.output),
      ]);
    } catch (error) {
      if (error instanceof RuntimeError) return absent;
      throw error;
    }
    const generation = detectGeneration(help, version);
    const info: RuntimeInfo = { name: 'foundry', installed: true, version, executable: this.config.bins.foundry };
    if (generation === null) return { info, dialect: null };
    info.generation = generation;
    if (generation === 'B') {
      this.knownDialect = new GenerationB(this.cli);
    } else {
      mkdirSync(this.config.cacheDir, { recursive: true });
      const dialect = new GenerationA(this.cli, path.join(this.config.cacheDir, 'foundry-service-start.log'), () => {
        this.ownsService = true;
      });
      this.knownDialect = dialect;
    }
    return { info, dialect: this.knownDialect };
  }

  private async dialect(): Promise<FoundryDialect> {
    const { info, dialect } = await this.detection();
    if (!info.installed) {
      throw new RuntimeError(`The Foundry Local CLI '${this.config.bins.foundry}' was not found.`, {
        hint: 'install Foundry Local (winget install Microsoft.FoundryLocal, brew install foundrylocal, or the 0.10 CLI release), or set FOUNDRY_BIN',
      });
    }
    if (dialect === null) {
      throw new RuntimeError(`'${this.cli.commandLine(['--help'])}' lists neither a 'service' nor a 'server' command: unknown Foundry Local CLI generation.`, {
        hint: `found version ${info.version ?? 'unknown'}`,
      });
    }
    return dialect;
  }

  /** The running service, started (with a deadline) when none runs. */
  private async ensureService(options: StartOptions): Promise<{ endpoint: ServiceEndpoint; started: boolean }> {
    const dialect = await this.dialect();
    const found = this.endpoint ?? (await dialect.discover());
    if (found !== null) {
      this.endpoint = found;
      return { endpoint: found, started: false };
    }
    options.onProgress?.({ phase: 'service', message: "starting Foundry Local's service" });
    const endpoint = await dialect.start(Date.now() + (options.timeoutMs ?? SERVICE_START_TIMEOUT_MS), options.signal);
    this.endpoint = endpoint;
    return { endpoint, started: true };
  }

  /**
   * An HTTP call to the service. When the connection is refused (the service restarted on
   * another port, or stopped), the endpoint is discovered again and the call retried once.
   */
  private async request(route: string, options: { timeoutMs: number; signal?: AbortSignal; startIfStopped: boolean }): Promise<HttpAnswer> {
    const dialect = await this.dialect();
    this.endpoint ??= await dialect.discover();
    if (this.endpoint === null && !options.startIfStopped) throw new ServiceGone();
    const endpoint = this.endpoint ?? (await this.ensureService({ signal: options.signal })).endpoint;
    try {
      return await httpRequest(`${endpoint.url}${route}`, options);
    } catch (error) {
      if (!isConnectionRefused(error)) throw this.noAnswer(route, error);
    }
    this.endpoint = await dialect.discover();
    if (this.endpoint === null) {
      if (!options.startIfStopped) throw new ServiceGone();
      this.endpoint = (await this.ensureService({ signal: options.signal })).endpoint;
    }
    try {
      return await httpRequest(`${this.endpoint.url}${route}`, options);
    } catch (error) {
      throw this.noAnswer(route, error);
    }
  }

  private noAnswer(route: string, error: unknown): RuntimeError {
    return new RuntimeError(`Foundry Local's service did not answer ${route}: ${(error as Error).message}`, {
      hint: `check '${this.cli.commandLine([this.knownDialect?.generation === 'B' ? 'server' : 'service', 'status'])}'`,
    });
  }

  /** `/models/loaded` (Gen B) or `/openai/loadedmodels` (Gen A), whichever answers: Aspire's pattern. */
  private async loadedIds(options: { startIfStopped: boolean }): Promise<string[]> {
    for (const route of ['/models/loaded', '/openai/loadedmodels']) {
      const answer = await this.request(route, { timeoutMs: 30_000, ...options });
      if (answer.status === 404) continue;
      const ids = answer.status === 200 ? parseLoadedModelIds(safeJson(answer.text)) : null;
      if (ids === null) throw new RuntimeError(`Foundry Local's ${route} answered HTTP ${answer.status} without a list of models.`, { output: answer.text.slice(0, 2_000) });
      return ids;
    }
    throw new RuntimeError("Foundry Local's service answers neither /models/loaded nor /openai/loadedmodels.");
  }

  private rows(): Promise<FoundryModelRow[]> {
    this.catalogRows ??= this.dialect().then((dialect) => dialect.catalog());
    this.catalogRows.catch(() => {
      this.catalogRows = null; // a failed listing is retried next time
    });
    return this.catalogRows;
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
    const modelId = await (await this.dialect()).fullModelId(resolution.row, requested);
    return { row: resolution.row, modelId };
  }

  private async downloadId(modelId: string, options: StartOptions): Promise<{ downloadMs: number; alreadyCached: boolean }> {
    const dialect = await this.dialect();
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

/** The service is not running and the caller did not want it started. */
class ServiceGone extends Error {}

/** Case-insensitive, and an ID without `:N` (older builds) matches any version of it. */
function sameId(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x === y || x.replace(/:\d+$/, '') === y || y.replace(/:\d+$/, '') === x;
}

function aliasOf(rows: readonly FoundryModelRow[], modelId: string): string | undefined {
  return rows.find((row) => sameId(row.modelId, modelId))?.alias;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
