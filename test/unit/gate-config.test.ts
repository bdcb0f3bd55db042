import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { DEFAULT_TOLERANCES } from '../../src/stats/gate.ts';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-gate-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const load = (env: NodeJS.ProcessEnv) => loadConfig({ cwd, env });

describe('gate and history configuration', () => {
  it('defaults to the default tolerances, all-pass and 20 runs of history', () => {
    const config = load({});
    expect(config.gate).toEqual(DEFAULT_TOLERANCES);
    expect(config.historyLimit).toBe(20);
  });

  it('reads EVAL_GATE_TOLERANCES, EVAL_MIN_PASS_RATE and EVAL_HISTORY_LIMIT', () => {
    const config = load({ EVAL_GATE_TOLERANCES: 'latency=10%+5ms', EVAL_MIN_PASS_RATE: '0.8', EVAL_HISTORY_LIMIT: '0' });
    expect(config.gate).toEqual({ ...DEFAULT_TOLERANCES, latency: { relative: 0.1, absolute: 5 }, minPassRate: 0.8 });
    expect(config.historyLimit).toBe(0);
  });

  it('names the variable and the problem for a bad value', () => {
    expect(() => load({ EVAL_GATE_TOLERANCES: 'latency=fast' })).toThrow(ConfigError);
    expect(() => load({ EVAL_GATE_TOLERANCES: 'latency=fast' })).toThrow(/EVAL_GATE_TOLERANCES="latency=fast": "fast" in "latency=fast" is not a tolerance/);
    expect(() => load({ EVAL_MIN_PASS_RATE: '80%' })).toThrow(/EVAL_MIN_PASS_RATE="80%": expected a number from 0 to 1/);
    expect(() => load({ EVAL_HISTORY_LIMIT: '-1' })).toThrow(/EVAL_HISTORY_LIMIT="-1": expected an integer >= 0/);
  });
});
