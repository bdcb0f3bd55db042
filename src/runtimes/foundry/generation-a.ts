// Foundry Local CLI generation A (<= 0.8.x): `foundry service|model|cache`, text output only.
// The service is found through `foundry service status`; `foundry service start` never
// returns, so it is started detached and `service status` is polled until a deadline.
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../../contract/runtime.ts';
import type { FoundryCli } from './cli.ts';
import type { FoundryDialect, ServiceEndpoint } from './dialect.ts';
import {
  errorLine,
  parseCacheList,
  parseCacheLocation,
  parseCacheRemoved,
  parseModelTable,
  parsePercents,
  parseServiceStarted,
  parseServiceStatus,
  type FoundryCachedRow,
  type FoundryModelRow,
} from './parse.ts';

/**
 * TTL asked for on load. The service unloads a model when its TTL runs out (600 s by
 * default), which could happen in the middle of a long eval; edge-evals unloads explicitly
 * (with force) when it is done, so the TTL only matters if edge-evals itself is killed.
 */
const LOAD_TTL_SECONDS = 3_600;
/** First runs download execution providers before printing the catalog. */
const CATALOG_TIMEOUT_MS = 300_000;
const POLL_INTERVAL_MS = 250;

export class GenerationA implements FoundryDialect {
  readonly generation = 'A' as const;
  /** Pid from the last "Service is Started ... PID n" line seen; `service status` does not print it. */
  private servicePid: number | null = null;

  constructor(
    private readonly cli: FoundryCli,
    /** Where the detached `service start` writes its output. */
    private readonly serviceLogFile: string,
    /** Called when a command (`model list`, `cache list`, ...) started the service by itself. */
    private readonly onServiceStarted: () => void,
  ) {}

  async discover(): Promise<ServiceEndpoint | null> {
    const result = await this.cli.run(['service', 'status'], { timeoutMs: 30_000 });
    const status = parseServiceStatus(result.output);
    if (status.state === 'stopped') return null;
    if (status.state === 'running') return { url: status.url, pid: this.servicePid };
    throw new RuntimeError(`Foundry Local's service does not answer: ${status.message}`, {
      command: result.command,
      output: result.output,
      hint: `run '${this.cli.commandLine(['service', 'restart'])}'`,
    });
  }

  async start(deadlineMs: number, signal?: AbortSignal): Promise<ServiceEndpoint> {
    await this.cli.spawnDetached(['service', 'start'], this.serviceLogFile);
    let lastOutput = '';
    while (Date.now() < deadlineMs) {
      signal?.throwIfAborted();
      const result = await this.cli.run(['service', 'status'], { timeoutMs: 30_000, signal });
      lastOutput = result.output;
      const status = parseServiceStatus(result.output);
      if (status.state === 'running') {
        const started = parseServiceStarted(this.startLog());
        this.servicePid = started?.pid ?? null;
        return { url: status.url, pid: this.servicePid };
      }
      // 'stopped' or 'unreachable' while it comes up: keep polling.
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    throw new RuntimeError("Foundry Local's service did not start in time.", {
      command: this.cli.commandLine(['service', 'start']),
      output: `${this.startLog()}\n${lastOutput}`.trim(),
      hint: `see '${this.cli.commandLine(['service', 'status'])}'; a first start can take long while execution providers download`,
    });
  }

  async stop(): Promise<void> {
    await this.cli.check(['service', 'stop'], { timeoutMs: 60_000 });
    this.servicePid = null;
  }

  stopSync(): void {
    this.cli.runSync(['service', 'stop'], 10_000);
  }

  async catalog(): Promise<FoundryModelRow[]> {
    const result = await this.run(['model', 'list'], CATALOG_TIMEOUT_MS);
    const rows = parseModelTable(result.output);
    if (rows.length === 0) {
      throw new RuntimeError(`Foundry Local listed no models: ${errorLine(result.output) ?? 'its catalog output had no model rows'}`, {
        command: result.command,
        output: result.output,
        hint: 'the catalog needs the internet on first use (ai.azure.com)',
      });
    }
    return rows;
  }

  async fullModelId(row: FoundryModelRow): Promise<string> {
    return row.modelId;
  }

  async cacheList(): Promise<FoundryCachedRow[]> {
    return parseCacheList((await this.run(['cache', 'list'])).output);
  }

  async cacheLocation(): Promise<string> {
    const result = await this.run(['cache', 'location']);
    const location = parseCacheLocation(result.output);
    if (location === null) throw new RuntimeError('Foundry Local did not print its cache location.', { command: result.command, output: result.output });
    return location;
  }

  async cacheRemove(name: string): Promise<string[]> {
    return parseCacheRemoved((await this.run(['cache', 'remove', name, '--yes'])).output);
  }

  async download(modelId: string, onPercent: (percent: number) => void, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.run(['model', 'download', modelId], timeoutMs, {
      signal,
      onOutput: (chunk) => {
        const percent = parsePercents(chunk).at(-1);
        if (percent !== undefined) onPercent(percent);
      },
    });
  }

  loadPath(modelId: string): string {
    return `/openai/load/${encodeURI(modelId)}?ttl=${LOAD_TTL_SECONDS}`;
  }

  unloadPath(modelId: string): string {
    return `/openai/unload/${encodeURI(modelId)}?force=true`;
  }

  /**
   * Runs a command that may start the service by itself (it then prints the "Service is
   * Started ... PID n" line among its output): the pid is kept for resource sampling, and the
   * service counts as started by edge-evals.
   */
  private async run(args: string[], timeoutMs = 120_000, options: { signal?: AbortSignal; onOutput?: (chunk: string) => void } = {}) {
    const result = await this.cli.check(args, { timeoutMs, ...options });
    const started = parseServiceStarted(result.output);
    if (started !== null && !started.alreadyRunning) {
      this.servicePid = started.pid;
      this.onServiceStarted();
    }
    return result;
  }

  private startLog(): string {
    try {
      return readFileSync(this.serviceLogFile, 'utf8');
    } catch {
      return '';
    }
  }
}
