// The shape of every variant file of the suite-overhead benchmark: what defineEval makes for a
// model (a describe block named after it, the model acquired from the coordinator once, six
// prompts x EVAL_REPEATS tests), with `body` as each test. Parts of a test can be timed with
// `timed` (timings.ts).
import { beforeAll, describe, inject, test, type TestContext } from 'vitest';
import { loadConfig, type EvalConfig } from '../../../src/config/env.ts';
import { acquireModel } from '../../../src/lifecycle/control-client.ts';
import type { ModelLease } from '../../../src/lifecycle/coordinator.ts';

export { timed } from './timings.ts';

/** The six prompts of the shipped evals (ids only: the variants do not read them). */
const PROMPTS = ['chat/introduce-yourself', 'chat/edge-ai-one-sentence', 'code/sort-function', 'reasoning/quantum-computing', 'reasoning/remote-work-pros-cons', 'summary/edge-ai-benefits'];

export type RunningLease = Extract<ModelLease, { ok: true }>;

export interface VariantTest {
  context: TestContext;
  lease: RunningLease;
  config: EvalConfig;
  model: string;
}

export function defineVariant(body: (test: VariantTest) => Promise<void> | void): void {
  const config = loadConfig();
  const model = inject('edgeEvalsModel');
  const control = inject('edgeEvalsControl');
  describe(model, () => {
    let lease: ModelLease;
    beforeAll(async () => {
      lease = await acquireModel(control, model);
    });
    for (const id of PROMPTS) {
      for (let repeat = 0; repeat < config.repeats; repeat++) {
        test(config.repeats > 1 ? `${id} #${repeat + 1}` : id, async (context) => {
          if (!lease.ok) throw new Error(lease.error);
          await body({ context, lease, config, model });
        });
      }
    }
  });
}
