// The configuration of the criteria: EVAL_WEIGHTS, and the judge (EVAL_JUDGE and its runtime,
// endpoint and key), validated before anything starts, and the judge's place in the run plan.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { judgeRuntimeConfig, judgeSharesRuntime, makePlan } from '../../src/lifecycle/plan.ts';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-criteria-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const load = (env: Record<string, string>) => loadConfig({ cwd, env: { EVAL_RUNTIME: 'embedded', ...env } });

describe('criteria configuration', () => {
  it('reads EVAL_WEIGHTS, with the defaults when unset, and names a bad value', () => {
    expect(load({}).weights).toEqual({ accuracy: 0.4, completeness: 0.3, clarity: 0.2, speed: 0.1 });
    expect(load({ EVAL_WEIGHTS: 'accuracy=1' }).weights).toEqual({ accuracy: 1, completeness: 0, clarity: 0, speed: 0 });
    expect(() => load({ EVAL_WEIGHTS: 'accuracy=1,sped=1' })).toThrow('EVAL_WEIGHTS="accuracy=1,sped=1": "sped" is not a criterion; expected accuracy, completeness, clarity, speed');
  });

  it('puts the judge on the candidates\' runtime by default, or on its own runtime or endpoint', () => {
    const same = load({ EVAL_JUDGE: 'fixture-medium' });
    expect(makePlan(same).judge).toEqual({ alias: 'fixture-medium', runtime: 'embedded', reason: "the candidates' runtime" });
    expect(judgeSharesRuntime(makePlan(same), same)).toBe(true);

    const endpoint = load({ EVAL_JUDGE: 'qwen2.5-7b', EVAL_JUDGE_BASE_URL: 'http://127.0.0.1:9/v1', EVAL_JUDGE_API_KEY: 'sk-judge' });
    expect(makePlan(endpoint).judge).toEqual({ alias: 'qwen2.5-7b', runtime: 'openai', reason: 'EVAL_JUDGE_BASE_URL' });
    expect(judgeSharesRuntime(makePlan(endpoint), endpoint)).toBe(false);
    expect(judgeRuntimeConfig(endpoint)).toMatchObject({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'sk-judge' });

    const ollama = load({ EVAL_JUDGE: 'qwen2.5:7b', EVAL_JUDGE_RUNTIME: 'ollama' });
    expect(makePlan(ollama).judge).toMatchObject({ runtime: 'ollama', reason: 'EVAL_JUDGE_RUNTIME=ollama' });
    expect(makePlan(load({})).judge).toBeUndefined();
  });

  it('refuses judge settings without a judge, and never shows the judge\'s key', () => {
    expect(() => load({ EVAL_JUDGE_BASE_URL: 'http://127.0.0.1:9/v1' })).toThrow(ConfigError);
    expect(() => load({ EVAL_JUDGE_BASE_URL: 'http://127.0.0.1:9/v1' })).toThrow('need EVAL_JUDGE');
    expect(() => load({ EVAL_JUDGE: 'x', EVAL_JUDGE_RUNTIME: 'openai' })).toThrow('EVAL_JUDGE_RUNTIME=openai needs EVAL_JUDGE_BASE_URL');
    expect(() => load({ EVAL_JUDGE: 'x', EVAL_JUDGE_RUNTIME: 'olama' })).toThrow('EVAL_JUDGE_RUNTIME="olama": expected one of auto, embedded');
    const message = (() => {
      try {
        load({ EVAL_JUDGE: 'bad alias!', EVAL_JUDGE_API_KEY: 'sk-secret', EVAL_REPEATS: 'x' });
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('EVAL_JUDGE="bad alias!"');
    expect(message).not.toContain('sk-secret');
  });
});
