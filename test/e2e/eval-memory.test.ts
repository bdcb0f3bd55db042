// A model too big for the machine, on the Foundry Local stand-in: its catalog lists one more
// variant, four times the size of this machine's memory. The eval run skips it before loading,
// with the reason in the table and the reports, and measures the model that fits; told to try
// anyway (EVAL_MEMORY_CHECK=warn), it loads it with a warning.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/results/files.ts';
import { STAND_IN_BIN } from '../stand-ins/support.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RUN_TIMEOUT = 480_000;
const HUGE_MB = Math.ceil((os.totalmem() / 1024 ** 2) * 4);

function foundryRun(name: string, extra: Record<string, string> = {}) {
  const home = path.join(work, name);
  return evalRun([], {
    PATH: `${STAND_IN_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    EVAL_RUNTIME: 'foundry',
    FOUNDRY_STANDIN_GENERATION: 'B',
    FOUNDRY_STANDIN_HOME: home,
    FOUNDRY_STANDIN_EXTRA_MODEL: `huge-model:${HUGE_MB}`,
    EVAL_MODELS: 'qwen2.5-0.5b,huge-model',
    EDGE_EVALS_CACHE: path.join(home, 'cache'),
    EVAL_RESULTS_DIR: path.join(home, 'results'),
    ...extra,
  }, { timeout: RUN_TIMEOUT });
}

describe('a model too big for this machine', () => {
  it('is skipped before it is loaded, the reason in the table and the reports; the model that fits is measured', async () => {
    const run = await foundryRun('skip');
    // Content checks may fail on the stand-in's synthetic tokens; nothing may be in error.
    expect([0, 1], run.all).toContain(run.exitCode);
    const results = readResultsFile(resultsFile(path.join(work, 'skip', 'results')));
    const [fits, huge] = results.models;
    expect(fits).toMatchObject({ alias: 'qwen2.5-0.5b', skipReason: null, startError: null, cases: 6 });
    expect(fits?.memory).toMatchObject({ fits: true, basis: "Foundry Local's catalog", minimumRamGB: null });
    expect(fits?.memory?.needGB).toBeCloseTo((822 * 1.2) / 1024, 1);

    expect(huge?.startError).toBeNull();
    expect(huge?.skipReason).toMatch(/^needs ~\d+\.\d GB, \d+\.\d GB free$/);
    expect(huge?.memory).toMatchObject({ fits: false });
    expect(huge?.memory?.needGB).toBeGreaterThan(huge?.memory?.availableGB ?? Infinity);
    expect(huge).toMatchObject({ cases: 6, skipped: 6, errored: 0, failed: 0, loadMs: null });
    expect(results.cases.filter((testCase) => testCase.model === 'huge-model').map((testCase) => testCase.status)).toEqual(Array(6).fill('skip'));

    // Never started: the run says why, once, and the table says skipped.
    expect(run.all).toMatch(/huge-model: skipped, it does not fit in memory: needs ~\d+\.\d GB, \d+\.\d GB free \(EVAL_MEMORY_CHECK=warn loads it anyway\)/);
    expect(run.all).not.toContain('huge-model: starting on foundry');
    expect(run.stdout).toMatch(/^huge-model\s+skipped\s/m);
    expect(run.stdout).toMatch(/Memory: fits this machine: qwen2\.5-0\.5b \(~[\d.]+ GB\); skipped: huge-model \(needs/);
    const markdown = readFileSync(path.join(work, 'skip', 'results', 'report.md'), 'utf8');
    expect(markdown).toContain('### Memory: which models fit this machine');
    expect(markdown).toMatch(/\| \*\*huge-model\*\* \| \\~[\d.]+ GB \(Foundry Local's catalog\) \| [\d.]+ GB \| - \| skipped: does not fit \|/);
    expect(readFileSync(path.join(work, 'skip', 'results', 'report.html'), 'utf8')).toContain('<tr data-fits="false"><th scope="row">huge-model</th>');
  }, RUN_TIMEOUT);

  it('is loaded anyway, with a warning, when EVAL_MEMORY_CHECK=warn', async () => {
    const run = await foundryRun('warn', { EVAL_MODELS: 'huge-model', EVAL_MEMORY_CHECK: 'warn' });
    expect([0, 1], run.all).toContain(run.exitCode);
    expect(run.all).toMatch(/huge-model: WARNING: it may not fit in memory \(needs ~\d+\.\d GB, \d+\.\d GB free\); loading it anyway/);
    const results = readResultsFile(resultsFile(path.join(work, 'warn', 'results')));
    expect(results.models[0]).toMatchObject({ alias: 'huge-model', skipReason: null, startError: null, errored: 0 });
    expect(results.models[0]?.memory?.fits).toBe(false);
    expect(run.stdout).toMatch(/Memory: loaded although too big: huge-model/);
  }, RUN_TIMEOUT);
});
