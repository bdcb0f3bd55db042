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

  it('never gives more threads than CPUs, and one on a single CPU', () => {
    for (const cores of [1, 2, 3, 4, 8, 64]) {
      for (const bytes of [small, SINGLE_THREAD_MAX_MODEL_BYTES, large]) {
        const { threads } = defaultThreadCount(cores, bytes);
        expect(threads).toBeGreaterThanOrEqual(1);
        expect(threads).toBeLessThanOrEqual(cores);
      }
    }
    expect(defaultThreadCount(1, large).threads).toBe(1);
  });

  it('gives larger models more threads on bigger machines', () => {
    const counts = [2, 4, 8, 16].map((cores) => defaultThreadCount(cores, large).threads);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBeGreaterThan(counts[0] ?? 0);
  });

  it('says why', () => {
    expect(defaultThreadCount(2, small).reason).toMatch(/MB/);
  });
});

describe('resolveThreadCount', () => {
  it('prefers --threads, then EVAL_THREADS, then the default', () => {
    expect(resolveThreadCount({ flagThreads: 3, envThreads: 5, cores: 2, modelBytes: small })).toEqual({ threads: 3, reason: '--threads' });
    expect(resolveThreadCount({ envThreads: 5, cores: 2, modelBytes: small })).toEqual({ threads: 5, reason: 'EVAL_THREADS' });
    expect(resolveThreadCount({ flagThreads: 0, envThreads: 0, cores: 2, modelBytes: small })).toEqual(defaultThreadCount(2, small));
  });
});
