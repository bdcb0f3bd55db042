// Calling a function in a worker thread, so that the memory it takes is returned when it ends.
// The eval command waits for vitest for the whole run: whatever its own process grew to before
// (reading a baseline, importing the eval files to check them) would otherwise stay in the
// run's peak. V8 keeps a heap it grew, and modules once imported stay loaded; a worker's heap,
// modules and compiled code go with it.
import { Worker } from 'node:worker_threads';

// tsx is registered on the main thread only (bin/edge-evals.js); the worker registers it itself.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.tsx)
  .then(({ register }) => {
    register();
    return import(workerData.module);
  })
  .then((module) => module[workerData.name](...workerData.args))
  .then((value) => parentPort.postMessage({ value }))
  .catch((error) => parentPort.postMessage({ error: { name: error?.name ?? 'Error', message: error?.message ?? String(error), stack: error?.stack } }))
  // Ended, not terminated: what the worker wrote to stdout and stderr is passed on before the
  // thread goes (terminate() drops what is still on its way), and tsx's loader does not keep it alive.
  .finally(() => process.exit(0));
`;

/** What a function called apart threw: its name, message and stack (a thread passes no classes). */
export class ApartError extends Error {
  constructor(
    readonly originalName: string,
    message: string,
    stack?: string,
  ) {
    super(message);
    this.name = 'ApartError';
    // The worker's stack, for EDGE_EVALS_DEBUG=1: this thread's says only that a worker answered.
    if (stack !== undefined) this.stack = stack;
  }
}

type Outcome<T> = { value: T } | { error: { name: string; message: string; stack?: string } };

/**
 * `module[name](...args)` in a worker thread: the arguments and the value are copied (structured
 * clone), the worker's output reaches this process's stdout and stderr, and an error comes back
 * as an ApartError with the original's name and message. `module` is an import.meta.resolve()d URL.
 */
export async function callApart<T>(module: string, name: string, args: readonly unknown[]): Promise<T> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { tsx: import.meta.resolve('tsx/esm/api'), module, name, args },
  });
  let outcome: Outcome<T> | undefined;
  worker.on('message', (message: Outcome<T>) => {
    outcome = message;
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });
  if (outcome === undefined) throw new Error(`the worker thread of ${name} ended before answering`);
  if ('value' in outcome) return outcome.value;
  throw new ApartError(outcome.error.name, outcome.error.message, outcome.error.stack);
}
