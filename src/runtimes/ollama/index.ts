// The Ollama adapter. The server is found at OLLAMA_HOST (Ollama's own variable; default
// 127.0.0.1:11434) and started with `ollama serve` when nothing answers there; models are
// pulled with `ollama pull` (progress parsed), listed with `ollama list` / `ollama ps`,
// removed with `ollama rm`, loaded by a first request and unloaded with `keep_alive: 0` (a
// model left loaded keeps its memory until its keep-alive runs out). Chat goes to the
// OpenAI-compatible API under `/v1`.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError, type CachedModel, type CatalogEntry, type MemoryNeed } from '../../contract/runtime.ts';
import { spawnDetached } from '../../util/detached.ts';
import { makeFolders } from '../../util/files.ts';
import { isAlive, killProcessTree, stopProcessTreeSync } from '../../util/process-tree.ts';
import { CliRunner, type RunOptions } from '../cli-runner.ts';
import { errorMessage, httpRequest } from '../http.ts';
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
import { normalizeModelName, ollamaBaseUrl, parseOllamaList, parseOllamaPs, parseOllamaVersion, parsePullPercents } from './parse.ts';

export function createOllamaRuntime(config: EvalConfig): RuntimeWith<'catalog' | 'cache' | 'service' | 'memory'> {
  return new OllamaRuntime(config);
}

/** How long a model stays loaded if edge-evals dies before unloading it. */
const KEEP_ALIVE = '60m';
const SERVE_START_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 2 * 60 * 60_000;

const ServeRecord = z.object({ pid: z.number().int().positive(), url: z.string() });
type ServeRecord = z.infer<typeof ServeRecord>;

class OllamaRuntime implements RuntimeWith<'catalog' | 'cache' | 'service' | 'memory'> {
  readonly name = 'ollama' as const;
  /** `ollama list` gives the size of a pulled model; one not pulled yet is not known before its pull. */
  readonly memory: ModelMemory = {
    need: async (alias): Promise<MemoryNeed | null> => {
      const size = (await this.list()).find((model) => model.modelId === normalizeModelName(alias))?.sizeBytes;
      return size === undefined || size === null ? null : { weightsBytes: size, contextBytes: null, source: 'ollama list' };
    },
  };
  private readonly url: string;
  /** Set when start() launched `ollama serve`: dispose() stops it. */
  private ownedPid: number | null = null;

  private readonly ollamaCli: CliRunner;

  constructor(private readonly config: EvalConfig) {
    this.url = ollamaBaseUrl(process.env.OLLAMA_HOST);
    this.ollamaCli = new CliRunner({
      bin: config.bins.ollama,
      label: 'The Ollama CLI',
      installHint: 'install Ollama (https://ollama.com/download), or set OLLAMA_BIN',
      env: this.env(),
    });
  }

  /** Where a `ollama serve` started by edge-evals is recorded, so a later `service stop` finds it. */
  private get recordFile(): string {
    return path.join(this.config.cacheDir, 'ollama-serve.json');
  }

  async detect(): Promise<RuntimeInfo> {
    const info: RuntimeInfo = { name: 'ollama', installed: false, version: null, executable: this.config.bins.ollama };
    const output = await this.ollamaCli.probe(['--version']);
    return output === null ? info : { ...info, installed: true, version: parseOllamaVersion(output) };
  }

  readonly catalog: ModelCatalog = {
    list: async (): Promise<CatalogEntry[]> => {
      return (await this.list()).map((model) => ({ ...model, source: 'ollama', synthetic: false, cached: true }));
    },
  };

