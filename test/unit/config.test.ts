import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unknownVariableWarnings } from '../../src/config/env.ts';

const made: string[] = [];
const emptyFolder = () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-config-'));
  made.push(folder);
  return folder;
};
afterAll(() => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
});

function configError(env: NodeJS.ProcessEnv, cwd = emptyFolder()): ConfigError {
  try {
    loadConfig({ cwd, env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives sensible defaults with nothing set', () => {
    const cwd = emptyFolder();
    const config = loadConfig({ cwd, env: { HOME: '/home/someone' } });
    expect(config).toMatchObject({
      runtime: 'auto',
      models: undefined,
      repeats: 1,
      warmup: 1,
      maxTokens: 256,
      temperature: 0,
      resultsDir: path.join(cwd, 'results'),
      cacheDir: '/home/someone/.cache/edge-evals',
      bins: { foundry: 'foundry', ollama: 'ollama', llamaServer: 'llama-server' },
      pythonSandbox: 'prefer',
      // Unset: the eval command decides from the UI and the reporters.
      annotate: undefined,
    });
    expect(loadConfig({ cwd, env: { EVAL_ANNOTATE: 'Failures' } }).annotate).toBe('failures');
  });

  it('parses model lists, numbers and paths', () => {
    const cwd = emptyFolder();
    const config = loadConfig({
      cwd,
      env: { EVAL_MODELS: ' phi-4-mini, qwen2.5:0.5b ,phi-4-mini', EVAL_REPEATS: '3', EVAL_TEMPERATURE: '0.7', EVAL_BASELINE: 'b.json', EVAL_RUNTIME: 'Embedded' },
    });
    expect(config.models).toEqual(['phi-4-mini', 'qwen2.5:0.5b']);
    expect(config.repeats).toBe(3);
    expect(config.temperature).toBe(0.7);
    expect(config.baselinePath).toBe(path.join(cwd, 'b.json'));
    expect(config.runtime).toBe('embedded');
  });

  it('names the variable, the value given and what is accepted', () => {
    const error = configError({ EVAL_REPEATS: 'three', EVAL_RUNTIME: 'docker', EVAL_PYTHON_SANDBOX: 'always', EVAL_ANNOTATE: 'some' });
    expect(error.message).toContain('EVAL_ANNOTATE="some": expected one of all, failures');
    expect(error.message).toContain('EVAL_PYTHON_SANDBOX="always": expected one of prefer, require');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('EVAL_REPEATS="three": expected an integer from 1 to 10000');
    expect(error.message).toContain('EVAL_RUNTIME="docker": expected one of auto, embedded, foundry, ollama, llama-server, openai');
    expect(error.message).toContain('.env.example');
  });

  it('rejects numbers past what the harness can honour: a timer beyond 2^31-1 ms, a seed beyond 32 bits', () => {
    const error = configError({ EVAL_TIMEOUT_MS: '9999999999', EVAL_SEED: '99999999999999999999', EVAL_LOAD_TIMEOUT_MS: '1e10', EVAL_REPEATS: '1.5' });
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('EVAL_TIMEOUT_MS="9999999999": expected an integer from 1 to 2147483647');
    expect(error.message).toContain('EVAL_SEED="99999999999999999999": expected an integer from 0 to 4294967295');
    expect(error.message).toContain('EVAL_LOAD_TIMEOUT_MS="1e10": expected an integer from 1 to 2147483647');
    expect(error.message).toContain('EVAL_REPEATS="1.5"');
    const edges = loadConfig({ cwd: emptyFolder(), env: { EVAL_TIMEOUT_MS: '2147483647', EVAL_SEED: '4294967295' } });
    expect(edges).toMatchObject({ timeoutMs: 2_147_483_647, seed: 4_294_967_295 });
  });

  it('rejects model names that are paths or empty', () => {
    expect(configError({ EVAL_MODELS: 'fixture-tiny,../../etc/passwd' }).message).toContain('"../../etc/passwd" is not a model alias');
    expect(configError({ EVAL_MODELS: ' , ' }).message).toContain('EVAL_MODELS');
    expect(loadConfig({ cwd: emptyFolder(), env: { EVAL_MODELS: 'models/my-finetune.Q4_K_M.gguf,phi-4-mini' } }).models).toEqual(['models/my-finetune.Q4_K_M.gguf', 'phi-4-mini']);
  });

  it('requires an endpoint for the openai runtime and a URL that looks like one', () => {
    expect(configError({ EVAL_RUNTIME: 'openai' }).message).toContain('EVAL_RUNTIME=openai needs EVAL_BASE_URL');
    expect(configError({ EVAL_RUNTIME: 'openai', EVAL_BASE_URL: 'localhost:8000' }).message).toContain('EVAL_BASE_URL="localhost:8000": expected an http:// or https:// URL');
  });

  it('never echoes the API key', () => {
    const error = configError({ EVAL_API_KEY: 'sk-secret', EVAL_WARMUP: '-1' });
    expect(error.message).not.toContain('sk-secret');
  });

  it('reads .env, and the environment wins over it', () => {
    const cwd = emptyFolder();
    writeFileSync(path.join(cwd, '.env'), 'EVAL_REPEATS=4\nEVAL_MAX_TOKENS=64\n');
    const config = loadConfig({ cwd, env: { EVAL_MAX_TOKENS: '32' } });
    expect(config.repeats).toBe(4);
    expect(config.maxTokens).toBe(32);
    expect(config.envFile).toBe(path.join(cwd, '.env'));
    writeFileSync(path.join(cwd, '.env'), 'EVAL_TEMPERATURE=9\n');
    expect(configError({}, cwd).message).toMatch(/in the environment or .*\.env:\n {2}EVAL_TEMPERATURE="9": expected a number from 0 to 2/);
  });
});

describe('unknown EVAL_* variables', () => {
  it('warns about each, with the closest known names and where it was set', () => {
    const cwd = emptyFolder();
    writeFileSync(path.join(cwd, '.env'), 'EVAL_REPEAT=3\nEVAL_MODELS=fixture-tiny\n');
    expect(unknownVariableWarnings({ cwd, env: { EVAL_MODEL: 'fixture-tiny', EVAL_RUNTIME: 'embedded', EVALUATE: 'x', PATH: '/bin' } })).toEqual([
      expect.stringMatching(/^EVAL_MODEL is not a setting of edge-evals \(did you mean EVAL_MODELS\b.*\?\); it is ignored\. Every setting is in \.env\.example\.$/),
      expect.stringMatching(new RegExp(`^EVAL_REPEAT in ${path.join(cwd, '.env').replace(/[.\\/]/g, '\\$&')} is not a setting of edge-evals \\(did you mean EVAL_REPEATS\\b`)),
    ]);
  });

  it('says nothing when every variable is known', () => {
    expect(unknownVariableWarnings({ cwd: emptyFolder(), env: { EVAL_MODELS: 'a', EVAL_TIMEOUT_MS: '5' } })).toEqual([]);
  });
});
