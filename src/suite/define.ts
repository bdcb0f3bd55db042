// `defineEval`: what an eval file calls. It turns a short declarative definition into one
// vitest test per (model, case, repeat), named `<category>/<prompt>[/<row>][ #n]` inside a
// describe block named after the model, so that `-t` and the vitest UI find it. The model
// comes from the vitest project the file runs in (one project per model, see projects.ts).
// Before a run, the same call records the cases instead (collect.ts).
import { beforeAll, describe, inject, test } from 'vitest';
import { loadConfig, type AnnotatePolicy, type EvalConfig } from '../config/env.ts';
import { acquireModel } from '../lifecycle/control-client.ts';
import { planCases, testNames, type PlannedCase } from './cases.ts';
import { activeCollector } from './collect.ts';
import { parseDefinition, type EvalDefinition } from './definition.ts';
import { callerLocation } from './location.ts';
import { runCase, type ModelSession } from './run-case.ts';
import { resolveThresholds } from './thresholds.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The model this vitest project evaluates. */
    edgeEvalsModel: string;
    /** Which tests annotate (RunPlan.annotate). */
    edgeEvalsAnnotate: AnnotatePolicy;
  }
}

/** The request, and once a reconnect that may load the model again. */
export function caseTimeout(config: EvalConfig, requests = 1): number {
  return config.timeoutMs * (requests + 1) + config.loadTimeoutMs + 30_000;
}

/**
 * The describe block of the project's model: the model is acquired once before its first test
 * (the coordinator loads it, or hands over the one loaded), then `register` adds the tests.
 */
export function describeModel(register: (session: () => ModelSession, model: string, config: EvalConfig) => void | Promise<void>): void {
  const config = loadConfig();
  const model = inject('edgeEvalsModel');
  const control = inject('edgeEvalsControl');
  describe(model, async () => {
    let session: ModelSession | undefined;
    beforeAll(async () => {
      session = {
        control,
        config,
        lease: await acquireModel(control, model),
        judged: (inject('edgeEvalsJudge') ?? null) !== null,
        annotate: inject('edgeEvalsAnnotate'),
      };
    }, config.loadTimeoutMs + 60_000);
    const current = () => {
      if (session === undefined) throw new Error(`the model ${model} was not acquired`);
      return session;
    };
    await register(current, model, config);
  });
}

function registerCase(planned: PlannedCase, session: () => ModelSession, model: string, config: EvalConfig): void {
  const thresholds = resolveThresholds(model, ...planned.thresholds);
  testNames(planned).forEach((name, repeat) => {
    const register = planned.skip ? test.skip : planned.only ? test.only : test;
    register(
      name,
      (context) =>
        runCase(context, session(), planned, {
          name: `${model} > ${name}`,
          category: planned.category,
          promptId: planned.promptId,
          repeat,
          expected: planned.expected,
          vars: planned.vars,
          criteria: planned.criteria,
          criteriaWeights: planned.criteriaWeights,
        }, thresholds),
      caseTimeout(config),
    );
  });
}

export function defineEval(definition: EvalDefinition): void {
  const location = callerLocation();
  const parsed = parseDefinition(definition, location);
  const collector = activeCollector();
  if (collector !== undefined) {
    collector.add(location, planCases(parsed, location, loadConfig()));
    return;
  }
  describeModel(async (session, model, config) => {
    for (const planned of await planCases(parsed, location, config)) registerCase(planned, session, model, config);
  });
}
