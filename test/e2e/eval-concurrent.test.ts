// Two `npm run eval` on one machine with the same model cache (so the same embedded service):
// the second waits for the first, saying why, instead of sharing its service, whose models the
// shorter run's teardown would unload under the longer one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/results/files.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';
import { waitForNoProcesses } from '../support/processes.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-concurrent-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RUN_TIMEOUT = 480_000;

describe('two eval runs on one model cache', () => {
  it('the second waits for the first; neither loses its model to the other', async () => {
    const cache = path.join(work, 'cache');
    const longer = path.join(work, 'longer');
    const shorter = path.join(work, 'shorter');
    // The longer run holds the cache when the shorter one starts, and lasts well beyond the
    // shorter run's own start-up: 30 cases. Both use the same model, which the shorter run
    // would unload when it ends.
    const first = evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: longer, EVAL_MODELS: 'fixture-small', EVAL_REPEATS: '5' }, { timeout: RUN_TIMEOUT });
    const deadline = Date.now() + RUN_TIMEOUT;
    while (!existsSync(path.join(cache, 'run.lock')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const second = evalRun([], { EDGE_EVALS_CACHE: cache, EVAL_RESULTS_DIR: shorter, EVAL_MODELS: 'fixture-small' }, { timeout: RUN_TIMEOUT });
    const [a, b] = await Promise.all([first, second]);

    expect(b.stdout).toMatch(/another edge-evals run \(pid \d+ on this machine, started [\d:]+, writing to .*longer\) uses the model cache .*cache; waiting for it to end/);
    for (const [run, folder, cases] of [[a, longer, 30], [b, shorter, 6]] as const) {
      // Thresholds may fail on a busy machine (exit code 1); errors are what sharing a service caused.
      expect([0, 1], run.all).toContain(run.exitCode);
      const results = readResultsFile(resultsFile(folder));
      expect(results.cases).toHaveLength(cases);
      expect(results.cases.filter((testCase) => testCase.status === 'error')).toEqual([]);
    }
    expect(existsSync(path.join(cache, 'run.lock'))).toBe(false);
    expect(await waitForNoProcesses(['serve', cache])).toEqual([]);
  }, RUN_TIMEOUT);
});
