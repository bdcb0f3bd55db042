// Starting and stopping the stand-in's service process from its CLI, the way the real CLIs
// do: Gen A auto-starts `Inference.Service.Agent` detached; Gen B's `server start` daemonizes
// a process that inherits the CLI's stdout and stderr (so a reader waiting for EOF hangs).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from '../shared/http.ts';
import type { ServiceRecord, StandInState } from './state.ts';

export const FOUNDRY_STAND_IN = fileURLToPath(new URL('../bin/foundry', import.meta.url));
export const SERVICE_FLAG = '--stand-in-service';

export interface SpawnOptions {
  /** Gen B: the daemon keeps the CLI's stdout/stderr open. */
  inheritOutput: boolean;
  /** A port for this start only (`server start --port N`). */
  port?: number;
}

export async function spawnService(state: StandInState, options: SpawnOptions): Promise<ServiceRecord> {
  const args = [FOUNDRY_STAND_IN, SERVICE_FLAG];
  if (options.port !== undefined) args.push('--port', String(options.port));
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', options.inheritOutput ? 'inherit' : 'ignore', options.inheritOutput ? 'inherit' : 'ignore'],
  });
  child.unref();
  let exitCode: number | null = null;
  child.once('exit', (code) => {
    exitCode = code ?? 1;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const record = state.liveService();
    if (record !== null && record.pid === child.pid) return record;
    if (exitCode !== null) throw new Error(`the service exited with code ${exitCode} before it listened; see ${state.serviceLog}`);
    await sleep(25);
  }
  throw new Error('the service did not start within 60 s');
}

/** SIGTERM the recorded service and wait for it to go; false when none was running. */
export async function stopService(state: StandInState): Promise<boolean> {
  const record = state.liveService();
  if (record === null) return false;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!isAlive(record.pid)) return true;
    await sleep(25);
  }
  process.kill(record.pid, 'SIGKILL');
  state.clearService(record.pid);
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET a path of the running service; null when it does not answer. */
export async function serviceGet(record: ServiceRecord, route: string): Promise<{ status: number; text: string } | null> {
  try {
    const response = await fetch(`${record.url}${route}`, { signal: AbortSignal.timeout(600_000) });
    return { status: response.status, text: await response.text() };
  } catch {
    return null;
  }
}
