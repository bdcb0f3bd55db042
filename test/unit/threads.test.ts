// The embedded runtime's thread-count rule (src/embedded/threads.ts), measured in
// bench-notes/embedded.md: overrides first, then the machine and the model size.
import { describe, expect, it } from 'vitest';
import { defaultThreadCount, resolveThreadCount, SINGLE_THREAD_MAX_MODEL_BYTES } from '../../src/embedded/threads.ts';

const MB = 1024 * 1024;
const small = SINGLE_THREAD_MAX_MODEL_BYTES - 1;
const large = 4 * 1024 * MB;

describe('defaultThreadCount', () => {
  it.each([1, 2, 4, 16])('gives models under the threshold one thread on %i CPUs', (cores) => {
    expect(defaultThreadCount(cores, small).threads).toBe(1);
    expect(defaultThreadCount(cores, 8 * MB).threads).toBe(1);
  });

  it('gives one thread on up to 2 CPUs, whatever the model (measured)', () => {
    for (const bytes of [small, SINGLE_THREAD_MAX_MODEL_BYTES, large]) {
      expect(defaultThreadCount(1, bytes).threads).toBe(1);
      expect(defaultThreadCount(2, bytes).threads).toBe(1);
    }
  });

  it('gives larger models half the CPUs on bigger machines, at most 8', () => {
    expect([3, 4, 8, 16, 64].map((cores) => defaultThreadCount(cores, large).threads)).toEqual([1, 2, 4, 8, 8]);
  });

  it('never gives more threads than CPUs', () => {
    for (const cores of [1, 2, 3, 4, 8, 64]) {
      for (const bytes of [small, SINGLE_THREAD_MAX_MODEL_BYTES, large]) {
        const { threads } = defaultThreadCount(cores, bytes);
        expect(threads).toBeGreaterThanOrEqual(1);
        expect(threads).toBeLessThanOrEqual(cores);
      }
    }
  });

  it('gives larger models more threads on bigger machines', () => {
    const counts = [2, 4, 8, 16].map((cores) => defaultThreadCount(cores, large).threads);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBeGreaterThan(counts[0] ?? 0);
  });

  it('says why', () => {
    expect(defaultThreadCount(2, large).reason).toMatch(/2 CPU/);
    expect(defaultThreadCount(8, small).reason).toMatch(/MB/);
    expect(defaultThreadCount(8, large).reason).toMatch(/8 CPUs/);
  });
});

describe('resolveThreadCount', () => {
  it('prefers --threads, then EVAL_THREADS, then the default', () => {
    expect(resolveThreadCount({ flagThreads: 3, envThreads: 5, cores: 2, modelBytes: small })).toEqual({ threads: 3, reason: '--threads' });
    expect(resolveThreadCount({ envThreads: 5, cores: 2, modelBytes: small })).toEqual({ threads: 5, reason: 'EVAL_THREADS' });
    expect(resolveThreadCount({ flagThreads: 0, envThreads: 0, cores: 2, modelBytes: small })).toEqual(defaultThreadCount(2, small));
  });
});
