// One vitest project per model under evaluation. Projects get increasing `groupOrder`s, so
// vitest runs them one after the other: all of model A's tests, then all of model B's. That
// is what lets the coordinator load each model once and keep only one in memory.
import { configDefaults, type TestProjectInlineConfiguration } from 'vitest/config';
import { ConfigError, loadConfig } from '../config/env.ts';
import { makePlan, readPlan } from '../lifecycle/plan.ts';
import { EVAL_FILES_GLOB, EXAMPLES_FOLDER, JUDGE_PHASE_FILE, judgeProjectName } from './files.ts';

export function modelProjects(): TestProjectInlineConfiguration[] {
  let plan;
  let config;
  try {
    config = loadConfig();
    plan = readPlan() ?? makePlan(config);
  } catch (error) {
    // `npm test` must not depend on the eval configuration; `npm run eval` validates it first
    // and stops with exit code 2, so only a direct `vitest` call gets here.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`[edge-evals] no eval projects: ${error.message}\n`);
    return [];
  }
  // vitest started directly, not by the eval command, cannot tell whether anyone browses annotations: all.
  const annotate = plan.annotate ?? config.annotate ?? 'all';
  const candidates: TestProjectInlineConfiguration[] = plan.models.map((model, index) => ({
    test: {
      name: model,
      // `npm run eval` checked the files it runs before starting vitest (cli/preflight.ts).
      include: plan.evalFiles ?? [EVAL_FILES_GLOB],
      exclude: plan.evalFiles === undefined ? [...configDefaults.exclude, `${EXAMPLES_FOLDER}/**`] : [],
      globalSetup: ['./src/lifecycle/global-setup.ts'],
      provide: { edgeEvalsModel: model, edgeEvalsAnnotate: annotate },
      // Latency-gated requests must not compete: one test at a time, files in one worker.
      sequence: { groupOrder: index + 1 },
      maxWorkers: 1,
      isolate: false,
      // A worker thread in vitest's process, not a child process: some 40 MB less at the run's peak
      // (BENCHMARKS.md, 10,000 cases), at the same cost a test.
      pool: 'threads',
      testTimeout: config.timeoutMs + 30_000,
      hookTimeout: config.loadTimeoutMs + 60_000,
      teardownTimeout: 60_000,
    },
  }));
  if (plan.judge === undefined) return candidates;
  // The judge's project comes last, so the judge runs after every candidate answered.
  const judge: TestProjectInlineConfiguration = {
    test: {
      name: judgeProjectName(plan.judge.alias),
      include: [JUDGE_PHASE_FILE],
      globalSetup: ['./src/lifecycle/global-setup.ts'],
      provide: { edgeEvalsAnnotate: annotate },
      sequence: { groupOrder: plan.models.length + 1 },
      maxWorkers: 1,
      isolate: false,
      pool: 'threads',
      testTimeout: config.timeoutMs * 6 + 30_000,
      hookTimeout: config.loadTimeoutMs + 60_000,
    },
  };
  return [...candidates, judge];
}
