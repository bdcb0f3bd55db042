// How many CPU threads the embedded runtime gives a model. node-llama-cpp's own default
// (max(4, math cores)) oversubscribes small machines badly: on 2 vCPUs fixture-tiny decodes
// at 4 tokens/s with 4 threads and at ~1500 tokens/s with 1. The rule below comes from
// scripts/bench/embedded-threads.ts; its figures are in bench-notes/embedded.md.
import os from 'node:os';

/**
 * Below this file size one thread is the default. Measured on 2 vCPUs (bench-notes/embedded.md):
 * up to 189 MB a second thread makes decoding slower (fixture-tiny 1467 vs 57 tokens/s,
 * fixture-small 355 vs 81, fixture-medium 108 vs 55: synchronisation costs more than the
 * arithmetic it shares) and only shortens the prefill; at 521 MB decoding is as fast with two
 * threads (memory-bound) and the prefill is 40 % shorter, so two threads win. The threshold
 * sits between the two measured sizes.
 */
export const MULTI_THREAD_MIN_MODEL_BYTES = 320 * 1024 * 1024;

/** Decoding is bound by memory bandwidth well before this many threads. */
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
 * Pure. Small models get one thread (measured, see MULTI_THREAD_MIN_MODEL_BYTES); larger ones
 * half the CPUs, at least 2 and at most 8: about one per physical core on SMT machines, as
 * llama.cpp does, and CPUs left for the HTTP server and the harness. Only the 2-CPU case is
 * measured here; --threads and EVAL_THREADS override.
 */
export function defaultThreadCount(cores: number, modelBytes: number): ThreadChoice {
  const megabytes = Math.round(modelBytes / 1024 / 1024);
  if (cores <= 1) return { threads: 1, reason: 'one CPU available' };
  if (modelBytes < MULTI_THREAD_MIN_MODEL_BYTES) {
    return { threads: 1, reason: `model of ${megabytes} MB (< ${MULTI_THREAD_MIN_MODEL_BYTES / 1024 / 1024} MB): one thread decodes fastest` };
  }
  const threads = Math.min(cores, MAX_DEFAULT_THREADS, Math.max(2, Math.floor(cores / 2)));
  return { threads, reason: `model of ${megabytes} MB on ${cores} CPUs: half the CPUs, 2 to ${MAX_DEFAULT_THREADS}` };
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
