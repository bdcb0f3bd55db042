// Running `edge-evals eval` (what `npm run eval` runs) from a test, in a clean environment.
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { EDGE_EVALS_BIN, PROJECT_ROOT } from './processes.ts';

/** The parent's environment without what vitest sets for its own workers, nor EVAL_* settings. */
export function cleanEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(VITEST|TEST$|NODE_ENV$|EVAL_|EDGE_EVALS_|GITHUB_STEP_SUMMARY$|FORCE_COLOR$)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}

/** `npm run eval` in this project, or in the copy at `root` (project-copy.ts). */
export function evalRun(
  args: string[],
  env: Record<string, string>,
  options: { timeout?: number; detached?: boolean; root?: string } = {},
): ResultPromise<{ all: true; reject: false; extendEnv: false }> {
  const bin = options.root === undefined ? EDGE_EVALS_BIN : path.join(options.root, 'bin', 'edge-evals.js');
  return execa(process.execPath, [bin, 'eval', ...args], {
    cwd: options.root ?? PROJECT_ROOT,
    env: { ...cleanEnvironment(), EVAL_RUNTIME: 'embedded', NO_COLOR: '1', ...env },
    extendEnv: false,
    reject: false,
    all: true,
    timeout: options.timeout ?? 300_000,
    detached: options.detached ?? false,
  });
}

export const resultsFile = (resultsDir: string) => path.join(resultsDir, 'latest.json');
