// Running the eval suite for the suite benchmarks (suite-overhead.ts, suite-scale.ts): vitest
// run by `npm run eval`, or started as the eval command starts it (the run plan in the
// environment, one project per model), with the benchmark configuration of suite-overhead/vitest.config.ts, against an endpoint that
// answers at once; the per-test stamps it leaves, and the peak memory of the run's process tree.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { annotationPolicy } from '../../src/cli/vitest-args.ts';
import { ANNOTATE_CHOICES, type AnnotatePolicy } from '../../src/config/env.ts';
import { PLAN_ENV, type RunPlan } from '../../src/lifecycle/plan.ts';
import { sampleProcessTree } from '../../src/util/process-tree.ts';

export const HERE = path.join(import.meta.dirname, '../..');

/** What stamps.ts writes after each test file (times are the worker's performance.now()). */
export interface StampFile {
  timeOrigin: number;
  starts: number[];
  ends: number[];
  parts: Record<string, number[]>;
}

export interface SuiteRun {
  wallMs: number;
  /** When the run started and ended, epoch ms. */
  startedAt: number;
  exitedAt: number;
  output: string;
  stamps: StampFile[];
  /** Peak of the summed resident memory of vitest and all its children, when sampled. */
  peakRssMB: number | null;
  /**
   * Peak of the summed proportional set size (Linux): each shared page (the node binary, shared
   * libraries) divided among the processes that map it, so the sum is the tree's own memory.
   */
  peakPssMB: number | null;
  /** The processes at the RSS peak, largest first: `<RSS MB> (PSS <MB>) <command line>` (Linux). */
  peakProcesses: string[];
  /** Each process's own peak over the run (20 MB or more), largest first: `<RSS MB> <command line>`; their peaks need not coincide. */
  processPeaks: string[];
}

export interface SuiteRunOptions {
  /** The checkout to run in (its node_modules and bench files): this one unless comparing. */
  checkout?: string;
  baseURL: string;
  models: readonly string[];
  /** Scratch folder of this run: stamps/ go there, and results/ unless `resultsDir` says otherwise. */
  folder: string;
  resultsDir?: string;
  env?: Record<string, string>;
  /** Sample the process tree's memory this often (ms). */
  sampleRssMs?: number;
  /** Exit codes that are not a failure of the benchmark (1: the gate found a change). */
  exitCodes?: readonly number[];
  /**
   * How to start the run: `npm run eval` (what users run; its whole process tree is measured),
   * or vitest as the eval command starts it (default: works in checkouts whose eval command
   * cannot take --config, and the per-test figures are the same).
   */
  launcher?: 'npm' | 'vitest';
  /** Write CPU profiles of the vitest process and its workers to this folder (vitest launcher). */
  profileDir?: string;
}

/** A process's proportional set size in kB, from /proc/<pid>/smaps_rollup (Linux); null elsewhere. */
function proportionalSetKB(pid: number): number | null {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** The start of a process's command line, for the memory breakdown (Linux; else the pid). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3).map((part) => path.basename(part)).join(' ');
  } catch {
    return `pid ${pid}`;
  }
}

