// JUnit XML through vitest's own reporter, for eval runs only: `npm run eval` (and its
// `--merge-reports`) hands vitest the run plan; `npm test` has none and writes no JUnit file.
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/env.ts';
import { PLAN_ENV } from '../lifecycle/plan.ts';

export const JUNIT_REPORT = 'junit.xml';

export function junitReporters(env: NodeJS.ProcessEnv = process.env): ['junit', { outputFile: string }][] {
  if (env[PLAN_ENV] === undefined || env[PLAN_ENV] === '') return [];
  try {
    return [['junit', { outputFile: path.join(loadConfig({ env }).resultsDir, JUNIT_REPORT) }]];
  } catch (error) {
    // The eval command validated the configuration before starting vitest; only a direct
    // vitest call with a broken configuration gets here, and the eval projects say why.
    if (error instanceof ConfigError) return [];
    throw error;
  }
}
