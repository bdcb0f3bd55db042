// How many CPU threads the embedded runtime gives a model. node-llama-cpp's own default
// (max(4, math cores)) oversubscribes small machines badly: on 2 vCPUs fixture-tiny decodes
// at 4 tokens/s with 4 threads and at 1642 tokens/s with 1. The rule below comes from
// scripts/bench/embedded-threads.ts; its figures are in bench-notes/embedded.md.
import os from 'node:os';

/**
 * Below this file size, a token costs less arithmetic than the threads' synchronisation:
 * one thread decodes fastest (measured on 2 vCPUs: fixture-tiny 1642 vs 66 tokens/s,
 * fixture-small 373 vs 73 tokens/s with 1 vs 2 threads). Assumed on larger machines too,
 * where the synchronisation costs the same.
 */
export const SINGLE_THREAD_MAX_MODEL_BYTES = 128 * 1024 * 1024;

/** Decode is bound by memory bandwidth well before this many threads. */
const MAX_DEFAULT_THREADS = 8;

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
 * Pure; the measurements behind it are in bench-notes/embedded.md:
 * - up to 2 CPUs: one thread. A second thread never decoded faster here (8 MB to 521 MB
 *   models; decode is memory-bound: 521 MB x 39 tokens/s is ~20 GB/s already on one thread)
 *   and collapses when anything else runs on the other CPU; it only shortens the prefill of
 *   large models.
 * - small models (< 128 MB): one thread everywhere, for the synchronisation cost above.
 * - larger models on 3+ CPUs: half the CPUs (about the physical cores on SMT machines, and
 *   CPUs left for the HTTP server and the harness), at most 8. Not measured here (2 vCPUs):
 *   it follows llama.cpp's own default of one thread per physical core; override with
 *   --threads or EVAL_THREADS.
 */
export function defaultThreadCount(cores: number, modelBytes: number): ThreadChoice {
  const megabytes = Math.round(modelBytes / 1024 / 1024);
  if (cores <= 2) return { threads: 1, reason: `${cores} CPU(s): one thread decodes fastest` };
  if (modelBytes < SINGLE_THREAD_MAX_MODEL_BYTES) {
    return { threads: 1, reason: `model of ${megabytes} MB (< ${SINGLE_THREAD_MAX_MODEL_BYTES / 1024 / 1024} MB): one thread decodes fastest` };
  }
  const threads = Math.max(1, Math.min(MAX_DEFAULT_THREADS, Math.floor(cores / 2)));
  return { threads, reason: `model of ${megabytes} MB on ${cores} CPUs: half the CPUs, at most ${MAX_DEFAULT_THREADS}` };
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
