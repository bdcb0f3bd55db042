// Process trees: which pids belong to a server (for memory and CPU sampling) and how to stop
// all of them, on Linux, macOS and Windows. POSIX systems get SIGTERM, a grace period, then
// SIGKILL; Windows has no signals to ask a process to stop, so `taskkill /T /F` ends the tree.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processSnapshot, type ProcessSample } from './process-table.ts';

export type { ProcessSample } from './process-table.ts';

/** The processes of the trees rooted at `roots` (roots included), within one snapshot. */
export function treeOf(all: readonly ProcessSample[], roots: readonly number[]): ProcessSample[] {
  const children = new Map<number, ProcessSample[]>();
  for (const sample of all) {
    const siblings = children.get(sample.ppid) ?? [];
    siblings.push(sample);
    children.set(sample.ppid, siblings);
  }
  const byPid = new Map(all.map((sample) => [sample.pid, sample]));
  const result: ProcessSample[] = [];
  const queue = roots.flatMap((pid) => {
    const root = byPid.get(pid);
    return root === undefined ? [] : [root];
  });
  const seen = new Set<number>();
  while (queue.length > 0) {
    const sample = queue.shift() as ProcessSample;
    if (seen.has(sample.pid)) continue;
    seen.add(sample.pid);
    result.push(sample);
    // Windows' process 0 (System Idle Process) is its own parent: never descend into it.
    if (sample.pid === 0) continue;
    const startedBefore = (child: ProcessSample) => child.startMs !== undefined && sample.startMs !== undefined && child.startMs < sample.startMs;
    queue.push(...(children.get(sample.pid) ?? []).filter((child) => !startedBefore(child)));
  }
  return result;
}

/** The processes of the trees rooted at `roots` (roots included), with their usage. */
export async function sampleProcessTree(roots: readonly number[]): Promise<ProcessSample[]> {
  return treeOf(await processSnapshot(), roots);
}

/** Several trees from one snapshot of the process table, so that they are seen at the same moment. */
export async function sampleProcessTrees(rootSets: readonly (readonly number[])[]): Promise<ProcessSample[][]> {
  const all = await processSnapshot();
  return rootSets.map((roots) => treeOf(all, roots));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // A zombie has exited; it only waits for its parent to collect the exit status.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** `taskkill` arguments that end these processes and their descendants at once. */
export function taskkillArguments(pids: readonly number[]): string[] {
  return [...pids.flatMap((pid) => ['/PID', String(pid)]), '/T', '/F'];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stop the whole tree and resolve once every process of it is gone. POSIX: SIGTERM to every
 * member (all seen first, so none is orphaned unseen), up to `graceMs` to exit, then SIGKILL.
 * Windows: `taskkill /T /F` on every member.
 */
export async function killProcessTree(rootPid: number, graceMs = 5_000): Promise<void> {
  const pids = (await sampleProcessTree([rootPid])).map((sample) => sample.pid);
  if (pids.length === 0 && isAlive(rootPid)) pids.push(rootPid);
  if (pids.length === 0) return;
  if (process.platform === 'win32') {
    const { execa } = await import('execa');
    await execa('taskkill', taskkillArguments(pids), { reject: false, timeout: 30_000, windowsHide: true, stdin: 'ignore' });
    while (pids.some(isAlive)) await sleep(50);
    return;
  }
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  signalAll('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  if (pids.some(isAlive)) {
    signalAll('SIGKILL');
    while (pids.some(isAlive)) await sleep(20);
  }
}

/**
 * For exit and signal handlers, where nothing asynchronous gets to finish: ask a process
 * started detached (its own process group on POSIX) to stop, with its children. POSIX:
 * SIGTERM to the group, or to the process when it leads none. Windows: `taskkill /T /F`.
 */
export function stopProcessTreeSync(pid: number): void {
  if (process.platform === 'win32') {
    // node's spawnSync, not execa: execa is loaded lazily (see process-table.ts), and an exit
    // handler cannot wait for an import. An argument array all the same, no shell.
    spawnSync('taskkill', taskkillArguments([pid]), { stdio: 'ignore', timeout: 10_000, windowsHide: true });
    return;
  }
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGTERM');
      return;
    } catch {
      // not a group leader, or already gone
    }
  }
}
