// The connection to Foundry Local's service, whichever CLI generation runs it: the generation
// detected once, the service's endpoint discovered (never a fixed port) and discovered again
// when a call finds it gone, the service started on demand, and the list of loaded models.
import path from 'node:path';
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError } from '../../contract/runtime.ts';
import { makeFolders } from '../../util/files.ts';
import { isConnectionRefused, isConnectionReset } from '../../util/network.ts';
import { httpRequest, type HttpAnswer } from '../http.ts';
import type { RuntimeInfo, StartOptions } from '../types.ts';
import type { FoundryCli } from './cli.ts';
import type { FoundryDialect, ServiceEndpoint } from './dialect.ts';
import { GenerationA } from './generation-a.ts';
import { GenerationB } from './generation-b.ts';
import { detectGeneration, parseLoadedModelIds, parseVersion } from './parse.ts';

/** How long the service may take to start: the legacy SDK's 1 s was too short (microsoft/Foundry-Local#337). */
const SERVICE_START_TIMEOUT_MS = 60_000;

interface Detected {
  info: RuntimeInfo;
  dialect: FoundryDialect | null;
}

/** The service is not running and the caller did not want it started. */
export class ServiceGone extends Error {}

export class ServiceConnection {
  private detected: Promise<Detected> | null = null;
  /** Where the service answers, once discovered; null when not known (or gone). */
  endpoint: ServiceEndpoint | null = null;
  /** The dialect once detected, for abandon(), which cannot wait for anything. */
  knownDialect: FoundryDialect | null = null;

  constructor(
    private readonly cli: FoundryCli,
    private readonly config: EvalConfig,
    /** Called when a Gen A command (`model list`, ...) started the service by itself. */
    private readonly onServiceStarted: () => void,
  ) {}

  detection(): Promise<Detected> {
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
      makeFolders(this.config.cacheDir);
      const dialect = new GenerationA(this.cli, path.join(this.config.cacheDir, 'foundry-service-start.log'), this.onServiceStarted);
      this.knownDialect = dialect;
    }
    return { info, dialect: this.knownDialect };
  }

  async dialect(): Promise<FoundryDialect> {
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
  async ensureService(options: StartOptions): Promise<{ endpoint: ServiceEndpoint; started: boolean }> {
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
   * An HTTP call to the service. When the connection is refused or closed under the call (the
   * service restarted on another port, or stopped), the endpoint is discovered again and the
   * call retried once.
   */
  async request(route: string, options: { timeoutMs: number; signal?: AbortSignal; startIfStopped: boolean }): Promise<HttpAnswer> {
    const dialect = await this.dialect();
    this.endpoint ??= await dialect.discover();
    if (this.endpoint === null && !options.startIfStopped) throw new ServiceGone();
    const endpoint = this.endpoint ?? (await this.ensureService({ signal: options.signal })).endpoint;
    try {
      return await httpRequest(`${endpoint.url}${route}`, options);
    } catch (error) {
      if (!isConnectionRefused(error) && !isConnectionReset(error)) throw this.noAnswer(route, error);
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
  async loadedIds(options: { startIfStopped: boolean }): Promise<string[]> {
    for (const route of ['/models/loaded', '/openai/loadedmodels']) {
      const answer = await this.request(route, { timeoutMs: 30_000, ...options });
      if (answer.status === 404) continue;
      const ids = answer.status === 200 ? parseLoadedModelIds(safeJson(answer.text)) : null;
      if (ids === null) throw new RuntimeError(`Foundry Local's ${route} answered HTTP ${answer.status} without a list of models.`, { output: answer.text.slice(0, 2_000) });
      return ids;
    }
    throw new RuntimeError("Foundry Local's service answers neither /models/loaded nor /openai/loadedmodels.");
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
