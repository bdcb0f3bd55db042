// The Ollama adapter against the ollama stand-in: `ollama serve` started on a free port,
// pull with progress, load by a first request, real tokens, unload with keep_alive 0.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChat } from '../../src/client/stream-chat.ts';
import { loadConfig } from '../../src/config/env.ts';
import { RuntimeError } from '../../src/contract/runtime.ts';
import { createOllamaRuntime } from '../../src/runtimes/ollama/index.ts';
import type { ProgressEvent, RunningModel } from '../../src/runtimes/types.ts';
import { freePort } from '../../src/util/network.ts';
import { isAlive } from '../../src/util/process-tree.ts';
import { standInEnvironment, temporaryFolder } from '../stand-ins/support.ts';

const SLOW = 180_000;

describe('Ollama (stand-in)', () => {
  let models: string;
  let cache: string;
  let runtime: ReturnType<typeof createOllamaRuntime>;
  let model: RunningModel;

  beforeAll(async () => {
    models = temporaryFolder('ollama-models');
    cache = temporaryFolder('ollama-cache');
    Object.assign(process.env, standInEnvironment({ OLLAMA_HOST: `127.0.0.1:${await freePort()}`, OLLAMA_MODELS: models, OLLAMA_STANDIN_FAIL_LOAD: 'gemma3:1b' }));
    runtime = createOllamaRuntime(loadConfig({ env: { ...process.env, EDGE_EVALS_CACHE: cache }, cwd: cache }));
  });

  afterAll(async () => {
    await runtime.dispose();
    rmSync(models, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('detects the CLI and its version', async () => {
    expect(await runtime.detect()).toMatchObject({ installed: true, version: '0.12.3' });
    expect((await runtime.service.status()).running).toBe(false);
  });

  it('starts ollama serve, pulls with progress, loads by a first request and verifies with ollama ps', async () => {
    const progress: ProgressEvent[] = [];
    model = await runtime.start('qwen2.5:0.5b', { onProgress: (event) => progress.push(event) });
    expect(model).toMatchObject({ modelId: 'qwen2.5:0.5b', baseURL: `http://${process.env.OLLAMA_HOST}/v1` });
    expect(model.downloadMs).toBeGreaterThan(0);
    expect(progress.filter((event) => event.phase === 'download').map((event) => event.percent)).toContain(100);
    expect(await runtime.service.status()).toMatchObject({ running: true, startedByUs: true });
    expect(await runtime.service.loaded()).toEqual([{ alias: 'qwen2.5:0.5b', modelId: 'qwen2.5:0.5b' }]);
    const pids = await runtime.processes(model);
    expect(pids).toHaveLength(1);
    expect(pids.every(isAlive)).toBe(true);
  }, SLOW);

  it('serves real tokens on /v1, and native timings on /api/chat', async () => {
    const outcome = await streamChat({ baseURL: model.baseURL, model: model.modelId, messages: [{ role: 'user', content: 'Hello' }], maxTokens: 8, temperature: 0, timeoutMs: 60_000 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.metrics.outputTokens).toBeGreaterThan(0);
    expect(outcome.metrics.tokenSource).toBe('usage');
    const native = await fetch(`http://${process.env.OLLAMA_HOST}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: model.modelId, messages: [{ role: 'user', content: 'Hello' }], stream: false, options: { num_predict: 6 } }),
    });
    const timings = (await native.json()) as { eval_count: number; eval_duration: number; prompt_eval_count: number };
    expect(timings.eval_count).toBeGreaterThan(0);
    expect(timings.eval_duration).toBeGreaterThan(0);
    expect(timings.prompt_eval_count).toBeGreaterThan(0);
  }, SLOW);

  it('unloads with keep_alive 0', async () => {
    await runtime.stop(model);
    expect(await runtime.service.loaded()).toEqual([]);
  }, SLOW);

  it('reports a failed load and a model the registry does not have', async () => {
    const failedLoad = await runtime.start('gemma3:1b').catch((error: unknown) => error);
    expect(failedLoad).toBeInstanceOf(RuntimeError);
    expect((failedLoad as RuntimeError).message).toMatch(/^Ollama failed to load gemma3:1b: HTTP 500: llama runner process has terminated/);
    const missing = await runtime.start('qwen9:1b').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(RuntimeError);
    expect((missing as RuntimeError).message).toBe("'ollama pull qwen9:1b' failed with exit code 1.");
    expect((missing as RuntimeError).details.output).toContain('Error: pull model manifest: file does not exist');
  }, SLOW);

  it('lists and removes pulled models', async () => {
    expect((await runtime.cache.list()).map((entry) => entry.modelId).sort()).toEqual(['gemma3:1b', 'qwen2.5:0.5b']);
    expect(await runtime.cache.remove('gemma3:1b')).toMatchObject([{ modelId: 'gemma3:1b' }]);
    expect((await runtime.cache.list()).map((entry) => entry.modelId)).toEqual(['qwen2.5:0.5b']);
  }, SLOW);

  it('stops the server it started when disposed', async () => {
    await runtime.dispose();
    expect((await runtime.service.status()).running).toBe(false);
  }, SLOW);
});