  readonly cache: ModelCache = {
    list: async (): Promise<CachedModel[]> => this.list(),
    location: async (): Promise<string> => process.env.OLLAMA_MODELS ?? path.join(os.homedir(), '.ollama', 'models'),
    remove: async (alias: string): Promise<CachedModel[]> => {
      const name = normalizeModelName(alias);
      const before = await this.list();
      const removed = before.filter((model) => model.modelId === name);
      if (removed.length === 0) {
        throw new RuntimeError(`'${alias}' is not among Ollama's models.`, { hint: `pulled: ${before.map((model) => model.alias).join(', ') || '(none)'}` });
      }
      await this.cli(['rm', name]);
      return removed;
    },
    download: async (alias: string, options: StartOptions = {}): Promise<DownloadResult> => {
      const name = normalizeModelName(alias);
      if ((await this.list()).some((model) => model.modelId === name)) return { downloadMs: 0, alreadyCached: true };
      options.onProgress?.({ phase: 'download', message: `pulling ${name}`, percent: 0 });
      const started = performance.now();
      await this.cli(['pull', name], {
        timeoutMs: PULL_TIMEOUT_MS,
        signal: options.signal,
        onOutput: (chunk) => {
          const percent = parsePullPercents(chunk).at(-1);
          if (percent !== undefined) options.onProgress?.({ phase: 'download', message: `pulling ${name}`, percent });
        },
      });
      return { downloadMs: performance.now() - started, alreadyCached: false };
    },
  };

  readonly service: ModelService = {
    status: async (): Promise<ServiceStatus> => {
      const running = await this.answers();
      const record = this.readRecord();
      return {
        running,
        baseURL: running ? `${this.url}/v1` : null,
        pid: running ? (record?.pid ?? null) : null,
        startedByUs: running && record !== null,
      };
    },
    loaded: async (): Promise<LoadedModel[]> => {
      if (!(await this.answers())) return [];
      const result = await this.cli(['ps']);
      return parseOllamaPs(result).map((row) => ({ alias: row.name, modelId: row.name }));
    },
    control: {
      /** For `edge-evals service start`: the server keeps running after this process ends. */
      start: async (options: StartOptions = {}): Promise<ServiceStatus> => {
        const started = await this.ensureServer(options);
        return { running: true, baseURL: `${this.url}/v1`, pid: started.pid, startedByUs: started.started };
      },
      /** Ollama has no stop command: only a server edge-evals started can be stopped. */
      stop: async (): Promise<void> => {
        const record = this.readRecord();
        if (record === null) {
          if (!(await this.answers())) return;
          throw new RuntimeError(`The Ollama server at ${this.url} was not started by edge-evals, and Ollama has no stop command.`, {
            hint: 'stop it the way it was started (the Ollama app, `systemctl stop ollama`, or Ctrl-C on `ollama serve`)',
          });
        }
        await killProcessTree(record.pid);
        rmSync(this.recordFile, { force: true });
        this.ownedPid = null;
      },
    },
  };

  async start(alias: string, options: StartOptions = {}): Promise<RunningModel> {
    const log: string[] = [];
    const server = await this.ensureServer(options);
    if (server.started) this.ownedPid = server.pid;
    log.push(server.started ? `started ollama serve at ${this.url} (pid ${server.pid})` : `found Ollama at ${this.url}`);
    const name = normalizeModelName(alias);
    const { downloadMs, alreadyCached } = await this.cache.download(alias, options);
    log.push(alreadyCached ? `${name} is pulled` : `pulled ${name} in ${Math.round(downloadMs)} ms`);

    // A generate request without a prompt loads the model and returns.
    options.onProgress?.({ phase: 'load', message: `loading ${name}` });
    const loadStarted = performance.now();
    const answer = await this.post('/api/generate', { model: name, keep_alive: KEEP_ALIVE }, options.timeoutMs ?? this.config.loadTimeoutMs, options.signal);
    const loadMs = performance.now() - loadStarted;
    if (answer.status !== 200) {
      throw new RuntimeError(`Ollama failed to load ${name}: HTTP ${answer.status}: ${errorMessage(answer.text)}`, { output: log.join('\n') });
    }
    const loaded = await this.service.loaded();
    if (!loaded.some((model) => model.modelId === name)) {
      throw new RuntimeError(`Ollama answered the load of ${name} but \`ollama ps\` does not list it.`, { output: [...log, ...loaded.map((model) => model.modelId)].join('\n') });
    }
    log.push(`loaded ${name} in ${Math.round(loadMs)} ms`);
    return { alias, modelId: name, baseURL: `${this.url}/v1`, synthetic: false, downloadMs, loadMs, log };
  }

