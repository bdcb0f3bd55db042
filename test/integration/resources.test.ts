// The resource sampler on this test's own process: real /proc samples, and a slow pid lookup
// (Foundry Gen B asks its CLI) that must neither pile up samples nor hold up stop().
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ResourceSampler } from '../../src/lifecycle/resources.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ResourceSampler', () => {
  it('samples the memory and CPU of a process tree', async () => {
    const sampler = new ResourceSampler(async () => [process.pid], 20);
    sampler.start();
    await sleep(200);
    const resources = await sampler.stop();
    expect(resources.samples).toBeGreaterThanOrEqual(2);
    expect(resources.peakRssMB).toBeGreaterThan(10);
    expect(resources.intervalMs).toBe(20);
  });

  it('skips the ticks that come while a slow pid lookup runs, so stop() waits for one sample at most', async () => {
    let lookups = 0;
    const sampler = new ResourceSampler(async () => {
      lookups++;
      await sleep(300);
      return [process.pid];
    }, 10);
    sampler.start();
    await sleep(700);
    const stopping = performance.now();
    const resources = await sampler.stop();
    // Queued ticks would have made ~70 lookups and kept stop() busy for many seconds.
    expect(lookups).toBeLessThanOrEqual(4);
    expect(performance.now() - stopping).toBeLessThan(1_000);
    expect(resources.samples).toBeGreaterThanOrEqual(1);
  });

  it('reports no memory or CPU rather than a guess when the model has no process here, but still how busy the machine was', async () => {
    const sampler = new ResourceSampler(async () => [], 10);
    sampler.start();
    await sleep(100);
    const resources = await sampler.stop();
    expect(resources).toMatchObject({ peakRssMB: null, meanCpuPercent: null });
    expect(resources.samples).toBeGreaterThanOrEqual(2);
    expect(resources.otherCpuPercent).toEqual(expect.any(Number));
    expect(resources.loadAverage).toEqual(expect.any(Number));
  });

  it('counts a CPU-bound process outside the model and edge-evals as other load', async () => {
    const hog = execa(process.execPath, ['-e', 'for (;;) {}']);
    const idle = execa(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      // The idle process stands for edge-evals here, so that the hog (a child of this test) is someone else's.
      const sampler = new ResourceSampler(async () => [], 50, idle.pid);
      await sleep(200);
      sampler.start();
      await sleep(1_000);
      const resources = await sampler.stop();
      // One core kept busy: close to 100% of a core, less when the machine is short of cores.
      expect(resources.otherCpuPercent).toBeGreaterThan(40);
    } finally {
      hog.kill();
      idle.kill();
      await Promise.allSettled([hog, idle]);
    }
  });
});
