// Setup file of the suite-overhead benchmark: a timestamp when each test starts and ends (in the
// worker, performance.now()), written to $BENCH_STAMPS_DIR after each file. Between one test's
// start and the next is the whole cost of a test as the worker sees it. With
// BENCH_SUITE_VARIANT=ours-no-annotations or ours-no-meta, the real tests run with annotations
// or the recorded case knocked out, to attribute their cost.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, type TestContext } from 'vitest';
import { recordPart, takeParts } from './timings.ts';

const variant = process.env.BENCH_SUITE_VARIANT ?? 'ours';
const starts: number[] = [];
const ends: number[] = [];

beforeEach((context) => {
  // A test context's annotate is read-only to tests; the benchmark swaps it for one it times.
  const writable = context as { annotate: TestContext['annotate'] };
  if (variant === 'ours-no-annotations') writable.annotate = (async () => undefined) as unknown as TestContext['annotate'];
  else {
    const annotate = context.annotate.bind(context);
    writable.annotate = (async (...args: Parameters<typeof annotate>) => {
      const started = performance.now();
      const annotation = await annotate(...args);
      recordPart('annotation (each)', performance.now() - started);
      return annotation;
    }) as TestContext['annotate'];
  }
  if (variant === 'ours-no-meta') {
    Object.defineProperty(context.task.meta, 'edgeEvals', { configurable: true, get: () => undefined, set: () => undefined });
  }
  starts.push(performance.now());
});

afterEach(() => {
  ends.push(performance.now());
});

afterAll(() => {
  const folder = process.env.BENCH_STAMPS_DIR;
  if (folder === undefined) return;
  writeFileSync(path.join(folder, `${randomUUID()}.json`), JSON.stringify({ timeOrigin: performance.timeOrigin, starts, ends, parts: takeParts() }));
});