export async function runSuite(options: SuiteRunOptions): Promise<SuiteRun> {
  const checkout = options.checkout ?? HERE;
  const stamps = path.join(options.folder, 'stamps');
  mkdirSync(stamps, { recursive: true });
  const config = ['--config', 'scripts/bench/suite-overhead/vitest.config.ts'];
  const vitest = path.join(checkout, 'node_modules', 'vitest', 'vitest.mjs');
  const projects = options.models.flatMap((model) => ['--project', model]);
  const profile = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, '--cpu-prof-interval=250'];
  const [file, args] =
    options.launcher === 'npm' ? ['npm', ['run', '--silent', 'eval', '--', ...config]] : [process.execPath, [...profile, vitest, 'run', ...projects, ...config]];
  // Annotations as the eval command decides them for a plain run (no UI, the configured reporters).
  const annotate: AnnotatePolicy | undefined = ANNOTATE_CHOICES.find((choice) => choice === options.env?.EVAL_ANNOTATE);
  const plan: RunPlan = { runtime: 'openai', reason: 'EVAL_RUNTIME=openai', models: [...options.models], annotate: annotationPolicy(annotate, false, []) };
  const startedAt = Date.now();
  const started = performance.now();
  const child = execa(file, args, {
    cwd: checkout,
    env: {
      [PLAN_ENV]: JSON.stringify(plan),
      EVAL_RUNTIME: 'openai',
      EVAL_BASE_URL: options.baseURL,
      EVAL_MODELS: options.models.join(','),
      EVAL_RESULTS_DIR: options.resultsDir ?? path.join(options.folder, 'results'),
      EDGE_EVALS_CACHE: path.join(options.folder, 'cache'),
      NO_COLOR: '1',
      BENCH_STAMPS_DIR: stamps,
      ...(options.profileDir === undefined ? {} : { BENCH_CPU_PROF_DIR: options.profileDir }),
      ...options.env,
    },
    reject: false,
    all: true,
  });
  let peakRssBytes: number | null = null;
  let peakProcesses: string[] = [];
  let peakPssKB: number | null = null;
  const ownPeaks = new Map<number, { rssBytes: number; command: string }>();
  let sampling: Promise<void> = Promise.resolve();
  const timer =
    options.sampleRssMs === undefined || child.pid === undefined
      ? null
      : setInterval(() => {
          sampling = sampling.then(async () => {
            const tree = await sampleProcessTree([child.pid as number]).catch(() => []);
            const rss = tree.reduce((sum, process) => sum + process.rssBytes, 0);
            const pss = tree.reduce((sum, process) => sum + (proportionalSetKB(process.pid) ?? 0), 0);
            if (pss > 0) peakPssKB = Math.max(peakPssKB ?? 0, pss);
            for (const process of tree) {
              const known = ownPeaks.get(process.pid);
              // The command line read at the peak: `sh -c node ...` becomes node when the shell execs it.
              if (known === undefined || process.rssBytes > known.rssBytes) ownPeaks.set(process.pid, { rssBytes: process.rssBytes, command: commandLine(process.pid) });
            }
            if (rss <= (peakRssBytes ?? 0)) return;
            peakRssBytes = rss;
            peakProcesses = tree
              .sort((a, b) => b.rssBytes - a.rssBytes)
              .map((process) => `${(process.rssBytes / 1024 ** 2).toFixed(0)} MB (PSS ${((proportionalSetKB(process.pid) ?? 0) / 1024).toFixed(0)}) ${commandLine(process.pid)}`);
          });
        }, options.sampleRssMs);
  const result = await child;
  const wallMs = performance.now() - started;
  const exitedAt = Date.now();
  if (timer !== null) clearInterval(timer);
  await sampling;
  if (!(options.exitCodes ?? [0]).includes(result.exitCode ?? -1)) throw new Error(`the eval run exited with ${result.exitCode}:\n${result.all.split('\n').slice(-40).join('\n')}`);
  const files = readdirSync(stamps).map((name) => JSON.parse(readFileSync(path.join(stamps, name), 'utf8')) as StampFile);
  return {
    wallMs,
    startedAt,
    exitedAt,
    output: result.all,
    stamps: files,
    peakRssMB: peakRssBytes === null ? null : peakRssBytes / 1024 ** 2, peakPssMB: peakPssKB === null ? null : peakPssKB / 1024,
    peakProcesses,
    processPeaks: [...ownPeaks.values()]
      .filter((peak) => peak.rssBytes >= 20 * 1024 ** 2)
      .sort((a, b) => b.rssBytes - a.rssBytes)
      .map((peak) => `${(peak.rssBytes / 1024 ** 2).toFixed(0)} MB ${peak.command}`),
  };
}
