// Foundry Local CLI generation B (0.10.x): `foundry server|model|cache`, `--output json`. The
// daemon is found through `foundry server status --output json`; `server start` exits but
// its daemon keeps our pipes open, so its output is read only until the ready line.
import { RuntimeError } from '../../contract/runtime.ts';
import { httpRequest } from '../http.ts';
import type { FoundryCli } from './cli.ts';
import type { FoundryDialect, ServiceEndpoint } from './dialect.ts';
import { parseCacheRemoved, parsePercents, modelVersion, type FoundryCachedRow, type FoundryModelRow } from './parse.ts';
import {
  parseCacheListJson,
  parseCacheLocationJson,
  parseModelInfoJson,
  parseModelListJson,
  parseServerStarted,
  parseServerStatusJson,
} from './parse-json.ts';

const JSON_OUTPUT = ['--output', 'json'];
const POLL_INTERVAL_MS = 250;

export class GenerationB implements FoundryDialect {
  readonly generation = 'B' as const;

  constructor(private readonly cli: FoundryCli) {}

  async discover(): Promise<ServiceEndpoint | null> {
    const result = await this.cli.check(['server', 'status', ...JSON_OUTPUT], { timeoutMs: 30_000 });
    const state = parseServerStatusJson(result.output);
    if (state === null) {
      throw new RuntimeError("Could not read 'foundry server status --output json'.", { command: result.command, output: result.output });
    }
    if (state.url === null) return null;
    // The `running` flag has been seen stale while the URL still served: ask the URL itself.
    return (await answers(state.url)) ? { url: state.url, pid: state.pid } : null;
  }

  async start(deadlineMs: number, signal?: AbortSignal): Promise<ServiceEndpoint> {
    const args = ['server', 'start', ...JSON_OUTPUT];
    const result = await this.cli.runUntilExit(args, (output) => parseServerStarted(output) !== null, Math.max(1_000, deadlineMs - Date.now()));
    if (result.exitCode !== 0 && parseServerStarted(result.output) === null) {
      throw new RuntimeError(`'${result.command}' failed with exit code ${result.exitCode}.`, { command: result.command, output: result.output });
    }
    while (Date.now() < deadlineMs) {
      signal?.throwIfAborted();
      const endpoint = await this.discover();
      if (endpoint !== null) return endpoint;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    throw new RuntimeError('The Foundry Local daemon did not become ready in time.', { command: result.command, output: result.output });
  }

  async stop(): Promise<void> {
    await this.cli.check(['server', 'stop'], { timeoutMs: 60_000 });
  }

  stopSync(): void {
    this.cli.runSync(['server', 'stop'], 10_000);
  }

  async catalog(): Promise<FoundryModelRow[]> {
    const result = await this.cli.check(['model', 'list', ...JSON_OUTPUT], { timeoutMs: 300_000 });
    const rows = parseModelListJson(result.output);
    if (rows === null || rows.length === 0) {
      throw new RuntimeError('Foundry Local listed no models.', { command: result.command, output: result.output });
    }
    return rows;
  }

  /** Listings may print variant IDs without `:N`; `model info` always has the full ID. */
  async fullModelId(row: FoundryModelRow, requested: string): Promise<string> {
    if (modelVersion(row.modelId) !== null) return row.modelId;
    const result = await this.cli.check(['model', 'info', requested, ...JSON_OUTPUT], { timeoutMs: 60_000 });
    const info = parseModelInfoJson(result.output);
    if (info === null) throw new RuntimeError(`Could not read the model ID of '${requested}'.`, { command: result.command, output: result.output });
    return info.modelId;
  }

  async cacheList(): Promise<FoundryCachedRow[]> {
    const result = await this.cli.check(['cache', 'list', ...JSON_OUTPUT], { timeoutMs: 60_000 });
    const rows = parseCacheListJson(result.output);
    if (rows === null) throw new RuntimeError("Could not read 'foundry cache list --output json'.", { command: result.command, output: result.output });
    return rows;
  }

  async cacheLocation(): Promise<string> {
    const result = await this.cli.check(['cache', 'location', ...JSON_OUTPUT], { timeoutMs: 30_000 });
    const location = parseCacheLocationJson(result.output);
    if (location === null) throw new RuntimeError('Foundry Local did not print its cache location.', { command: result.command, output: result.output });
    return location;
  }

  /** Answers the y/n prompt on stdin: whether 0.10.x takes a --yes flag is not known. */
  async cacheRemove(name: string): Promise<string[]> {
    const result = await this.cli.check(['cache', 'remove', name], { timeoutMs: 60_000, input: 'y\n' });
    return parseCacheRemoved(result.output);
  }

  async download(modelId: string, onPercent: (percent: number) => void, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.cli.check(['model', 'download', modelId], {
      timeoutMs,
      signal,
      onOutput: (chunk) => {
        const percent = parsePercents(chunk).at(-1);
        if (percent !== undefined) onPercent(percent);
      },
    });
  }

  loadPath(modelId: string): string {
    return `/models/load/${encodeURI(modelId)}`;
  }

  unloadPath(modelId: string): string {
    return `/models/unload/${encodeURI(modelId)}`;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await httpRequest(`${url}/v1/models`, { timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
}
