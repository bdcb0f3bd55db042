// The llama.cpp `llama-server` adapter: one server process per model, started by this adapter
// (`-m <gguf> --host 127.0.0.1 --port <free> --alias <alias>`), ready when `/health` answers
// 200 (503 while the model loads), stopped with its process tree. Models are the .gguf files
// of edge-evals' model cache, the same ones the embedded runtime uses: the synthetic models
// (generated on demand), catalog models (downloaded), or any .gguf a user put there. There is
// no service that outlives a run, so the runtime has a catalog and a cache but no `service`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError, type CachedModel, type CatalogEntry } from '../../contract/runtime.ts';
import { EMBEDDED_CATALOG, findCatalogEntry } from '../../embedded/catalog.ts';
import { ggufMemoryNeed } from '../../embedded/memory-need.ts';
import { spawnDetached } from '../../util/detached.ts';
import { makeFolders } from '../../util/files.ts';
import { freePort } from '../../util/network.ts';
import { isAlive, killProcessTree, stopProcessTreeSync } from '../../util/process-tree.ts';
import { CliRunner } from '../cli-runner.ts';
import { httpRequest } from '../http.ts';
import type { DownloadResult, ModelCache, ModelCatalog, ModelMemory, RunningModel, RuntimeInfo, RuntimeWith, StartOptions } from '../types.ts';

export function createLlamaServerRuntime(config: EvalConfig): RuntimeWith<'catalog' | 'cache' | 'memory'> {
  return new LlamaServerRuntime(config);
}

interface ServerProcess {
  alias: string;
  pid: number;
  url: string;
}

/** Attempts when the free port found was taken before llama-server could bind it. */
const PORT_ATTEMPTS = 3;

/** `version: 6123 (a1b2c3d4)` -> `b6123 (a1b2c3d4)`, the way llama.cpp names its builds. */
export function parseLlamaServerVersion(output: string): string | null {
  const match = /version: (\d+) \(([0-9a-f]+)\)/.exec(output);
  return match === null ? null : `b${match[1]} (${match[2]})`;
}

class LlamaServerRuntime implements RuntimeWith<'catalog' | 'cache' | 'memory'> {
  readonly name = 'llama-server' as const;
  readonly memory: ModelMemory = { need: (alias) => ggufMemoryNeed(alias, this.config.cacheDir) };
  private readonly servers = new Map<string, ServerProcess>();

  constructor(private readonly config: EvalConfig) {}

  private get modelsDir(): string {
    return path.join(this.config.cacheDir, 'models');
  }

  async detect(): Promise<RuntimeInfo> {
    const info: RuntimeInfo = { name: 'llama-server', installed: false, version: null, executable: this.config.bins.llamaServer };
    const llamaServer = new CliRunner({ bin: this.config.bins.llamaServer, label: 'llama-server', installHint: 'install llama.cpp, or set LLAMA_SERVER_BIN' });
    const output = await llamaServer.probe(['--version']);
    return output === null ? info : { ...info, installed: true, version: parseLlamaServerVersion(output) };
  }

  readonly catalog: ModelCatalog = {
    list: async (): Promise<CatalogEntry[]> => {
      const cached = await this.cache.list();
      const known: CatalogEntry[] = EMBEDDED_CATALOG.map(({ kind: _kind, fileName, ...entry }) => ({
        ...entry,
        cached: existsSync(path.join(this.modelsDir, fileName)),
      }));
      const others = cached
        .filter((file) => findCatalogEntry(file.alias) === undefined)
        .map((file) => ({ alias: file.alias, modelId: file.modelId, sizeBytes: file.sizeBytes ?? null, source: file.path ?? 'cache', synthetic: false, cached: true }));
      return [...known, ...others];
    },
  };

  readonly cache: ModelCache = {
    list: async (): Promise<CachedModel[]> => {
      const { listCachedModels } = await import('../../embedded/model-files.ts');
      return (await listCachedModels(this.config.cacheDir)).map(({ alias, modelId, path: file, sizeBytes }) => ({ alias, modelId, path: file, sizeBytes }));
    },
    location: async (): Promise<string> => this.modelsDir,
    remove: async (alias: string): Promise<CachedModel[]> => {
      const { removeCachedModel } = await import('../../embedded/model-files.ts');
      const removed = await removeCachedModel(this.config.cacheDir, alias);
      if (removed.length === 0) throw new RuntimeError(`'${alias}' is not in the model cache (${this.modelsDir}).`);
      return removed.map(({ alias: name, modelId, path: file, sizeBytes }) => ({ alias: name, modelId, path: file, sizeBytes }));
    },
    download: async (alias: string, options: StartOptions = {}): Promise<DownloadResult> => {
      const { downloadMs, alreadyCached } = await this.modelFile(alias, options);
      return { downloadMs, alreadyCached };
    },
  };

