// The eval command up to vitest's start (src/cli/commands/eval.ts runs it in a worker thread):
// validate the configuration before anything starts (exit code 2 on a mistake), check the
// baseline and the eval files, decide the runtime and the models, and say how to start vitest.
// What it imports and reads (vitest's argument parser, every eval file and its data) is then
// returned with the worker instead of staying in the eval command's process for the whole run.
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadConfig, unknownVariableWarnings, type EvalConfig } from '../config/env.ts';
import { checkWritableFolders } from '../config/folders.ts';
import { makePlan, PLAN_ENV, type RunPlan } from '../lifecycle/plan.ts';
import { JUNIT_REPORT } from '../report/junit.ts';
import { MARKDOWN_REPORT } from '../report/write.ts';
import { removeGateView } from '../results/baseline-view.ts';
import { checkBaseline, LATEST_RESULTS, PARTIAL_RESULTS, type CheckedFile } from '../results/files.ts';
import { chooseRuntime } from '../runtimes/choose.ts';
import { JUDGE_PHASE_FILE, judgeProjectName } from '../suite/files.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { EXIT_OK, reportError, UsageError } from './errors.ts';
import { preflight } from './preflight.ts';
import { annotationPolicy, parseVitestArguments } from './vitest-args.ts';

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
  const { createOpenAIRuntime } = await import('../runtimes/openai/index.ts');
  return (await createOpenAIRuntime(config).catalog.list()).map((entry) => entry.modelId);
}

/** How to start vitest for the run, and where to look for what it wrote after. */
export interface PreparedRun {
  /** The variables our flags set (--models, --baseline, ...): vitest and the conclusion read them. */
  env: Record<string, string>;
  plan: RunPlan;
  /** vitest's command line, after the Node executable. */
  vitestArgv: string[];
  /** What vitest gets besides this process's environment: the run plan. */
  vitestEnv: Record<string, string>;
  cwd: string;
  /** partial.jsonl: the reporter appends each case to it as the case ends. */
  partialFile: string;
  /** What the reporter writes when it concludes the run: one of them written means it did. */
  concludedFiles: string[];
}

/** How the run is to start, or the exit code when it must not (help, or a mistake, already printed). */
export async function prepareEvalRun(args: string[]): Promise<PreparedRun | number> {
  try {
    return await prepare(args);
  } catch (error) {
    return reportError(error);
  }
}

async function prepare(args: string[]): Promise<PreparedRun | number> {
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
  // Its gate view is kept for the run's conclusion (results/baseline-view.ts); the eval command
  // removes it when the run ends, and so does a mistake found below.
  let checkedBaseline: CheckedFile | null = null;
  if (config.baselinePath !== undefined) {
    checkedBaseline = checkBaseline(config.baselinePath, {
      origin: env.EVAL_BASELINE === undefined ? 'EVAL_BASELINE' : '--baseline',
      hint: 'Save one with: npm run eval -- --save-baseline <file>',
      keepGateView: true,
    });
  }
  try {
    return await prepareWithBaseline({ env, ui, vitestArgs, config, vitest, checkedBaseline });
  } catch (error) {
    removeGateView(checkedBaseline?.view);
    throw error;
  }
}

/** The arguments and configuration, checked, with the baseline as it was checked. */
interface CheckedArguments {
  env: Record<string, string>;
  ui: boolean;
  vitestArgs: string[];
  config: EvalConfig;
  vitest: Awaited<ReturnType<typeof parseVitestArguments>>;
  checkedBaseline: CheckedFile | null;
}

async function prepareWithBaseline({ env, ui, vitestArgs, config, vitest, checkedBaseline }: CheckedArguments): Promise<PreparedRun> {
  const { name } = chooseRuntime(config);
  const endpointModels = name === 'openai' && config.models === undefined ? await listEndpointModels(config) : undefined;
  let plan: RunPlan = {
    ...makePlan(config, endpointModels),
    ...(checkedBaseline === null ? {} : { checkedBaseline }),
    annotate: annotationPolicy(config.annotate, ui, vitest.reporters),
  };
  if (vitest.runsTests) {
    const checked = await preflight(plan.models, vitest);
    plan = { ...plan, evalFiles: checked.files };
    const skipped = checked.skipped === 0 ? '' : ` (${checked.skipped} skipped)`;
    process.stderr.write(`[edge-evals] ${checked.tests} tests${skipped} from ${checked.files.length} eval files: ${checked.files.join(', ')}\n`);
  }
  process.stderr.write(`[edge-evals] runtime: ${plan.runtime} (${plan.reason})\n`);
  process.stderr.write(`[edge-evals] models: ${plan.models.join(', ')}\n`);
  if (plan.judge !== undefined) process.stderr.write(`[edge-evals] judge: ${plan.judge.alias} on ${plan.judge.runtime} (${plan.judge.reason}), after the candidates\n`);

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
  return {
    env,
    plan,
    vitestArgv: [vitestEntry(), ...mode, ...projects, ...allowOnly, ...vitestArgs],
    vitestEnv: { [PLAN_ENV]: JSON.stringify(plan) },
    cwd: PROJECT_ROOT,
    partialFile: path.join(config.resultsDir, PARTIAL_RESULTS),
    concludedFiles: [LATEST_RESULTS, MARKDOWN_REPORT, JUNIT_REPORT].map((name) => path.join(config.resultsDir, name)),
  };
}
