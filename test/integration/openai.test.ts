// The OpenAI-compatible runtime pointed at a running embedded server (`edge-evals serve`):
// no lifecycle, models from /v1/models, real tokens.
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChat } from '../../src/client/stream-chat.ts';
import { loadConfig } from '../../src/config/env.ts';
import { RuntimeError } from '../../src/contract/runtime.ts';
import { createOpenAIRuntime } from '../../src/runtimes/openai/index.ts';

import { STAND_IN_MODEL_CACHE } from '../stand-ins/support.ts';

const EDGE_EVALS = fileURLToPath(new URL('../../bin/edge-evals.js', import.meta.url));

describe('OpenAI-compatible endpoint (a running embedded server)', () => {
  let server: ResultPromise;
  let baseURL: string;
  let runtime: ReturnType<typeof createOpenAIRuntime>;

  beforeAll(async () => {
    server = execa(process.execPath, [EDGE_EVALS, 'serve', '--model', 'fixture-tiny', '--port', '0', '--cache-dir', STAND_IN_MODEL_CACHE, '--parent-pid', String(process.pid)], {
      buffer: false,
      reject: false,
      stdin: 'ignore',
      stderr: 'ignore',
    });
    const ready = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const line = output.split('\n').find((candidate) => candidate.startsWith('{"event":"ready"'));
        if (line !== undefined) resolve(line);
      });
      server.once('exit', (code) => reject(new Error(`edge-evals serve exited with code ${code}`)));
    });
    baseURL = `${(JSON.parse(ready) as { url: string }).url}/v1`;
    runtime = createOpenAIRuntime(loadConfig({ env: { EVAL_RUNTIME: 'openai', EVAL_BASE_URL: baseURL, EVAL_API_KEY: 'not-needed' }, cwd: STAND_IN_MODEL_CACHE }));
  }, 120_000);

  afterAll(async () => {
    server.kill();
    await server;
  });

  it('is installed when the endpoint answers, with its models as the catalog', async () => {
    expect(await runtime.detect()).toMatchObject({ installed: true });
    expect(await runtime.catalog.list()).toEqual([{ alias: 'fixture-tiny', modelId: 'fixture-tiny', source: baseURL, synthetic: true }]);
    expect(await runtime.service.status()).toMatchObject({ running: true, baseURL, startedByUs: false });
  });

  it('starts nothing: the model is used as the endpoint serves it', async () => {
    const model = await runtime.start('fixture-tiny');
    expect(model).toMatchObject({ modelId: 'fixture-tiny', baseURL, apiKey: 'not-needed', synthetic: true, loadMs: 0, downloadMs: 0 });
    const outcome = await streamChat({ baseURL: model.baseURL, apiKey: model.apiKey, model: model.modelId, messages: [{ role: 'user', content: 'Hello' }], maxTokens: 8, timeoutMs: 60_000 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.metrics.outputTokens).toBeGreaterThan(0);
    await runtime.stop(model);
    expect(await runtime.service.loaded()).toEqual([{ alias: 'fixture-tiny', modelId: 'fixture-tiny' }]);
  }, 60_000);

  it('names the close models of one the endpoint does not serve', async () => {
    const missing = await runtime.start('fixture-tinny').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(RuntimeError);
    expect((missing as RuntimeError).details.hint).toBe('did you mean fixture-tiny?');
  });

  it('has no model cache and no control of its service, by its type, and the CLI says so', async () => {
    // @ts-expect-error the OpenAI runtime's type has no cache
    expect(() => runtime.cache.list()).toThrow(TypeError);
    expect(runtime.service.control).toBeUndefined();
    const env = { EVAL_RUNTIME: 'openai', EVAL_BASE_URL: baseURL, EDGE_EVALS_CACHE: STAND_IN_MODEL_CACHE };
    const cache = await execa(process.execPath, [EDGE_EVALS, 'cache', 'list'], { env, reject: false, timeout: 60_000 });
    expect(cache.exitCode).toBe(2);
    expect(cache.stderr).toBe('error: the openai runtime has no model cache: it uses the server at EVAL_BASE_URL as it is');
    const stop = await execa(process.execPath, [EDGE_EVALS, 'service', 'stop'], { env, reject: false, timeout: 60_000 });
    expect(stop.exitCode).toBe(2);
    expect(stop.stderr).toBe('error: the openai runtime does not start or stop its service: it uses the server at EVAL_BASE_URL as it is');
    const status = await execa(process.execPath, [EDGE_EVALS, 'service', 'status'], { env, reject: false, timeout: 60_000 });
    expect(status.stdout).toBe(`Service is running on ${baseURL}`);
  }, 120_000);

  it('says when nothing answers at the base URL', async () => {
    const nowhere = createOpenAIRuntime(loadConfig({ env: { EVAL_RUNTIME: 'openai', EVAL_BASE_URL: 'http://127.0.0.1:9/v1' }, cwd: STAND_IN_MODEL_CACHE }));
    expect(await nowhere.detect()).toMatchObject({ installed: false });
    await expect(nowhere.start('anything')).rejects.toThrow(/^No answer from http:\/\/127\.0\.0\.1:9\/v1\/models/);
  });
});
