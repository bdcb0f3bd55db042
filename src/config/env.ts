// Configuration from the environment and `.env`: the single source of truth. Everything
// that starts a model, a server or a test reads its settings from `loadConfig()`, which
// validates before anything runs and fails with a ConfigError that names the variable.
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import type { CriterionWeights } from '../contract/criteria.ts';
import { closestNames } from '../util/suggest.ts';
import { DEFAULT_CRITERIA_TOLERANCE, parseTolerances, type GateSettings } from './gate-settings.ts';
import { DEFAULT_WEIGHTS, parseWeights } from './weights.ts';

/** The longest delay setTimeout honours (about 24.8 days); Node fires longer ones after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** llama.cpp's seed is a 32-bit unsigned integer, and so are most servers'. */
const MAX_SEED = 2 ** 32 - 1;

export const RUNTIME_CHOICES = ['auto', 'embedded', 'foundry', 'ollama', 'llama-server', 'openai'] as const;
export const PYTHON_SANDBOX_CHOICES = ['prefer', 'require'] as const;
export const PROMPT_CACHE_CHOICES = ['cold', 'warm'] as const;
export type PromptCacheMode = (typeof PROMPT_CACHE_CHOICES)[number];
export const MEMORY_CHECK_CHOICES = ['skip', 'warn'] as const;
export const ANNOTATE_CHOICES = ['all', 'failures'] as const;
export type AnnotatePolicy = (typeof ANNOTATE_CHOICES)[number];

/**
 * An integer setting with an upper bound: a value past what the code can honour (a timer
 * beyond setTimeout's range fires at once; a seed beyond 32 bits is truncated by the
 * servers) would be accepted and then fail every case.
 */
const integer = (min: number, fallback: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

/** A number within min..max, or null when unset. */
const optionalNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx): number | null => {
      if (value === undefined || value === '') return null;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `expected a number from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const number = (fallback: number, min: number, max: number) => optionalNumber(min, max).transform((value) => value ?? fallback);


/** One of `choices`, case-insensitive; undefined when empty or unset. */
const optionalChoice = <const Choices extends readonly [string, ...string[]]>(choices: Choices) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : value.toLowerCase()))
    .pipe(z.enum(choices, { error: `expected one of ${choices.join(', ')}` }).optional());

/** One of `choices`, case-insensitive; empty or unset gives the first. */
const choice = <const Choices extends readonly [string, ...string[]]>(choices: Choices) => optionalChoice(choices).transform((value): Choices[number] => value ?? choices[0]);

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

const httpUrl = optionalString.refine(
  (value) => value === undefined || /^https?:\/\/[^\s/]+/.test(value),
  'expected an http:// or https:// URL',
);

const MODEL_ALIAS = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;
/** llama-server and the embedded runtime also take model files. */
const GGUF_PATH = /^[^,]+\.gguf$/i;

const modelList = optionalString.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const aliases = value
    .split(',')
    .map((alias) => alias.trim())
    .filter((alias) => alias !== '');
  const bad = aliases.find((alias) => !MODEL_ALIAS.test(alias) && !GGUF_PATH.test(alias));
  if (bad !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${bad}" is not a model alias (letters, digits and . _ : + - only) nor a path to a .gguf file`,
    });
    return z.NEVER;
  }
  if (aliases.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected at least one model alias' });
    return z.NEVER;
  }
  return [...new Set(aliases)];
});

