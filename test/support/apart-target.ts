// Functions for test/unit/apart.test.ts to call in a worker thread.
import { isMainThread } from 'node:worker_threads';

export function double(value: number): number {
  return value * 2;
}

export function threadIsMain(): boolean {
  return isMainThread;
}

export function fail(message: string): never {
  throw new RangeError(message);
}

/** Writes `lines` long lines to stderr and returns at once: all of them must reach the caller's stderr. */
export function writeLines(lines: number): number {
  for (let index = 0; index < lines; index++) process.stderr.write(`apart line ${index} ${'x'.repeat(20_000)}\n`);
  return lines;
}
