// The resource sampler on this test's own process: real /proc samples, and a slow pid lookup
// (Foundry Gen B asks its CLI) that must neither pile up samples nor hold up stop().
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

  it('reports nothing rather than a guess when there is no process to sample', async () => {
    const sampler = new ResourceSampler(async () => [], 10);
    sampler.start();
    await sleep(50);
    expect(await sampler.stop()).toMatchObject({ peakRssMB: null, meanCpuPercent: null, samples: 0 });
  });
});
