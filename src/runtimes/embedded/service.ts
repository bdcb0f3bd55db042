// The embedded runtime's "service": an `edge-evals serve` process started detached, whose
// state (pid, URL, API key) is recorded in the cache folder so that later CLI calls find it,
// the way `foundry service status` finds Foundry's. The service requires its own random API
// key, handed over in its environment (never on its command line, which `ps` shows) and kept
// in the state file, readable by its owner only.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RuntimeError } from '../../contract/runtime.ts';
import { spawnDetached } from '../../util/detached.ts';
import { makeFolders, writeFileAtomic } from '../../util/files.ts';
import { isAlive, killProcessTree, stopProcessTreeSync } from '../../util/process-tree.ts';

export const EDGE_EVALS_BIN = fileURLToPath(new URL('../../../bin/edge-evals.js', import.meta.url));

const ServiceState = z.object({
  pid: z.number().int().positive(),
  url: z.string(),
  startedAt: z.string(),
  logFile: z.string(),
  /** Absent in the state of a service started before services had keys. */
  apiKey: z.string().optional(),
});
export type ServiceState = z.infer<typeof ServiceState>;

export interface ServiceStartOptions {
  threads?: number;
  /** .gguf files the service may load over HTTP (given on its command line, see `serve --model-file`). */
  modelFiles?: readonly string[];
  /** The service exits when this process does (an eval run that dies leaves nothing behind). */
  exitWithPid?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The key each state file held, by the file's version (modification time, size, inode). */
const knownKeys = new Map<string, { version: string; apiKey: string | undefined }>();

export class EmbeddedService {
  constructor(private readonly cacheDir: string) {}

  get stateFile(): string {
    return path.join(this.cacheDir, 'service.json');
  }

  get logFile(): string {
    return path.join(this.cacheDir, 'service.log');
  }

  /** The recorded service, if its process is still alive and answers /health. */
  async status(): Promise<ServiceState | null> {
    const state = this.readState();
    if (state === null) return null;
    if (!isAlive(state.pid) || !(await this.healthy(state.url))) {
      rmSync(this.stateFile, { force: true });
      return null;
    }
    return state;
  }

  async start(options: ServiceStartOptions = {}): Promise<{ state: ServiceState; started: boolean }> {
    const running = await this.status();
    if (running !== null) return { state: running, started: false };
    makeFolders(this.cacheDir);
    const args = [EDGE_EVALS_BIN, 'serve', '--port', '0', '--cache-dir', this.cacheDir];
    if (options.threads !== undefined && options.threads > 0) args.push('--threads', String(options.threads));
    if (options.exitWithPid !== undefined) args.push('--parent-pid', String(options.exitWithPid));
    for (const file of options.modelFiles ?? []) args.push('--model-file', file);
    const apiKey = randomBytes(32).toString('base64url');
    // The service outlives this process: its output goes to a log file, where the ready line is read.
    const child = await spawnDetached(process.execPath, args, { logFile: this.logFile, env: { EDGE_EVALS_SERVE_API_KEY: apiKey } });
    if (child === null) throw new RuntimeError('Could not start the embedded model service (no pid).');
    const { pid } = child;
    try {
      const url = await this.waitForReady(pid, options.timeoutMs ?? 60_000, options.signal);
      const state: ServiceState = { pid, url, startedAt: new Date().toISOString(), logFile: this.logFile, apiKey };
      writeFileAtomic(this.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      return { state, started: true };
    } catch (error) {
      await killProcessTree(pid, 1_000);
      throw error;
    }
  }

  async stop(): Promise<boolean> {
    const state = this.readState();
    rmSync(this.stateFile, { force: true });
    if (state === null || !isAlive(state.pid)) return false;
    await killProcessTree(state.pid);
    return true;
  }

  /** Synchronous stop for exit handlers: on POSIX, SIGTERM makes the server shut down by itself. */
  abandon(): void {
    const state = this.readState();
    rmSync(this.stateFile, { force: true });
    if (state !== null) stopProcessTreeSync(state.pid);
  }

  /**
   * The key the recorded service requires; undefined when none is recorded. Test workers ask
   * before every request: the state file is read again only when it changed (a service
   * restarted with a new key writes a new file).
   */
  apiKey(): string | undefined {
    let version: string;
    try {
      const { mtimeMs, size, ino } = statSync(this.stateFile);
      version = `${mtimeMs}:${size}:${ino}`;
    } catch {
      return undefined;
    }
    const known = knownKeys.get(this.stateFile);
    if (known?.version === version) return known.apiKey;
    const apiKey = this.readState()?.apiKey;
    knownKeys.set(this.stateFile, { version, apiKey });
    return apiKey;
  }

  private readState(): ServiceState | null {
    try {
      return ServiceState.parse(JSON.parse(readFileSync(this.stateFile, 'utf8')));
    } catch {
      return null;
    }
  }

  private async healthy(url: string): Promise<boolean> {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      // 503 means "loading a model": alive all the same.
      return response.status === 200 || response.status === 503;
    } catch {
      return false;
    }
  }

  /** The server prints one JSON line `{"event":"ready","url":...}` once it listens. */
  private async waitForReady(pid: number, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      const log = readFileSync(this.logFile, 'utf8');
      for (const line of log.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const event = JSON.parse(line) as { event?: string; url?: string };
          if (event.event === 'ready' && typeof event.url === 'string') return event.url;
        } catch {
          // a human log line that happens to start with '{'
        }
      }
      if (!isAlive(pid)) {
        throw new RuntimeError('The embedded model service exited before it was ready.', {
          command: `edge-evals serve --port 0 --cache-dir ${this.cacheDir}`,
          output: log.slice(-4_000),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new RuntimeError(`The embedded model service was not ready after ${timeoutMs} ms.`, {
      output: readFileSync(this.logFile, 'utf8').slice(-4_000),
      hint: `see ${this.logFile}`,
    });
  }
}
