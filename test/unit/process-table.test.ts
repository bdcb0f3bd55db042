// The process table of each platform, from recorded output of the tools that give it
// (test/fixtures/processes/README.md says where each recording comes from), and the trees
// built from it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseCimProcesses,
  parseCpuTime,
  parseProcStat,
  parsePsOutput,
  powershellArguments,
  WINDOWS_PROCESS_QUERY,
} from '../../src/util/process-table.ts';
import { taskkillArguments, treeOf } from '../../src/util/process-tree.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/processes/${name}`, import.meta.url), 'utf8');
const pidsOf = (samples: readonly { pid: number }[]) => samples.map((sample) => sample.pid);

describe('Linux: /proc/<pid>/stat', () => {
  it('reads parent, memory and CPU after the last parenthesis, whatever the command name holds', () => {
    expect(parseProcStat(25618, fixture('linux-proc-stat-odd-name.txt'))).toEqual({
      pid: 25618,
      ppid: 1,
      name: 'srv) (x y',
      rssBytes: 405 * 4096,
      cpuMs: 0,
      reapedChildrenCpuMs: 0,
    });
  });

  it('returns null for a line that is not a stat line', () => {
    expect(parseProcStat(1, '')).toBeNull();
    expect(parseProcStat(1, '1 (x) S')).toBeNull();
  });
});

describe('ps output (macOS BSD ps, Linux procps)', () => {
  it('macOS: rss in KiB, minutes beyond 60 in the CPU time, paths with spaces as names', () => {
    const samples = parsePsOutput(fixture('macos-ps.txt'));
    expect(samples).toHaveLength(9);
    expect(samples.find((sample) => sample.pid === 733)).toEqual({
      pid: 733,
      ppid: 731,
      name: '/Applications/Ollama.app/Contents/Resources/ollama',
      rssBytes: 2310448 * 1024,
      cpuMs: (125 * 60 + 7.33) * 1000,
      reapedChildrenCpuMs: 0,
    });
    expect(samples.find((sample) => sample.pid === 1911)?.name).toBe('-zsh');
    // Ollama's server and its model runner, from the server's pid.
    expect(pidsOf(treeOf(samples, [731]))).toEqual([731, 733]);
  });

  it('Linux procps: hh:mm:ss CPU times, a command name with spaces and parentheses', () => {
    const samples = parsePsOutput(fixture('linux-procps-ps.txt'));
    expect(samples).toHaveLength(10);
    expect(samples.find((sample) => sample.pid === 25618)?.name).toBe('srv) (x y');
    expect(samples.find((sample) => sample.pid === 1)?.cpuMs).toBe(3_000);
    expect(pidsOf(treeOf(samples, [25433]))).toEqual([25433, 25436, 25437, 25438, 25439]);
  });

  it('CPU time in every form ps prints it', () => {
    expect(parseCpuTime('00:00:03')).toBe(3_000);
    expect(parseCpuTime('1-02:03:04')).toBe((86_400 + 2 * 3600 + 3 * 60 + 4) * 1000);
    expect(parseCpuTime('0:01.80')).toBe(1_800);
    expect(parseCpuTime('125:07.33')).toBe(7_507_330);
    expect(parseCpuTime('-')).toBeNull();
    expect(parseCpuTime('TIME')).toBeNull();
  });

  it('skips header and malformed lines', () => {
    expect(parsePsOutput('  PID  PPID   RSS      TIME COMM\n\n  12 1 100 0:00.01 x\n')).toEqual([
      { pid: 12, ppid: 1, name: 'x', rssBytes: 102_400, cpuMs: 10, reapedChildrenCpuMs: 0 },
    ]);
  });
});

describe('Windows: Get-CimInstance Win32_Process as JSON', () => {
  it('Windows PowerShell 5.1: working set in bytes, CPU in 100 ns units, /Date(ms)/ start times', () => {
    const samples = parseCimProcesses(fixture('windows-cim-ps51.json'));
    expect(samples).toHaveLength(9);
    expect(samples.find((sample) => sample.pid === 8116)).toEqual({
      pid: 8116,
      ppid: 7384,
      name: 'Inference.Service.Agent.exe',
      rssBytes: 2843291648,
      cpuMs: (412500000 + 9151406250) / 10_000,
      reapedChildrenCpuMs: 0,
      startMs: 1718010105317,
    });
    expect(samples.find((sample) => sample.pid === 0)?.startMs).toBeUndefined();
  });

  it("leaves out a process whose parent pid was reused: it started before the 'parent'", () => {
    const samples = parseCimProcesses(fixture('windows-cim-ps51.json'));
    // 9300 (svchost) names 8116 as its parent, but started two hours before the service did.
    expect(pidsOf(treeOf(samples, [8116]))).toEqual([8116, 8240]);
    expect(pidsOf(treeOf(samples, [7020]))).toEqual([7020, 7384, 8116, 8240]);
  });

  it('does not loop on the System Idle Process, its own parent', () => {
    const samples = parseCimProcesses(fixture('windows-cim-ps51.json'));
    expect(pidsOf(treeOf(samples, [0]))).toEqual([0]);
  });

  it('PowerShell 7: ISO 8601 start times', () => {
    const samples = parseCimProcesses(fixture('windows-cim-ps7.json'));
    expect(samples.map((sample) => sample.startMs)).toEqual([Date.parse('2024-06-10T11:00:02.25+02:00'), Date.parse('2024-06-10T11:01:40.04+02:00'), Date.parse('2024-06-10T11:01:45.317+02:00')]);
    expect(pidsOf(treeOf(samples, [7384]))).toEqual([7384, 8116]);
  });

  it('a single process comes as an object, not an array; no output is no process', () => {
    expect(pidsOf(parseCimProcesses(fixture('windows-cim-single.json')))).toEqual([8116]);
    expect(parseCimProcesses('\uFEFF\r\n')).toEqual([]);
  });

  it('runs the query as an encoded command, so that no quoting rule applies', () => {
    const args = powershellArguments(WINDOWS_PROCESS_QUERY);
    expect(args.slice(0, 2)).toEqual(['-NoProfile', '-NonInteractive']);
    const encoded = args.at(-1) as string;
    expect(args.at(-2)).toBe('-EncodedCommand');
    expect(Buffer.from(encoded, 'base64').toString('utf16le')).toBe(WINDOWS_PROCESS_QUERY);
    expect(WINDOWS_PROCESS_QUERY).toContain('Get-CimInstance -ClassName Win32_Process');
    expect(WINDOWS_PROCESS_QUERY).not.toContain('wmic');
  });

  it('ends a tree with taskkill /T /F, every known member named', () => {
    expect(taskkillArguments([8116, 8240])).toEqual(['/PID', '8116', '/PID', '8240', '/T', '/F']);
  });
});
