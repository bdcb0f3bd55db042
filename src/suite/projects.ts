// One vitest project per model under evaluation. Projects get increasing `groupOrder`s, so
// vitest runs them one after the other: all of model A's tests, then all of model B's. That
// is what lets the coordinator load each model once and keep only one in memory.
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { ConfigError, loadConfig } from '../config/env.ts';
import { makePlan, readPlan } from '../lifecycle/plan.ts';

export const EVAL_FILES = ['evals/**/*.eval.ts'];

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
  return plan.models.map((model, index) => ({
    test: {
      name: model,
      include: EVAL_FILES,
      globalSetup: ['./src/lifecycle/global-setup.ts'],
      provide: { edgeEvalsModel: model },
      // Latency-gated requests must not compete: one test at a time, files in one worker.
      sequence: { groupOrder: index + 1 },
      maxWorkers: 1,
      isolate: false,
      testTimeout: config.timeoutMs + 30_000,
      hookTimeout: config.loadTimeoutMs + 60_000,
      teardownTimeout: 60_000,
    },
  }));
}
