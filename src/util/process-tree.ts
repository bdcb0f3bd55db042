// Process trees: which pids belong to a server (for memory and CPU sampling) and how to stop
// all of them. Linux reads /proc directly (cheap enough to sample every 100 ms); other
// platforms ask `ps`.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessSample {
  pid: number;
  ppid: number;
  rssBytes: number;
  /** User + system CPU time consumed so far, in ms. */
  cpuMs: number;
  /** CPU time of its children that ended and were waited for, in ms (Linux; 0 elsewhere). */
  reapedChildrenCpuMs: number;
}

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

function readProcStat(pid: number): ProcessSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    const rssPages = Number(fields[21]);
    return {
      pid,
      ppid,
      rssBytes: rssPages * PAGE_SIZE,
      cpuMs: ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND,
      reapedChildrenCpuMs: ((cutime + cstime) * 1000) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null; // the process ended between listing and reading
  }
}

async function snapshot(): Promise<ProcessSample[]> {
  if (process.platform === 'linux') {
    const samples: ProcessSample[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const sample = readProcStat(Number(entry));
      if (sample !== null) samples.push(sample);
    }
    return samples;
  }
  // Imported here: execa costs 150-350 ms to load, and `edge-evals serve` (which only needs
  // isAlive) must start fast.
  const { execa } = await import('execa');
  const { stdout } = await execa('ps', ['-A', '-o', 'pid=,ppid=,rss=,time='], { timeout: 5_000 });
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map(([pid, ppid, rssKb, time]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      rssBytes: Number(rssKb) * 1024,
      cpuMs: parseCpuTime(time ?? '0'),
      reapedChildrenCpuMs: 0,
    }));
}

/** `ps` prints CPU time as [[dd-]hh:]mm:ss[.cc]. */
function parseCpuTime(text: string): number {
  const [days, rest] = text.includes('-') ? text.split('-') : ['0', text];
  const parts = (rest ?? '0').split(':').map(Number);
  const seconds = parts.reduce((total, part) => total * 60 + part, 0);
  return (Number(days) * 86_400 + seconds) * 1000;
}

/** The processes of the trees rooted at `roots` (roots included), with their usage. */
export async function sampleProcessTree(roots: readonly number[]): Promise<ProcessSample[]> {
  return treeOf(await snapshot(), roots);
}

/** Several trees from one snapshot of the process table, so that they are seen at the same moment. */
export async function sampleProcessTrees(rootSets: readonly (readonly number[])[]): Promise<ProcessSample[][]> {
  const all = await snapshot();
  return rootSets.map((roots) => treeOf(all, roots));
}

function treeOf(all: readonly ProcessSample[], roots: readonly number[]): ProcessSample[] {
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
    queue.push(...(children.get(sample.pid) ?? []));
  }
  return result;
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

/**
 * SIGTERM the whole tree (children first seen, so none is orphaned), wait up to `graceMs`,
 * then SIGKILL what is left. Resolves once every process of the tree is gone.
 */
export async function killProcessTree(rootPid: number, graceMs = 5_000): Promise<void> {
  const pids = (await sampleProcessTree([rootPid])).map((sample) => sample.pid);
  if (pids.length === 0 && isAlive(rootPid)) pids.push(rootPid);
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
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (pids.some(isAlive)) {
    signalAll('SIGKILL');
    while (pids.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
