// One eval run per model cache folder at a time. Two runs on the same folder share its model
// service: the one that ends first unloads the other's model (and each slows down the other's
// timings). A second run therefore waits, saying for whom, until the first is done; a run on
// another cache folder (EDGE_EVALS_CACHE) gets a service of its own and does not wait.
//
// The lock is a file in the cache folder holding its owner (pid, host, start); it is created
// with link(2), which fails when the file exists, so two runs can never both hold it. A lock
// whose owner is gone (its pid no longer runs, or the machine rebooted since) is stale and
// taken over.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { makeFolders } from '../util/files.ts';
import { isAlive } from '../util/process-tree.ts';

export const RUN_LOCK = 'run.lock';

const LockOwner = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  /** When the machine booted (ms since the epoch, to the minute): a pid means nothing across a reboot. */
  bootedAt: z.number(),
  resultsDir: z.string(),
  token: z.string(),
});
export type LockOwner = z.infer<typeof LockOwner>;

export interface RunLock {
  owner: LockOwner;
  /** Remove the lock if it is still ours; synchronous, for exit handlers too. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  resultsDir: string;
  /** Told once when the run starts waiting, and again whenever the run it waits for changes. */
  onWait?: (holder: LockOwner) => void;
  /** Told when a stale lock was taken over. */
  onStale?: (holder: LockOwner) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

const BOOT_TOLERANCE_MS = 60_000;

function bootedAt(): number {
  return Math.round((Date.now() - os.uptime() * 1000) / BOOT_TOLERANCE_MS) * BOOT_TOLERANCE_MS;
}

/** Null for a file that is not a lock (a half-written one from a crash, or garbage). */
function readLock(file: string): LockOwner | null | 'missing' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'missing';
  }
  try {
    return LockOwner.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/** Whether the owner of a lock has certainly gone. A lock taken on another machine (a shared folder) never is. */
export function isStale(holder: LockOwner, now = { hostname: os.hostname(), bootedAt: bootedAt() }): boolean {
  if (holder.hostname !== now.hostname) return false;
  if (Math.abs(holder.bootedAt - now.bootedAt) > BOOT_TOLERANCE_MS) return true;
  return !isAlive(holder.pid);
}

/** Take the cache folder's run lock, waiting while another live run holds it. */
export async function acquireRunLock(cacheDir: string, options: AcquireOptions): Promise<RunLock> {
  makeFolders(cacheDir);
  const file = path.join(cacheDir, RUN_LOCK);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    bootedAt: bootedAt(),
    resultsDir: options.resultsDir,
    token: randomUUID(),
  };
  const content = `${JSON.stringify(owner, null, 2)}\n`;
  let waitingFor: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    if (tryLink(file, content, owner.token)) return { owner, release: () => releaseLock(file, owner.token) };
    const holder = readLock(file);
    if (holder === 'missing') continue; // released meanwhile: try again at once
    // A lock that cannot be read was not written by edge-evals (it links whole files): stale too.
    if (holder === null || isStale(holder)) {
      // Removed only if it is still the same stale lock, not one another waiter just took.
      if (holder !== null) options.onStale?.(holder);
      if (sameLock(readLock(file), holder)) rmSync(file, { force: true });
      continue;
    }
    if (holder.token !== waitingFor) {
      waitingFor = holder.token;
      options.onWait?.(holder);
    }
    await sleep(options.pollMs ?? 1_000, options.signal);
  }
}

/**
 * The lock is written whole under a name of its own, then linked to the lock's name, which
 * fails when that exists: it is never seen half-written, and never held twice.
 */
function tryLink(file: string, content: string, token: string): boolean {
  const candidate = `${file}.${token}`;
  writeFileSync(candidate, content);
  try {
    linkSync(candidate, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(candidate, { force: true });
  }
}

function sameLock(current: LockOwner | null | 'missing', seen: LockOwner | null): boolean {
  if (current === 'missing') return false;
  return current === null ? seen === null : seen !== null && current.token === seen.token;
}

function releaseLock(file: string, token: string): void {
  const holder = readLock(file);
  if (holder !== 'missing' && holder !== null && holder.token === token) rmSync(file, { force: true });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** `pid 4242 on this machine, started 14:02:11, writing to /x/results` */
export function describeHolder(holder: LockOwner): string {
  const host = holder.hostname === os.hostname() ? 'on this machine' : `on ${holder.hostname}`;
  const started = Number.isNaN(Date.parse(holder.startedAt)) ? holder.startedAt : new Date(holder.startedAt).toLocaleTimeString('en-GB');
  return `pid ${holder.pid} ${host}, started ${started}, writing to ${holder.resultsDir}`;
}
