// Memory and CPU of a model server's process tree, sampled at a fixed interval while the
// model's tests run (docs/METRICS.md: peak RSS and mean CPU, interval stated).
import type { Resources } from '../contract/results.ts';
import { sampleProcessTree } from '../util/process-tree.ts';

export const RESOURCE_SAMPLE_INTERVAL_MS = 200;

export class ResourceSampler {
  private peakRssBytes: number | null = null;
  private samples = 0;
  private firstCpu: { atMs: number; cpuMs: number } | null = null;
  private lastCpu: { atMs: number; cpuMs: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly pids: () => Promise<number[]>,
    private readonly intervalMs = RESOURCE_SAMPLE_INTERVAL_MS,
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

  /** Usage so far: the peak since start(), CPU averaged over the sampled window. */
  snapshot(): Resources {
    const cpu =
      this.firstCpu !== null && this.lastCpu !== null && this.lastCpu.atMs > this.firstCpu.atMs
        ? ((this.lastCpu.cpuMs - this.firstCpu.cpuMs) / (this.lastCpu.atMs - this.firstCpu.atMs)) * 100
        : null;
    return {
      peakRssMB: this.peakRssBytes === null ? null : round(this.peakRssBytes / (1024 * 1024)),
      meanCpuPercent: cpu === null ? null : round(cpu),
      samples: this.samples,
      intervalMs: this.intervalMs,
    };
  }

  private async sampleOnce(): Promise<void> {
    this.busy = true;
    try {
      const roots = await this.pids();
      if (roots.length === 0) return;
      const tree = await sampleProcessTree(roots);
      if (tree.length === 0) return;
      const rss = tree.reduce((total, process) => total + process.rssBytes, 0);
      const cpuMs = tree.reduce((total, process) => total + process.cpuMs, 0);
      const point = { atMs: performance.now(), cpuMs };
      this.firstCpu ??= point;
      this.lastCpu = point;
      this.peakRssBytes = Math.max(this.peakRssBytes ?? 0, rss);
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
