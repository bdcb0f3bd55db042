// One `npm run eval -t chat/` against an OpenAI-compatible test server, three repeats, gated by
// whatever EVAL_BASELINE the caller passes: the gate's end-to-end tests share it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GateVerdict } from '../../src/stats/gate.ts';
import { evalRun } from './eval-run.ts';

export const RUN_TIMEOUT_MS = 180_000;

export interface GatedRunSetup {
  /** The test's scratch folder: results go to `<work>/<name>`, the model cache to `<work>/cache`. */
  work: string;
  baseURL: string;
  /** EVAL_GATE_TOLERANCES for every run of the test. */
  tolerances: string;
}

export function gatedRun(setup: GatedRunSetup, name: string, env: Record<string, string> = {}) {
  const resultsDir = path.join(setup.work, name);
  const run = evalRun(['-t', 'chat/'], {
    EVAL_RUNTIME: 'openai',
    EVAL_BASE_URL: setup.baseURL,
    EVAL_REPEATS: '3',
    EVAL_HISTORY_LIMIT: '0',
    EDGE_EVALS_CACHE: path.join(setup.work, 'cache'),
    EVAL_RESULTS_DIR: resultsDir,
    EVAL_GATE_TOLERANCES: setup.tolerances,
    ...env,
  }, { timeout: RUN_TIMEOUT_MS });
  const verdict = () => JSON.parse(readFileSync(path.join(resultsDir, 'gate.json'), 'utf8')) as GateVerdict & { title: string };
  // The terminal report wraps at 80 columns: match it as one line.
  const output = async () => {
    const { exitCode, all, stdout } = await run;
    return { exitCode, all, text: stdout.replace(/\s+/g, ' ') };
  };
  return { output, verdict, resultsDir };
}
