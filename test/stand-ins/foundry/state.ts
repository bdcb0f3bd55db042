// The Foundry stand-in's knobs (environment variables) and its state on disk: which service
// runs where, which models are "downloaded", the persisted settings. The CLI is stateless
// between calls, as the real one is; everything it knows comes from these files and from the
// running service.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StandInVariant } from './catalog.ts';

export type Generation = 'A' | 'B';

export interface Knobs {
  /** FOUNDRY_STANDIN_GENERATION: `A` (0.8.x, the default) or `B` (0.10.x). */
  generation: Generation;
  /** FOUNDRY_STANDIN_VERSION: what `--version` prints (0.8.119 or 0.10.2 by default). */
  version: string;
  /** FOUNDRY_STANDIN_HOME: state folder; the service exits when it disappears. */
  home: string;
  /** FOUNDRY_STANDIN_START_DELAY_MS: time the service takes before it listens. */
  startDelayMs: number;
  /** FOUNDRY_STANDIN_LOAD_DELAY_MS: added to every model load. */
  loadDelayMs: number;
  /** FOUNDRY_STANDIN_DOWNLOAD_MS: how long a download takes. */
  downloadMs: number;
  /** FOUNDRY_STANDIN_FAIL_LOAD: aliases or IDs (comma-separated) whose load fails. */
  failLoad: string[];
  /** FOUNDRY_STANDIN_STREAM_ERROR: aliases or IDs whose chat streams end in an error event. */
  streamError: string[];
  /** FOUNDRY_STANDIN_STICKY_PORT=1: restart on the same port (default: a new port every start). */
  stickyPort: boolean;
  /** FOUNDRY_STANDIN_NOISE=1: EP-download and `[.. ERR]` lines on every catalog command, not only the first. */
  noise: boolean;
  /**
   * FOUNDRY_STANDIN_RESTART_AFTER_CHATS=N: once its Nth chat response has been sent, the service
   * restarts itself as `service restart` would (a new port, nothing loaded), so a test can move it
   * between two requests of a run. The successor serves on without restarting again.
   */
  restartAfterChats: number | null;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');

const milliseconds = (value: string | undefined, fallback: number) => {
  const parsed = Number(value);
  return value === undefined || value === '' || !Number.isFinite(parsed) || parsed < 0 ? fallback : parsed;
};

export function readKnobs(env: NodeJS.ProcessEnv = process.env): Knobs {
  const generation: Generation = env.FOUNDRY_STANDIN_GENERATION?.toUpperCase() === 'B' ? 'B' : 'A';
  return {
    generation,
    version: env.FOUNDRY_STANDIN_VERSION ?? (generation === 'A' ? '0.8.119' : '0.10.2'),
    home: env.FOUNDRY_STANDIN_HOME ?? path.join(os.tmpdir(), `edge-evals-foundry-stand-in-${os.userInfo().uid}`),
    startDelayMs: milliseconds(env.FOUNDRY_STANDIN_START_DELAY_MS, 200),
    loadDelayMs: milliseconds(env.FOUNDRY_STANDIN_LOAD_DELAY_MS, 100),
    downloadMs: milliseconds(env.FOUNDRY_STANDIN_DOWNLOAD_MS, 300),
    failLoad: list(env.FOUNDRY_STANDIN_FAIL_LOAD),
    streamError: list(env.FOUNDRY_STANDIN_STREAM_ERROR),
    stickyPort: env.FOUNDRY_STANDIN_STICKY_PORT === '1',
    noise: env.FOUNDRY_STANDIN_NOISE === '1',
    restartAfterChats: env.FOUNDRY_STANDIN_RESTART_AFTER_CHATS === undefined || env.FOUNDRY_STANDIN_RESTART_AFTER_CHATS === '' ? null : milliseconds(env.FOUNDRY_STANDIN_RESTART_AFTER_CHATS, 0),
  };
}

/** True when a knob's list names this variant by alias or ID. */
export function listed(names: readonly string[], variant: StandInVariant): boolean {
  return names.includes(variant.alias.toLowerCase()) || names.includes(variant.id.toLowerCase());
}

export interface ServiceRecord {
  pid: number;
  port: number;
  url: string;
  generation: Generation;
  startedAt: string;
}

export interface Settings {
  /** `foundry service set --port` / `server start --port`: pinned port, null for a random one. */
  port: number | null;
  /** The port of the last start, which a random start never reuses. */
  lastPort: number | null;
  defaultSecondsForModelTTL: number;
}

export class StandInState {
  constructor(readonly home: string) {}

  get serviceFile(): string {
    return path.join(this.home, 'service.json');
  }

  get serviceLog(): string {
    return path.join(this.home, 'service.log');
  }

  get backendLog(): string {
    return path.join(this.home, 'backend.log');
  }

  get cacheDir(): string {
    return path.join(this.home, 'cache', 'models');
  }

  ensureHome(): void {
    mkdirSync(this.cacheDir, { recursive: true });
  }

  /** The recorded service when its process is alive (it may still be starting up). */
  liveService(): ServiceRecord | null {
    const record = this.readJson<ServiceRecord>(this.serviceFile);
    if (record === null) return null;
    try {
      process.kill(record.pid, 0);
      return record;
    } catch {
      return null;
    }
  }

  writeService(record: ServiceRecord): void {
    writeFileSync(this.serviceFile, `${JSON.stringify(record)}\n`);
  }

  clearService(pid: number): void {
    if (this.readJson<ServiceRecord>(this.serviceFile)?.pid === pid) rmSync(this.serviceFile, { force: true });
  }

  settings(): Settings {
    return { port: null, lastPort: null, defaultSecondsForModelTTL: 600, ...this.readJson<Partial<Settings>>(path.join(this.home, 'settings.json')) };
  }

  saveSettings(settings: Settings): void {
    this.ensureHome();
    writeFileSync(path.join(this.home, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  }

  /** Model IDs in the cache, in the order they were downloaded. */
  cachedIds(): string[] {
    if (!existsSync(this.cacheDir)) return [];
    return readdirSync(this.cacheDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => this.readJson<{ id: string; downloadedAt: string }>(path.join(this.cacheDir, entry.name, 'inference_model.json')))
      .filter((info): info is { id: string; downloadedAt: string } => info !== null)
      .sort((a, b) => a.downloadedAt.localeCompare(b.downloadedAt))
      .map((info) => info.id);
  }

  isCached(id: string): boolean {
    return this.cachedIds().some((cached) => cached.toLowerCase() === id.toLowerCase());
  }

  addToCache(variant: StandInVariant): void {
    const folder = path.join(this.cacheDir, variant.id.replace(':', '-'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'inference_model.json'),
      `${JSON.stringify({ id: variant.id, alias: variant.alias, downloadedAt: new Date().toISOString() })}\n`,
    );
  }

  removeFromCache(id: string): void {
    rmSync(path.join(this.cacheDir, id.replace(':', '-')), { recursive: true, force: true });
  }

  /** First run: the EP download lines appear once, as on a fresh machine. */
  takeFirstRun(): boolean {
    const marker = path.join(this.home, 'eps-registered');
    if (existsSync(marker)) return false;
    this.ensureHome();
    writeFileSync(marker, '');
    return true;
  }

  private readJson<T>(file: string): T | null {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch {
      return null;
    }
  }
}
