// `edge-evals eval` (what `npm run eval` runs): validate the configuration before anything
// starts (exit code 2 on a mistake), decide the runtime and the models, then run vitest on
// the per-model projects. Any argument it does not know goes to vitest unchanged (`-t`,
// `--shard`, `--reporter`, ...). When Ctrl-C or SIGTERM stops vitest, it concludes the run
// from the cases measured so far.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { loadConfig, unknownVariableWarnings, type EvalConfig } from '../../config/env.ts';
import { checkWritableFolders } from '../../config/folders.ts';
import { makePlan, PLAN_ENV, type RunPlan } from '../../lifecycle/plan.ts';
import { writeAndConclude } from '../../report/conclude.ts';
import { JUNIT_REPORT } from '../../report/junit.ts';
import { MARKDOWN_REPORT } from '../../report/write.ts';
import { checkBaselineApart } from '../../results/check-apart.ts';
import { LATEST_RESULTS, PARTIAL_RESULTS, type CheckedFile } from '../../results/files.ts';
import { readPartialResults } from '../../results/partial.ts';
import { chooseRuntime } from '../../runtimes/choose.ts';
import { JUDGE_PHASE_FILE, judgeProjectName } from '../../suite/files.ts';
import { PROJECT_ROOT } from '../../util/paths.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { preflight } from '../preflight.ts';
import { parseVitestArguments } from '../vitest-args.ts';

const USAGE = `Usage: npm run eval -- [options] [vitest options]
       edge-evals eval [options] [vitest options]

Options:
  --runtime <name>          auto | embedded | foundry | ollama | llama-server | openai (EVAL_RUNTIME)
  --models <a,b,c>          models to evaluate (EVAL_MODELS)
  --save-baseline <file>    also save this run's results as a baseline (EVAL_SAVE_BASELINE)
  --baseline <file>         gate this run against a baseline (EVAL_BASELINE)
  --ui                      open the vitest UI instead of running once
  -h, --help                this help

Everything else is passed to vitest, e.g. -t "code/" or --shard 1/2.
Configuration: environment variables or .env, see .env.example.`;

/** Our flags, mapped to the variables they set; values are checked by loadConfig. */
const VALUE_FLAGS: Record<string, string> = {
  '--runtime': 'EVAL_RUNTIME',
  '--models': 'EVAL_MODELS',
  '--save-baseline': 'EVAL_SAVE_BASELINE',
  '--baseline': 'EVAL_BASELINE',
};

