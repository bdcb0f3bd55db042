// How many CPU threads the embedded runtime gives a model. node-llama-cpp's own default
// (max(4, math cores)) oversubscribes small machines badly: on 2 vCPUs a 1.6M-parameter model
// decodes at ~3 tokens/s with 4 threads and at ~1000 tokens/s with 1. The rule below comes
// from scripts/bench/embedded-threads.ts; its figures are in bench-notes/embedded.md.
import os from 'node:os';

/**
 * Models below this file size are dominated by per-token synchronisation, not arithmetic:
 * one thread decodes them fastest whatever the machine (measured: fixture-tiny and
 * fixture-small decode 1.5-2x faster on 1 thread than on 2).
 */
export const SINGLE_THREAD_MAX_MODEL_BYTES = 128 * 1024 * 1024;

export interface ThreadChoice {
  threads: number;
  /** Why this number, for logs and `/models/loaded`. */
  reason: string;
}

/** CPUs this process may use (respects affinity masks and container limits where Node sees them). */
export function availableCores(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * The default thread count for a model of `modelBytes` on a machine with `cores` usable CPUs.
 * Pure: the measurement behind it is in bench-notes/embedded.md.
 */
export function defaultThreadCount(cores: number, modelBytes: number): ThreadChoice {
  if (cores <= 1) return { threads: 1, reason: 'one CPU available' };
  if (modelBytes < SINGLE_THREAD_MAX_MODEL_BYTES) {
    return { threads: 1, reason: `model under ${SINGLE_THREAD_MAX_MODEL_BYTES / 1024 / 1024} MB: one thread decodes fastest` };
  }
  // Larger models are bound by arithmetic and memory bandwidth, which more threads help, but
  // a thread per logical CPU leaves nothing for the HTTP server and the harness on small
  // machines; keep one CPU free from 4 CPUs up.
  const threads = cores <= 3 ? cores : cores - 1;
  return { threads, reason: `model of ${Math.round(modelBytes / 1024 / 1024)} MB on ${cores} CPUs` };
}

/**
 * The thread count to use: an explicit `--threads`, else EVAL_THREADS (> 0), else the
 * measured default. `envThreads` 0 means "not set" (as in loadConfig()).
 */
export function resolveThreadCount(options: {
  flagThreads?: number;
  envThreads?: number;
  cores: number;
  modelBytes: number;
}): ThreadChoice {
  if (options.flagThreads !== undefined && options.flagThreads > 0) {
    return { threads: options.flagThreads, reason: '--threads' };
  }
  if (options.envThreads !== undefined && options.envThreads > 0) {
    return { threads: options.envThreads, reason: 'EVAL_THREADS' };
  }
  return defaultThreadCount(options.cores, options.modelBytes);
}
