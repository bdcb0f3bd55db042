// The embedded runtime's thread-count rule (src/embedded/threads.ts), measured in
// bench-notes/embedded.md: overrides first, then the machine and the model size.
import { describe, expect, it } from 'vitest';
import { defaultThreadCount, MULTI_THREAD_MIN_MODEL_BYTES, resolveThreadCount } from '../../src/embedded/threads.ts';

const MB = 1024 * 1024;
const small = MULTI_THREAD_MIN_MODEL_BYTES - 1;
const large = 4 * 1024 * MB;

describe('defaultThreadCount', () => {
  it.each([1, 2, 4, 16])('gives models under the threshold one thread on %i CPUs', (cores) => {
    expect(defaultThreadCount(cores, small).threads).toBe(1);
    expect(defaultThreadCount(cores, 8 * MB).threads).toBe(1);
  });

  it('follows the 2-CPU measurement: 189 MB one thread, 521 MB two', () => {
    expect(defaultThreadCount(2, 189 * MB).threads).toBe(1);
    expect(defaultThreadCount(2, 521 * MB).threads).toBe(2);
  });

  it('gives larger models half the CPUs, from 2 to 8', () => {
    expect([1, 2, 3, 4, 8, 16, 64].map((cores) => defaultThreadCount(cores, large).threads)).toEqual([1, 2, 2, 2, 4, 8, 8]);
  });

  it('never gives more threads than CPUs', () => {
    for (const cores of [1, 2, 3, 4, 8, 64]) {
      for (const bytes of [small, MULTI_THREAD_MIN_MODEL_BYTES, large]) {
        const { threads } = defaultThreadCount(cores, bytes);
        expect(threads).toBeGreaterThanOrEqual(1);
        expect(threads).toBeLessThanOrEqual(cores);
      }
    }
  });

  it('says why', () => {
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