function splitArguments(args: string[]): { env: Record<string, string>; ui: boolean; help: boolean; vitestArgs: string[] } {
  const env: Record<string, string> = {};
  const vitestArgs: string[] = [];
  let ui = false;
  let help = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const [flag, inlineValue] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const variable = VALUE_FLAGS[flag];
    if (variable !== undefined) {
      const value = inlineValue ?? args[++index];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`, USAGE);
      env[variable] = value;
    } else if (arg === '--ui') ui = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else vitestArgs.push(arg);
  }
  return { env, ui, help, vitestArgs };
}

function vitestEntry(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
}

/** An OpenAI-compatible endpoint has no default models of ours: evaluate what it serves. */
async function listEndpointModels(config: EvalConfig): Promise<string[]> {
  const { createOpenAIRuntime } = await import('../../runtimes/openai/index.ts');
  return (await createOpenAIRuntime(config).catalog.list()).map((entry) => entry.modelId);
}

/** Exit code of a run stopped by Ctrl-C, as a shell reports a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130;

// Modification times may be rounded to the second or two (FAT, HFS+): a partial.jsonl written
// by this run can look up to that much older than the run's start.
const MTIME_GRANULARITY_MS = 2_000;

/** How vitest ended without concluding the run: the signal that stopped it, for the results, and words for people. */
interface Stop {
  signal: string | null;
  label: string;
}

/**
 * After vitest was stopped by a signal (it exits at once, before its reporter writes anything)
 * or crashed, write latest.json and the reports from the cases in partial.jsonl, marked as
 * interrupted: concludeRun neither passes the gate nor saves a baseline for it. Never throws:
 * a problem here is one line on stderr, and the run still ends with its exit code.
 */
function concludeStoppedRun(config: EvalConfig, plan: RunPlan, stop: Stop, writtenByThisRun: (file: string) => boolean): void {
  const partialFile = path.join(config.resultsDir, PARTIAL_RESULTS);
  const resultsFile = path.join(config.resultsDir, LATEST_RESULTS);
  try {
    // An older partial.jsonl was left by an earlier run that crashed: not this run's cases.
    if (!writtenByThisRun(partialFile)) {
      // Without partial.jsonl but with a new latest.json, the signal came after the reporter concluded the run.
      if (!writtenByThisRun(resultsFile)) process.stderr.write(`[edge-evals] ${stop.label}: stopped before any case was measured; no results written\n`);
      return;
    }
    const { results, warnings } = readPartialResults(partialFile, { config, plan, createdAt: new Date().toISOString(), signal: stop.signal });
    process.stderr.write(`[edge-evals] ${stop.label}: interrupted after ${results.cases.length} case${results.cases.length === 1 ? '' : 's'}; partial results follow\n`);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    // latest.json takes every case partial.jsonl had; a later `npm run eval` starts afresh anyway.
    const conclusion = writeAndConclude(results, { config, state: 'interrupted', unhandledErrors: 0, checkedBaseline: plan.checkedBaseline, stream: process.stdout });
    process.stdout.write(`\n${conclusion.text}`);
  } catch (error) {
    process.stderr.write(`[edge-evals] could not build the results of the interrupted run from ${partialFile}: ${(error as Error).message.split('\n').join(' ')}\n`);
  }
}

/** The reporter ran: it wrote latest.json, or at least a report when latest.json did not fit on the disk. */
function reporterConcluded(config: EvalConfig, writtenByThisRun: (file: string) => boolean): boolean {
  return [LATEST_RESULTS, MARKDOWN_REPORT, JUNIT_REPORT].some((name) => writtenByThisRun(path.join(config.resultsDir, name)));
}

export async function evalCommand(args: string[]): Promise<number> {
  const { env, ui, help, vitestArgs } = splitArguments(args);
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  Object.assign(process.env, env);
  const config = loadConfig();
  for (const warning of unknownVariableWarnings()) process.stderr.write(`warning: ${warning}\n`);
  checkWritableFolders(config);
  const vitest = await parseVitestArguments(vitestArgs, USAGE);
  // An unusable baseline is a usage error (exit code 2) before any model starts, never a silent pass.
  let checkedBaseline: CheckedFile | null = null;
  if (config.baselinePath !== undefined) {
    checkedBaseline = await checkBaselineApart(config.baselinePath, {
      origin: env.EVAL_BASELINE === undefined ? 'EVAL_BASELINE' : '--baseline',
      hint: 'Save one with: npm run eval -- --save-baseline <file>',
    });
  }
  const { name } = chooseRuntime(config);
  const endpointModels = name === 'openai' && config.models === undefined ? await listEndpointModels(config) : undefined;
  let plan: RunPlan = { ...makePlan(config, endpointModels), ...(checkedBaseline === null ? {} : { checkedBaseline }) };
  if (vitest.runsTests) {
    const checked = await preflight(plan.models, vitest);
    plan = { ...plan, evalFiles: checked.files };
    const skipped = checked.skipped === 0 ? '' : ` (${checked.skipped} skipped)`;
    process.stderr.write(`[edge-evals] ${checked.tests} tests${skipped} from ${checked.files.length} eval files: ${checked.files.join(', ')}\n`);
  }
  process.stderr.write(`[edge-evals] runtime: ${plan.runtime} (${plan.reason})\n`);
  process.stderr.write(`[edge-evals] models: ${plan.models.join(', ')}\n`);
  if (plan.judge !== undefined) process.stderr.write(`[edge-evals] judge: ${plan.judge.alias} on ${plan.judge.runtime} (${plan.judge.reason}), after the candidates\n`);

  const startedAt = Date.now();
  const projects = [...plan.models, ...(plan.judge === undefined ? [] : [judgeProjectName(plan.judge.alias)])].flatMap((project) => ['--project', project]);
  if (plan.judge !== undefined) {
    // vitest runs a file when its path contains one of the filters: the judge's file must be one.
    if (vitest.fileFilters.length > 0) vitestArgs.push(JUDGE_PHASE_FILE);
    if (vitestArgs.some((arg) => arg.startsWith('--shard'))) {
      process.stderr.write('[edge-evals] warning: with --shard the judge runs in one shard only, and judges the answers of that shard\n');
    }
  }
  // --watch keeps the UI open even when stdin is not a terminal (vitest would run once and exit).
  const mode = ui ? ['--ui', '--watch'] : ['run'];
  // The preflight decided whether `only` is allowed (CI unset, empty or "false"); vitest
  // would count CI=false as CI, so it is told rather than left to decide differently.
  const allowOnly = vitest.allowOnly && !vitestArgs.some((arg) => arg.startsWith('--allowOnly')) ? ['--allowOnly'] : [];
  const child = execa(process.execPath, [vitestEntry(), ...mode, ...projects, ...allowOnly, ...vitestArgs], {
    cwd: PROJECT_ROOT,
    env: { [PLAN_ENV]: JSON.stringify(plan) },
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
  if (signal !== null) {
    concludeStoppedRun(config, plan, { signal, label: signal }, writtenByThisRun);
  } else if (writtenByThisRun(path.join(config.resultsDir, PARTIAL_RESULTS)) && !reporterConcluded(config, writtenByThisRun)) {
    // vitest crashed (killed, out of memory) before its reporter ran: the cases measured are kept all the same.
    const how = result.signal === undefined ? `exit code ${result.exitCode ?? '?'}` : result.signal;
    concludeStoppedRun(config, plan, { signal: result.signal ?? null, label: `vitest ended (${how}) before concluding the run` }, writtenByThisRun);
  }
  if (signal === 'SIGINT') return EXIT_INTERRUPTED;
  if (result.exitCode !== undefined) return result.exitCode;
  return 1;
}
