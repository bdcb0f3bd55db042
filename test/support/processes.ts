// Running the edge-evals CLI in tests, and finding processes a run may have left behind.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EDGE_EVALS_BIN = path.join(PROJECT_ROOT, 'bin', 'edge-evals.js');

/** `node bin/edge-evals.js <args>`, never rejecting: tests look at exitCode, stdout, stderr. */
export function runCli(args: string[], options: { env?: Record<string, string>; timeout?: number; cwd?: string } = {}) {
  return execa(process.execPath, [EDGE_EVALS_BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { NO_COLOR: '1', ...options.env },
    reject: false,
    timeout: options.timeout ?? 120_000,
    stdin: 'ignore',
    all: true,
  });
}

/** Pids of live processes whose command line contains every one of `needles`. */
export function processesMatching(...needles: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (needles.every((needle) => commandLine.includes(needle))) pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

/** Waits until no process matches, for up to `timeoutMs`; returns those still alive. */
export async function waitForNoProcesses(needles: string[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = processesMatching(...needles);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = processesMatching(...needles);
  }
  return alive;
}