export const EnvSchema = z.object({
  EVAL_RUNTIME: choice(RUNTIME_CHOICES),
  EVAL_MODELS: modelList,
  EVAL_BASE_URL: httpUrl,
  EVAL_API_KEY: optionalString,
  FOUNDRY_BIN: optionalString,
  OLLAMA_BIN: optionalString,
  LLAMA_SERVER_BIN: optionalString,
  EVAL_RESULTS_DIR: optionalString,
  EVAL_BASELINE: optionalString,
  EVAL_SAVE_BASELINE: optionalString,
  EVAL_GATE_TOLERANCES: optionalString.transform((value, ctx) => {
    try {
      return parseTolerances(value ?? '');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  EVAL_MIN_PASS_RATE: optionalNumber(0, 1),
  EVAL_GATE_CONFIDENCE: number(0.95, 0.5, 0.999),
  EVAL_GATE_INCONCLUSIVE: choice(['lenient', 'strict']),
  EVAL_GATE_NORMALIZE: choice(['none', 'calibration']),
  EVAL_GATE_CRITERIA_TOLERANCE: number(DEFAULT_CRITERIA_TOLERANCE, 0, 4),
  EVAL_PROMPT_CACHE: choice(PROMPT_CACHE_CHOICES),
  EVAL_WEIGHTS: optionalString.transform((value, ctx) => {
    try {
      return value === undefined ? DEFAULT_WEIGHTS : parseWeights(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  EVAL_HISTORY_LIMIT: integer(0, 20, 10_000),
  EVAL_REPEATS: integer(1, 1, 10_000),
  EVAL_WARMUP: integer(0, 1, 100),
  EVAL_MAX_TOKENS: integer(1, 256, 1_048_576),
  EVAL_TIMEOUT_MS: integer(1, 120_000, MAX_TIMER_MS),
  // Unset: the client's own limit (DEFAULT_MAX_REPLY_BYTES in src/client/types.ts).
  EVAL_MAX_REPLY_BYTES: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1024 || parsed > 1024 ** 3) {
      ctx.addIssue({ code: 'custom', message: 'expected an integer from 1024 to 1073741824 (bytes)' });
      return z.NEVER;
    }
    return parsed;
  }),
  EVAL_LOAD_TIMEOUT_MS: integer(1, 900_000, MAX_TIMER_MS),
  EVAL_TEMPERATURE: number(0, 0, 2),
  EVAL_SEED: integer(0, 42, MAX_SEED),
  EVAL_THREADS: integer(0, 0, 1024),
  EVAL_PYTHON_SANDBOX: choice(PYTHON_SANDBOX_CHOICES),
  EVAL_MEMORY_CHECK: choice(MEMORY_CHECK_CHOICES),
  EVAL_ANNOTATE: optionalChoice(ANNOTATE_CHOICES),
  EDGE_EVALS_CACHE: optionalString,
  EDGE_EVALS_SERVE_API_KEY: optionalString,
  EVAL_JUDGE: optionalString.refine((value) => value === undefined || MODEL_ALIAS.test(value) || GGUF_PATH.test(value), 'expected a model alias or a path to a .gguf file'),
  EVAL_JUDGE_RUNTIME: optionalChoice(RUNTIME_CHOICES),
  EVAL_JUDGE_BASE_URL: httpUrl,
  EVAL_JUDGE_API_KEY: optionalString,
});

export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];

/** Variables whose values never appear in a message. */
const SECRET_VARIABLES = new Set(['EVAL_API_KEY', 'EDGE_EVALS_SERVE_API_KEY', 'EVAL_JUDGE_API_KEY']);

export interface EvalConfig {
  runtime: RuntimeChoice;
  /** Undefined means: the runtime's default models. */
  models: string[] | undefined;
  baseURL: string | undefined;
  /** Never logged or written to results: see redact(). */
  apiKey: string | undefined;
  bins: { foundry: string; ollama: string; llamaServer: string };
  resultsDir: string;
  baselinePath: string | undefined;
  saveBaselinePath: string | undefined;
  /** How the gate judges a run against the baseline (EVAL_GATE_*, EVAL_MIN_PASS_RATE). */
  gate: GateSettings;
  /** Whether measured requests may reuse a cached prompt (EVAL_PROMPT_CACHE). */
  promptCache: PromptCacheMode;
  /** Weights of the criteria in the recommendation (EVAL_WEIGHTS), normalised. */
  weights: CriterionWeights;
  /** Runs kept under <resultsDir>/history; 0 keeps none. */
  historyLimit: number;
  repeats: number;
  warmup: number;
  maxTokens: number;
  timeoutMs: number;
  /** Bytes one reply's response body may have; undefined: the client's default. */
  maxReplyBytes: number | undefined;
  loadTimeoutMs: number;
  temperature: number;
  seed: number;
  /** 0 = choose from the machine and the model. */
  threads: number;
  /** `require`: python checks refuse to run code they cannot sandbox (docs/sandbox.md). */
  pythonSandbox: (typeof PYTHON_SANDBOX_CHOICES)[number];
  /** A model that needs more memory than is free: `skip` it, or `warn` and load it anyway. */
  memoryCheck: (typeof MEMORY_CHECK_CHOICES)[number];
  /**
   * Which tests get annotations (EVAL_ANNOTATE): `all`, or only the failing ones (each is a
   * round trip to vitest's main process). Undefined: the eval command decides from how vitest
   * shows the run (src/cli/vitest-args.ts).
   */
  annotate: AnnotatePolicy | undefined;
  cacheDir: string;
  /** `edge-evals serve --api-key` from the environment, where `ps` does not show it. */
  serveApiKey: string | undefined;
  /** The judge model (EVAL_JUDGE...), or null: the answers are scored by the model-free scorers only. */
  judge: JudgeConfig | null;
  /** Where the configuration came from, for messages. */
  envFile: string | null;
}

export interface JudgeConfig {
  alias: string;
  /** Undefined: the candidates' runtime, or `openai` with a base URL of its own. */
  runtime: RuntimeChoice | undefined;
  baseURL: string | undefined;
  /** Never logged or written to results. */
  apiKey: string | undefined;
}

/** A user mistake in configuration: printed as-is, exit code 2, no stack trace. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
  const base = xdg !== undefined && xdg !== '' ? xdg : path.join(home, '.cache');
  return path.join(base, 'edge-evals');
}

/** Variables from `.env` (in `cwd`) under the real environment: the environment wins. */
export function readEnvironment(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env) {
  const envFile = path.join(cwd, '.env');
  let fromFile: Record<string, string> = {};
  if (existsSync(envFile)) {
    try {
      fromFile = parseDotenv(readFileSync(envFile));
    } catch (error) {
      throw new ConfigError(`Could not read ${envFile}: ${(error as Error).message}`);
    }
  }
  return { values: { ...fromFile, ...env } as Record<string, string | undefined>, envFile: existsSync(envFile) ? envFile : null };
}

/** The prefix of the variables edge-evals reads (EDGE_EVALS_* are its own, set for child processes). */
const VARIABLE_PREFIX = 'EVAL_';

/**
 * A warning for each EVAL_* variable that edge-evals does not read (a typo such as EVAL_MODEL
 * would otherwise be ignored without a word), with the closest known names.
 */
export function unknownVariableWarnings(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string[] {
  const env = options.env ?? process.env;
  const { values, envFile } = readEnvironment(options.cwd ?? process.cwd(), env);
  const known = Object.keys(EnvSchema.shape);
  return Object.keys(values)
    .filter((name) => name.startsWith(VARIABLE_PREFIX) && !known.includes(name))
    .sort()
    .map((name) => {
      const suggestions = closestNames(name, known);
      const hint = suggestions.length === 0 ? '' : ` (did you mean ${suggestions.join(' or ')}?)`;
      const where = envFile !== null && env[name] === undefined ? ` in ${envFile}` : '';
      return `${name}${where} is not a setting of edge-evals${hint}; it is ignored. Every setting is in .env.example.`;
    });
}

export function loadConfig(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): EvalConfig {
  const cwd = options.cwd ?? process.cwd();
  const { values, envFile } = readEnvironment(cwd, options.env ?? process.env);
  const parsed = EnvSchema.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const given = values[variable];
      const shown = SECRET_VARIABLES.has(variable) ? '(hidden)' : JSON.stringify(given ?? '');
      return `  ${variable}=${shown}: ${issue.message}`;
    });
    const where = envFile === null ? 'the environment' : `the environment or ${envFile}`;
    throw new ConfigError(`Invalid configuration in ${where}:\n${lines.join('\n')}\nSee .env.example for every variable and its accepted values.`);
  }
  const env = parsed.data;
  if (env.EVAL_RUNTIME === 'openai' && env.EVAL_BASE_URL === undefined) {
    throw new ConfigError('EVAL_RUNTIME=openai needs EVAL_BASE_URL (for example http://127.0.0.1:8000/v1).');
  }
  if (env.EVAL_JUDGE === undefined && (env.EVAL_JUDGE_RUNTIME ?? env.EVAL_JUDGE_BASE_URL ?? env.EVAL_JUDGE_API_KEY) !== undefined) {
    throw new ConfigError('EVAL_JUDGE_RUNTIME, EVAL_JUDGE_BASE_URL and EVAL_JUDGE_API_KEY need EVAL_JUDGE, the judge model\'s alias.');
  }
  if (env.EVAL_JUDGE_RUNTIME === 'openai' && env.EVAL_JUDGE_BASE_URL === undefined && env.EVAL_BASE_URL === undefined) {
    throw new ConfigError('EVAL_JUDGE_RUNTIME=openai needs EVAL_JUDGE_BASE_URL (or EVAL_BASE_URL), for example http://127.0.0.1:8000/v1.');
  }
  const resolveFrom = (value: string) => path.resolve(cwd, value);
  return {
    runtime: env.EVAL_RUNTIME,
    models: env.EVAL_MODELS,
    baseURL: env.EVAL_BASE_URL,
    apiKey: env.EVAL_API_KEY,
    bins: {
      foundry: env.FOUNDRY_BIN ?? 'foundry',
      ollama: env.OLLAMA_BIN ?? 'ollama',
      llamaServer: env.LLAMA_SERVER_BIN ?? 'llama-server',
    },
    resultsDir: resolveFrom(env.EVAL_RESULTS_DIR ?? 'results'),
    baselinePath: env.EVAL_BASELINE === undefined ? undefined : resolveFrom(env.EVAL_BASELINE),
    saveBaselinePath: env.EVAL_SAVE_BASELINE === undefined ? undefined : resolveFrom(env.EVAL_SAVE_BASELINE),
    gate: {
      tolerances: env.EVAL_GATE_TOLERANCES,
      alpha: Math.round((1 - env.EVAL_GATE_CONFIDENCE) * 1e6) / 1e6,
      inconclusive: env.EVAL_GATE_INCONCLUSIVE,
      minPassRate: env.EVAL_MIN_PASS_RATE,
      normalize: env.EVAL_GATE_NORMALIZE,
      criteriaTolerance: env.EVAL_GATE_CRITERIA_TOLERANCE,
    },
    promptCache: env.EVAL_PROMPT_CACHE,
    weights: env.EVAL_WEIGHTS,
    historyLimit: env.EVAL_HISTORY_LIMIT,
    repeats: env.EVAL_REPEATS,
    warmup: env.EVAL_WARMUP,
    maxTokens: env.EVAL_MAX_TOKENS,
    timeoutMs: env.EVAL_TIMEOUT_MS,
    maxReplyBytes: env.EVAL_MAX_REPLY_BYTES,
    loadTimeoutMs: env.EVAL_LOAD_TIMEOUT_MS,
    temperature: env.EVAL_TEMPERATURE,
    seed: env.EVAL_SEED,
    threads: env.EVAL_THREADS,
    pythonSandbox: env.EVAL_PYTHON_SANDBOX,
    memoryCheck: env.EVAL_MEMORY_CHECK,
    annotate: env.EVAL_ANNOTATE,
    cacheDir: env.EDGE_EVALS_CACHE === undefined ? defaultCacheDir(values) : resolveFrom(env.EDGE_EVALS_CACHE),
    serveApiKey: env.EDGE_EVALS_SERVE_API_KEY,
    judge:
      env.EVAL_JUDGE === undefined
        ? null
        : { alias: env.EVAL_JUDGE, runtime: env.EVAL_JUDGE_RUNTIME, baseURL: env.EVAL_JUDGE_BASE_URL, apiKey: env.EVAL_JUDGE_API_KEY },
    envFile,
  };
}
