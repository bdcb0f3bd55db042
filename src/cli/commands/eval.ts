// `edge-evals eval` (what `npm run eval` runs): prepare the run (src/cli/eval-prepare.ts:
// validate the configuration before anything starts, exit code 2 on a mistake; decide the
// runtime and the models), then run vitest on the per-model projects and wait for it. Any
// argument it does not know goes to vitest unchanged (`-t`, `--shard`, `--reporter`, ...). When
// Ctrl-C or SIGTERM stops vitest, or vitest crashes, it concludes the run from the cases
// measured so far.
//
// This process lives as long as the run, beside vitest: it stays small. The preparation runs in
// a worker thread (it imports every eval file and vitest's argument parser) and the conclusion
// of a stopped run is imported only when one is needed.
import { existsSync, statSync } from 'node:fs';
import { execa } from 'execa';
import { removeGateView } from '../../results/baseline-view.ts';
import { callApart } from '../../util/apart.ts';
import type { PreparedRun } from '../eval-prepare.ts';

/** Exit code of a run stopped by Ctrl-C, as a shell reports a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130;

// Modification times may be rounded to the second or two (FAT, HFS+): a partial.jsonl written
// by this run can look up to that much older than the run's start.
const MTIME_GRANULARITY_MS = 2_000;

export async function evalCommand(args: string[]): Promise<number> {
  const prepared = await callApart<PreparedRun | number>(import.meta.resolve('../eval-prepare.ts'), 'prepareEvalRun', [args]);
  if (typeof prepared === 'number') return prepared;
  try {
    return await runVitest(prepared);
  } finally {
    removeGateView(prepared.plan.checkedBaseline?.view);
  }
}

async function runVitest(prepared: PreparedRun): Promise<number> {
  // What our flags set, for vitest and for the conclusion of a stopped run (they read it again).
  Object.assign(process.env, prepared.env);

  const startedAt = Date.now();
  const child = execa(process.execPath, prepared.vitestArgv, {
    cwd: prepared.cwd,
    env: prepared.vitestEnv,
    stdio: 'inherit',
    reject: false,
  });
  // Ctrl-C reaches vitest directly (same process group); vitest then stops what it started.
  // We only wait for it, noting the signal, and pass on a SIGTERM sent to us alone (a CI job
  // being cancelled).
  let stoppedBy: NodeJS.Signals | null = null;
  const noteInterrupt = () => {
    stoppedBy = 'SIGINT';
  };
  const forwardTerminate = () => {
    stoppedBy ??= 'SIGTERM';
    child.kill('SIGTERM');
  };
  process.on('SIGINT', noteInterrupt);
  process.on('SIGTERM', forwardTerminate);
  let result: Awaited<typeof child>;
  try {
    result = await child;
  } finally {
    // From here a second Ctrl-C stops us at once; every file below is written atomically.
    process.off('SIGINT', noteInterrupt);
    process.off('SIGTERM', forwardTerminate);
  }
  const childSignal = result.signal === 'SIGINT' || result.signal === 'SIGTERM' ? result.signal : null;
  const signal: NodeJS.Signals | null = stoppedBy ?? childSignal;
  const writtenByThisRun = (file: string) => existsSync(file) && statSync(file).mtimeMs >= startedAt - MTIME_GRANULARITY_MS;
  // vitest did not conclude the run itself when a signal stopped it (it exits at once), or when it
  // crashed (killed, out of memory) after some cases but before its reporter wrote anything.
  const how = result.signal === undefined ? `exit code ${result.exitCode ?? '?'}` : result.signal;
  const stop =
    signal !== null
      ? { signal, label: signal }
      : writtenByThisRun(prepared.partialFile) && !prepared.concludedFiles.some(writtenByThisRun)
        ? { signal: result.signal ?? null, label: `vitest ended (${how}) before concluding the run` }
        : null;
  if (stop !== null) {
    const { concludeStoppedRun } = await import('../eval-stopped.ts');
    concludeStoppedRun(prepared.plan, prepared.partialFile, stop, writtenByThisRun);
  }
  if (signal === 'SIGINT') return EXIT_INTERRUPTED;
  if (result.exitCode !== undefined) return result.exitCode;
  return 1;
}