  async start(alias: string, options: StartOptions = {}): Promise<RunningModel> {
    const file = await this.modelFile(alias, options);
    const log = [file.alreadyCached ? `using ${file.path}` : `prepared ${file.path} in ${Math.round(file.downloadMs)} ms`];
    options.onProgress?.({ phase: 'load', message: `starting llama-server for ${alias}` });
    const loadStarted = performance.now();
    let server: ServerProcess | null = null;
    for (let attempt = 1; server === null; attempt++) {
      server = await this.launch(alias, file.path, options, attempt === PORT_ATTEMPTS);
    }
    const loadMs = performance.now() - loadStarted;
    this.servers.set(alias, server);
    log.push(`llama-server (pid ${server.pid}) ready at ${server.url} in ${Math.round(loadMs)} ms`);
    return { alias, modelId: alias, baseURL: `${server.url}/v1`, synthetic: file.synthetic, knownAnswers: file.knownAnswers, downloadMs: file.downloadMs, loadMs, log };
  }

  async stop(model: RunningModel): Promise<void> {
    const server = this.servers.get(model.alias);
    if (server === undefined) return;
    this.servers.delete(model.alias);
    await killProcessTree(server.pid);
  }

  async processes(model: RunningModel): Promise<number[]> {
    const pid = this.servers.get(model.alias)?.pid;
    return pid === undefined ? [] : [pid];
  }

  async dispose(): Promise<void> {
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((server) => killProcessTree(server.pid)));
  }

  abandon(): void {
    for (const server of this.servers.values()) stopProcessTreeSync(server.pid);
    this.servers.clear();
  }

  // ---------------------------------------------------------------------------------------

  /** The .gguf behind an alias: generated or downloaded when missing; a path is used as is. */
  private async modelFile(alias: string, options: StartOptions): Promise<{ path: string; synthetic: boolean; knownAnswers: boolean; downloadMs: number; alreadyCached: boolean }> {
    const { locateModel, resolveModelFile, downloadModel } = await import('../../embedded/model-files.ts');
    const entry = findCatalogEntry(alias);
    if (entry?.kind === 'download' && !existsSync(path.join(this.modelsDir, entry.fileName))) {
      options.onProgress?.({ phase: 'download', message: `downloading ${entry.alias}`, percent: 0 });
      const result = await downloadModel(entry, this.config.cacheDir, {
        signal: options.signal,
        onProgress: (percent) => options.onProgress?.({ phase: 'download', message: `downloading ${entry.alias}`, percent }),
      });
      return { path: result.path, synthetic: false, knownAnswers: false, downloadMs: result.downloadMs, alreadyCached: false };
    }
    const location = locateModel(alias, { cacheDir: this.config.cacheDir, allowPaths: true });
    const started = performance.now();
    const file = await resolveModelFile(alias, {
      cacheDir: this.config.cacheDir,
      allowPaths: true,
      onProgress: (message) => options.onProgress?.({ phase: 'download', message }),
    });
    return {
      path: file.path,
      synthetic: location.synthetic,
      knownAnswers: location.knownAnswers,
      downloadMs: file.generatedNow ? performance.now() - started : 0,
      alreadyCached: !file.generatedNow,
    };
  }

  /**
   * One llama-server process, polled on /health until it answers 200. Null when the port was
   * taken in the meantime (and `lastAttempt` is false): the caller tries another.
   */
  private async launch(alias: string, modelPath: string, options: StartOptions, lastAttempt: boolean): Promise<ServerProcess | null> {
    makeFolders(this.config.cacheDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logFile = path.join(this.config.cacheDir, `llama-server-${alias.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
    const args = ['-m', modelPath, '--host', '127.0.0.1', '--port', String(port), '--alias', alias];
    if (this.config.threads > 0) args.push('--threads', String(this.config.threads));
    const command = [this.config.bins.llamaServer, ...args].join(' ');
    // Detached, in its own process group, so that the whole tree can be signalled at once.
    const started = await spawnDetached(this.config.bins.llamaServer, args, { logFile });
    if (started === null) {
      throw new RuntimeError(`Could not start '${this.config.bins.llamaServer}'.`, { command, hint: 'install llama.cpp, or set LLAMA_SERVER_BIN' });
    }
    const { pid } = started;
    const output = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4_000) : '');
    const deadline = Date.now() + (options.timeoutMs ?? this.config.loadTimeoutMs);
    while (Date.now() < deadline) {
      if (options.signal?.aborted) break;
      try {
        const answer = await httpRequest(`${url}/health`, { timeoutMs: 5_000 });
        if (answer.status === 200) return { alias, pid, url };
        // 503: still loading the model.
      } catch {
        // not listening yet
      }
      if (!isAlive(pid)) {
        if (!lastAttempt && /couldn't bind/.test(output())) return null;
        throw new RuntimeError(`llama-server exited before it was ready to serve ${alias}.`, { command, output: output() });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await killProcessTree(pid, 1_000);
    throw new RuntimeError(`llama-server was not ready to serve ${alias} in time.`, { command, output: output(), hint: 'raise EVAL_LOAD_TIMEOUT_MS for large models' });
  }
}
