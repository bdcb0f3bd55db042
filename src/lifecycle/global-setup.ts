// vitest global setup of every model project. The first project to set up starts the runtime
// coordinator and its control server; the last one to tear down stops everything this run
// started. Signals and early exits are covered too: vitest exits right after SIGINT without
// tearing down, so a synchronous handler kills what the run started.
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config/env.ts';
import { createRuntime } from '../runtimes/index.ts';
import type { ControlAccess } from './control-client.ts';
import { newControlSecret, startControlServer } from './control-server.ts';
import { ModelCoordinator, type CoordinatedRuntime } from './coordinator.ts';
import { judgeRuntimeConfig, judgeSharesRuntime, makePlan, readPlan, type RunPlan } from './plan.ts';
import { acquireRunLock, describeHolder } from './run-lock.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The coordinator's control server and this run's secret for it (see control-client.ts). */
    edgeEvalsControl: ControlAccess;
    /** The judge of the run's answers, when EVAL_JUDGE names one. */
    edgeEvalsJudge: RunPlan['judge'] | null;
  }
}

interface SharedRun {
  users: number;
  ready: Promise<{ coordinator: ModelCoordinator; control: ControlAccess; plan: RunPlan; close: () => Promise<void> }>;
  abandon: () => void;
}

const SHARED = Symbol.for('edge-evals.run');
type GlobalWithRun = typeof globalThis & { [SHARED]?: SharedRun };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const global = globalThis as GlobalWithRun;
  let shared = global[SHARED];
  if (shared === undefined) {
    shared = startRun((message) => project.vitest.logger.log(`[edge-evals] ${message}`));
    global[SHARED] = shared;
  }
  const run = shared;
  run.users++;
  const { control, plan } = await run.ready;
  project.provide('edgeEvalsControl', control);
  project.provide('edgeEvalsJudge', plan.judge ?? null);
  return async () => {
    run.users--;
    if (run.users > 0) return;
    delete global[SHARED];
    const { coordinator, close } = await run.ready;
    await coordinator.dispose();
    await close();
    process.off('SIGINT', run.abandon);
    process.off('SIGTERM', run.abandon);
    process.off('exit', run.abandon);
  };
}

function startRun(log: (message: string) => void): SharedRun {
  let abandonRuntime = () => {};
  let releaseLock = () => {};
  const abandon = () => {
    abandonRuntime();
    releaseLock();
  };
  // Registered before anything starts, so that a Ctrl-C during a long load is covered.
  process.once('SIGINT', abandon);
  process.once('SIGTERM', abandon);
  process.once('exit', abandon);
  const ready = (async () => {
    const config = loadConfig();
    const plan = readPlan() ?? makePlan(config);
    const lock = await acquireRunLock(config.cacheDir, {
      resultsDir: config.resultsDir,
      onWait: (holder) =>
        log(
          `another edge-evals run (${describeHolder(holder)}) uses the model cache ${config.cacheDir}; ` +
            "waiting for it to end, so that neither run unloads the other's models nor slows down its timings " +
            '(Ctrl-C to stop; a run with another EDGE_EVALS_CACHE gets a model service of its own)',
        ),
      onStale: (holder) => log(`taking over the run lock of ${describeHolder(holder)}, which has ended`),
    });
    releaseLock = lock.release;
    const runtime = await createRuntime(plan.runtime, config);
    abandonRuntime = () => runtime.abandon();
    const info = await runtime.detect();
    log(`runtime ${plan.runtime}${info.version === null ? '' : ` (${info.version})`}: ${plan.reason}`);
    const candidates: CoordinatedRuntime = { runtime, info: { name: plan.runtime, version: info.version, reason: plan.reason } };
    let judge = candidates;
    if (plan.judge !== undefined && !judgeSharesRuntime(plan, config)) {
      const judgeRuntime = await createRuntime(plan.judge.runtime, judgeRuntimeConfig(config));
      abandonRuntime = () => {
        runtime.abandon();
        judgeRuntime.abandon();
      };
      const judgeInfo = await judgeRuntime.detect();
      judge = { runtime: judgeRuntime, info: { name: plan.judge.runtime, version: judgeInfo.version, reason: plan.judge.reason } };
    }
    if (plan.judge !== undefined) log(`judge ${plan.judge.alias} on ${plan.judge.runtime} (${plan.judge.reason}), after every candidate answered`);
    const coordinator = new ModelCoordinator(candidates, config, log, judge);
    const control = await startControlServer(coordinator, newControlSecret());
    const close = async () => {
      await control.close();
      lock.release();
    };
    return { coordinator, control: { url: control.url, secret: control.secret }, plan, close };
  })();
  return { users: 0, ready, abandon };
}
