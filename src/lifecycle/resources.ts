// Memory and CPU of a model server's process tree, sampled at a fixed interval while the
// model's tests run (docs/METRICS.md: peak RSS and mean CPU, interval stated), and how busy the
// machine was meanwhile: the load average, the CPU taken by every process that is neither the
// model's nor edge-evals' own (vitest, its workers, the checks they run), and which of those
// processes were busy (busy-processes.ts). A model slowed down by another job on the machine
// then shows it in its results, with the job's name.
import os from 'node:os';
import type { Resources } from '../contract/results.ts';
import { processSnapshot, type ProcessSample } from '../util/process-table.ts';
import { treeOf } from '../util/process-tree.ts';
import { busyProcesses } from './busy-processes.ts';

// Windows answers through PowerShell, which takes a few hundred ms per snapshot: a sample a
// second there, and the interval recorded with the results says so.
export const RESOURCE_SAMPLE_INTERVAL_MS = process.platform === 'win32' ? 1_000 : 200;

interface CpuPoint {
  atMs: number;
  /** CPU time of the model's processes; null when it has none on this machine. */
  modelMs: number | null;
  /** CPU time of the model's and edge-evals' processes, with their children that ended. */
  oursMs: number;
  /** Busy time of every core of the machine. */
  machineMs: number;
}

/** A process table at one moment, by pid, and the processes of the model and of edge-evals in it. */
interface Table {
  atMs: number;
  processes: Map<number, ProcessSample>;
  ours: Set<number>;
}

/** Busy (not idle) time summed over the machine's cores, in ms. */
function machineBusyMs(): number {
  return os.cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

const sum = (tree: readonly ProcessSample[], pick: (member: ProcessSample) => number) => tree.reduce((total, member) => total + pick(member), 0);

export class ResourceSampler {
  private peakRssBytes: number | null = null;
  private samples = 0;
  private first: CpuPoint | null = null;
  private last: CpuPoint | null = null;
  private firstTable: Table | null = null;
  private lastTable: Table | null = null;
  private loadSum = 0;
  private loadSamples = 0;
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly pids: () => Promise<number[]>,
    private readonly intervalMs = RESOURCE_SAMPLE_INTERVAL_MS,
    /** The root of edge-evals' own processes: the vitest process the coordinator runs in. */
    private readonly harnessPid = process.pid,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.sampling = this.sampleOnce();
    // A tick that comes while a sample is still being taken (finding the pids may run a CLI)
    // is skipped: queueing it would pile up samples and delay stop().
    this.timer = setInterval(() => {
      if (!this.busy) this.sampling = this.sampleOnce();
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<Resources> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.sampling;
    return this.snapshot();
  }

  /** Usage so far: the peak since start(), CPU and load averaged over the sampled window. */
  snapshot(): Resources {
    const { first, last } = this;
    const window = first !== null && last !== null && last.atMs > first.atMs ? last.atMs - first.atMs : null;
    const percent = (pick: (point: CpuPoint) => number | null) => {
      if (window === null || first === null || last === null) return null;
      const [from, to] = [pick(first), pick(last)];
      return from === null || to === null ? null : round(((to - from) / window) * 100);
    };
    const others = percent((point) => point.machineMs - point.oursMs);
    return {
      peakRssMB: this.peakRssBytes === null ? null : round(this.peakRssBytes / (1024 * 1024)),
      meanCpuPercent: percent((point) => point.modelMs),
      loadAverage: this.loadSamples === 0 ? null : round(this.loadSum / this.loadSamples),
      // Clock ticks of the machine and of processes are counted apart: a few % either way is rounding.
      otherCpuPercent: others === null ? null : Math.max(0, others),
      samples: this.samples,
      intervalMs: this.intervalMs,
      busyProcesses: this.busyOthers(),
    };
  }

  private busyOthers(): Resources['busyProcesses'] {
    const { firstTable: first, lastTable: last } = this;
    if (first === null || last === null) return [];
    return busyProcesses(first.processes, last.processes, new Set([...first.ours, ...last.ours]), last.atMs - first.atMs);
  }

  private async sampleOnce(): Promise<void> {
    this.busy = true;
    try {
      // A runtime that serves from elsewhere (an OpenAI-compatible URL) has no processes here;
      // the machine's load is sampled all the same.
      const roots = await this.pids();
      const all = await processSnapshot();
      const model = treeOf(all, roots);
      const ours = treeOf(all, [...roots, this.harnessPid]);
      const atMs = performance.now();
      const point: CpuPoint = {
        atMs,
        modelMs: model.length === 0 ? null : sum(model, (member) => member.cpuMs),
        oursMs: sum(ours, (member) => member.cpuMs + member.reapedChildrenCpuMs),
        machineMs: machineBusyMs(),
      };
      this.first ??= point;
      this.last = point;
      if (model.length > 0) {
        this.peakRssBytes = Math.max(this.peakRssBytes ?? 0, sum(model, (member) => member.rssBytes));
        const table: Table = { atMs, processes: new Map(all.map((sample) => [sample.pid, sample])), ours: new Set(ours.map((sample) => sample.pid)) };
        this.firstTable ??= table;
        this.lastTable = table;
      }
      // Windows has no load average (os.loadavg() gives zeros there).
      if (process.platform !== 'win32') {
        this.loadSum += os.loadavg()[0] ?? 0;
        this.loadSamples++;
      }
      this.samples++;
    } catch {
      // A sample lost to a process that just exited is not worth failing a run for.
    } finally {
      this.busy = false;
    }
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