  /** `keep_alive: 0` unloads now; then `ollama ps` must no longer list the model. */
  async stop(model: RunningModel): Promise<void> {
    if (!(await this.answers())) return;
    const answer = await this.post('/api/generate', { model: model.modelId, keep_alive: 0 }, 60_000);
    if (answer.status !== 200) throw new RuntimeError(`Ollama failed to unload ${model.modelId}: HTTP ${answer.status}: ${errorMessage(answer.text)}`);
    const deadline = Date.now() + 10_000;
    while ((await this.service.loaded()).some((loaded) => loaded.modelId === model.modelId)) {
      if (Date.now() > deadline) throw new RuntimeError(`${model.modelId} is still loaded after keep_alive: 0.`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The server's process tree holds the model runners; known when edge-evals started it. */
  async processes(): Promise<number[]> {
    const pid = this.ownedPid ?? this.readRecord()?.pid ?? null;
    return pid !== null && isAlive(pid) ? [pid] : [];
  }

  async dispose(): Promise<void> {
    if (this.ownedPid === null) return;
    await killProcessTree(this.ownedPid);
    rmSync(this.recordFile, { force: true });
    this.ownedPid = null;
  }

  abandon(): void {
    if (this.ownedPid === null) return;
    stopProcessTreeSync(this.ownedPid);
    rmSync(this.recordFile, { force: true });
    this.ownedPid = null;
  }

  // ---------------------------------------------------------------------------------------

  /** Children see the same OLLAMA_HOST this adapter uses. */
  private env(): NodeJS.ProcessEnv {
    return { ...process.env, OLLAMA_HOST: this.url };
  }

  /** Runs an `ollama` command and returns its output; a non-zero exit is a RuntimeError with that output. */
  private async cli(args: string[], options: RunOptions = {}): Promise<string> {
    return (await this.ollamaCli.check(args, options)).output;
  }

  private async list(): Promise<CachedModel[]> {
    return parseOllamaList(await this.cli(['list'])).map((row) => ({ alias: row.name, modelId: row.name, sizeBytes: row.sizeBytes }));
  }

  private async answers(): Promise<boolean> {
    try {
      return (await httpRequest(`${this.url}/api/version`, { timeoutMs: 5_000 })).status === 200;
    } catch {
      return false;
    }
  }

  private async post(route: string, body: unknown, timeoutMs: number, signal?: AbortSignal) {
    try {
      return await httpRequest(`${this.url}${route}`, { body, timeoutMs, signal });
    } catch (error) {
      throw new RuntimeError(`Ollama at ${this.url} did not answer ${route}: ${(error as Error).message}`);
    }
  }

  private readRecord(): ServeRecord | null {
    try {
      const record = ServeRecord.parse(JSON.parse(readFileSync(this.recordFile, 'utf8')));
      return record.url === this.url && isAlive(record.pid) ? record : null;
    } catch {
      return null;
    }
  }

  /** A server answering at OLLAMA_HOST, or `ollama serve` started detached and polled until it answers. */
  private async ensureServer(options: StartOptions): Promise<{ pid: number | null; started: boolean }> {
    if (await this.answers()) return { pid: this.readRecord()?.pid ?? null, started: false };
    options.onProgress?.({ phase: 'service', message: `starting ollama serve on ${this.url}` });
    makeFolders(this.config.cacheDir);
    const logFile = path.join(this.config.cacheDir, 'ollama-serve.log');
    const started = await spawnDetached(this.config.bins.ollama, ['serve'], { logFile, env: this.env() });
    if (started === null) throw new RuntimeError(`Could not start '${this.config.bins.ollama} serve'.`, { hint: 'install Ollama, or set OLLAMA_BIN' });
    const { pid } = started;
    const deadline = Date.now() + (options.timeoutMs ?? SERVE_START_TIMEOUT_MS);
    while (Date.now() < deadline) {
      options.signal?.throwIfAborted();
      if (await this.answers()) {
        writeFileSync(this.recordFile, `${JSON.stringify({ pid, url: this.url })}\n`);
        return { pid, started: true };
      }
      if (!isAlive(pid)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await killProcessTree(pid, 1_000);
    throw new RuntimeError(`'${this.config.bins.ollama} serve' did not answer at ${this.url}.`, {
      command: `${this.config.bins.ollama} serve`,
      output: existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4_000) : '',
      hint: 'is another program using that port? Set OLLAMA_HOST to choose another',
    });
  }
}
