// One snapshot of the machine's process table, on each platform edge-evals runs on, with what
// the resource sampler and the tree functions need: parent, resident memory, CPU time, name.
// - Linux reads /proc: a snapshot costs a few ms, so models can be sampled every 200 ms.
// - macOS asks `ps`, whose BSD output is parsed here.
// - Windows has no `ps`, and wmic is gone from current releases: PowerShell's
//   Get-CimInstance Win32_Process answers instead, as JSON (a few hundred ms per snapshot).
// The parsers are pure and tested on recorded output (test/fixtures/processes/).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessSample {
  pid: number;
  ppid: number;
  /** Executable name (Linux: the kernel's 15-character `comm`; macOS: the path; Windows: `x.exe`). */
  name: string;
  rssBytes: number;
  /** User + system CPU time consumed so far, in ms. */
  cpuMs: number;
  /** CPU time of its children that ended and were waited for, in ms (Linux; 0 elsewhere). */
  reapedChildrenCpuMs: number;
  /**
   * When the process started, in ms since the epoch; Windows only. Windows does not re-parent
   * orphans, so a parent pid may since belong to another process: a "child" that started
   * before its parent is not its child.
   */
  startMs?: number;
}

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

/** The fields of /proc/<pid>/stat that matter here. */
export function parseProcStat(pid: number, stat: string): ProcessSample | null {
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  const [ppid, utime, stime, cutime, cstime, rssPages] = [fields[1], fields[11], fields[12], fields[13], fields[14], fields[21]].map(Number);
  if ([ppid, utime, stime, cutime, cstime, rssPages].some((value) => value === undefined || !Number.isFinite(value))) return null;
  return {
    pid,
    ppid: ppid as number,
    name: stat.slice(stat.indexOf('(') + 1, close),
    rssBytes: (rssPages as number) * PAGE_SIZE,
    cpuMs: (((utime as number) + (stime as number)) * 1000) / CLOCK_TICKS_PER_SECOND,
    reapedChildrenCpuMs: (((cutime as number) + (cstime as number)) * 1000) / CLOCK_TICKS_PER_SECOND,
  };
}

function linuxSnapshot(): ProcessSample[] {
  const samples: ProcessSample[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const sample = parseProcStat(Number(entry), readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (sample !== null) samples.push(sample);
    } catch {
      // the process ended between listing and reading
    }
  }
  return samples;
}

/** The `ps` arguments whose output parsePsOutput reads; the name comes last, as it may hold spaces. */
export const PS_ARGUMENTS = ['-A', '-o', 'pid=,ppid=,rss=,time=,comm='] as const;

/** `ps -A -o pid=,ppid=,rss=,time=,comm=` (BSD and procps): rss in KiB, time as [[dd-]hh:]mm:ss[.cc]. */
export function parsePsOutput(text: string): ProcessSample[] {
  const samples: ProcessSample[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const [, pid, ppid, rssKb, time = '', name = ''] = match;
    const cpuMs = parseCpuTime(time);
    if (cpuMs === null) continue;
    samples.push({ pid: Number(pid), ppid: Number(ppid), name: name.trim(), rssBytes: Number(rssKb) * 1024, cpuMs, reapedChildrenCpuMs: 0 });
  }
  return samples;
}

/** `ps` CPU time: `[[dd-]hh:]mm:ss[.cc]` (procps), `mmm:ss.cc` (BSD, minutes unbounded). */
export function parseCpuTime(text: string): number | null {
  const match = /^(?:(\d+)-)?(\d+(?::\d+){0,2}(?:\.\d+)?)$/.exec(text);
  if (match === null) return null;
  const days = Number(match[1] ?? 0);
  const seconds = (match[2] as string).split(':').reduce((total, part) => total * 60 + Number(part), 0);
  return Math.round((days * 86_400 + seconds) * 1000);
}

/**
 * What PowerShell runs on Windows. Win32_Process gives CPU times in 100 ns units and the
 * working set in bytes; ConvertTo-Json keeps the 64-bit counters as plain numbers and writes
 * dates as `/Date(ms)/` (Windows PowerShell 5.1) or ISO 8601 (PowerShell 7).
 */
export const WINDOWS_PROCESS_QUERY = [
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  'Get-CimInstance -ClassName Win32_Process | Select-Object ProcessId,ParentProcessId,Name,WorkingSetSize,KernelModeTime,UserModeTime,CreationDate | ConvertTo-Json -Compress',
].join('; ');

/** `powershell.exe` arguments for a script: encoded, so that no quoting rule of cmd or PowerShell applies. */
export function powershellArguments(script: string): string[] {
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')];
}

const HUNDRED_NS_PER_MS = 10_000;

/** The JSON of WINDOWS_PROCESS_QUERY: an array, or a single object when one process matched. */
export function parseCimProcesses(text: string): ProcessSample[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return [];
  const parsed = JSON.parse(trimmed) as unknown;
  const rows = Array.isArray(parsed) ? parsed : [parsed];
  const samples: ProcessSample[] = [];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const record = row as Record<string, unknown>;
    const number = (key: string) => (typeof record[key] === 'number' ? (record[key] as number) : 0);
    if (typeof record.ProcessId !== 'number') continue;
    const sample: ProcessSample = {
      pid: record.ProcessId,
      ppid: number('ParentProcessId'),
      name: typeof record.Name === 'string' ? record.Name : '',
      rssBytes: number('WorkingSetSize'),
      cpuMs: (number('KernelModeTime') + number('UserModeTime')) / HUNDRED_NS_PER_MS,
      reapedChildrenCpuMs: 0,
    };
    const startMs = parseJsonDate(record.CreationDate);
    if (startMs !== null) sample.startMs = startMs;
    samples.push(sample);
  }
  return samples;
}

function parseJsonDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const legacy = /^\/Date\((-?\d+)\)\/$/.exec(value);
  const time = legacy === null ? Date.parse(value) : Number(legacy[1]);
  return Number.isFinite(time) ? time : null;
}

/** The processes of this machine, with their usage so far. */
export async function processSnapshot(): Promise<ProcessSample[]> {
  if (process.platform === 'linux') return linuxSnapshot();
  // Imported here: execa costs 150-350 ms to load, and `edge-evals serve` (which only needs
  // isAlive) must start fast.
  const { execa } = await import('execa');
  if (process.platform === 'win32') {
    const { stdout } = await execa('powershell.exe', powershellArguments(WINDOWS_PROCESS_QUERY), { timeout: 15_000, windowsHide: true, stdin: 'ignore' });
    return parseCimProcesses(stdout);
  }
  const { stdout } = await execa('ps', [...PS_ARGUMENTS], { timeout: 5_000, stdin: 'ignore' });
  return parsePsOutput(stdout);
}
