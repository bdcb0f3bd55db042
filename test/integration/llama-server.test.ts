// The llama-server adapter against the llama-server stand-in: one server per model on a free
// port, ready only when /health says so, llama.cpp timings, stopped with its process tree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPromptCache } from '../../src/client/prompt-cache.ts';
import { streamChat } from '../../src/client/stream-chat.ts';
import { loadConfig } from '../../src/config/env.ts';
import { RuntimeError } from '../../src/contract/runtime.ts';
import { createLlamaServerRuntime } from '../../src/runtimes/llama-server/index.ts';
import type { RunningModel } from '../../src/runtimes/types.ts';
import { isAlive, sampleProcessTree } from '../../src/util/process-tree.ts';
import { STAND_IN_MODEL_CACHE, standInEnvironment } from '../stand-ins/support.ts';

const SLOW = 180_000;
const LOAD_DELAY_MS = 1_500;

describe('llama-server (stand-in)', () => {
  let runtime: ReturnType<typeof createLlamaServerRuntime>;
  let model: RunningModel;

  beforeAll(() => {
    Object.assign(process.env, standInEnvironment({ LLAMA_STANDIN_LOAD_DELAY_MS: String(LOAD_DELAY_MS) }));
    runtime = createLlamaServerRuntime(loadConfig({ env: process.env, cwd: STAND_IN_MODEL_CACHE }));
  });

  afterAll(async () => {
    await runtime.dispose();
  });

  it('detects the build', async () => {
    expect(await runtime.detect()).toMatchObject({ installed: true, version: 'b6123 (a1b2c3d4)' });
  });

  it('starts a server for the model and waits until /health says it is loaded', async () => {
    model = await runtime.start('fixture-tiny');
    expect(model).toMatchObject({ alias: 'fixture-tiny', modelId: 'fixture-tiny', synthetic: true });
    expect(model.loadMs).toBeGreaterThanOrEqual(LOAD_DELAY_MS);
    const listed = (await (await fetch(`${model.baseURL}/models`)).json()) as { data: { id: string }[] };
    expect(listed.data.map((entry) => entry.id)).toEqual(['fixture-tiny']);
    const health = await fetch(`${new URL(model.baseURL).origin}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
  }, SLOW);

  it('streams a role-only first chunk, then tokens, with llama.cpp timings as server-side timings', async () => {
    const raw = await fetch(`${model.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: model.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: true }),
    });
    const first = (await raw.text()).split('\n\n')[0] ?? '';
    expect(JSON.parse(first.slice('data: '.length)).choices[0].delta).toEqual({ role: 'assistant', content: null });
    const outcome = await streamChat({ baseURL: model.baseURL, model: model.modelId, messages: [{ role: 'user', content: 'Hello' }], maxTokens: 8, temperature: 0, timeoutMs: 60_000 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.metrics.server?.predictedTokens).toBe(outcome.metrics.outputTokens);
    expect(outcome.metrics.server?.promptTokens).toBeGreaterThan(0);
  }, SLOW);

  it('reports a repeated prompt as taken from the cache, unless the request turns the cache off, and the harness records it', async () => {
    const ask = (extraBody?: Record<string, unknown>) =>
      streamChat({ baseURL: model.baseURL, model: model.modelId, messages: [{ role: 'user', content: 'Tell me a story.' }], maxTokens: 4, temperature: 0, timeoutMs: 60_000, extraBody });
    const first = await ask();
    expect(first.metrics.cachedPromptTokens).toBe(0);
    const again = await ask();
    expect(again.metrics.promptTokens).toBe(first.metrics.promptTokens);
    expect(again.metrics.cachedPromptTokens).toBe((first.metrics.promptTokens ?? 0) - 1);
    // What EVAL_PROMPT_CACHE=cold sends to llama-server.
    const cold = controlPromptCache('llama-server', 'cold', [{ role: 'user', content: 'Tell me a story.' }]);
    expect((await ask(cold.extraBody)).metrics.cachedPromptTokens).toBe(0);
  }, SLOW);

  it('stops the server with its whole process tree', async () => {
    const [pid] = await runtime.processes(model);
    expect(pid).toBeDefined();
    const tree = (await sampleProcessTree([pid as number])).map((sample) => sample.pid);
    expect(tree.length).toBeGreaterThan(1); // the stand-in and the embedded server behind it
    await runtime.stop(model);
    expect(tree.filter(isAlive)).toEqual([]);
    await expect(fetch(`${model.baseURL}/models`)).rejects.toThrow();
  }, SLOW);

  it('names close models for an unknown one', async () => {
    const failure = await runtime.start('fixture-tinny').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RuntimeError);
    expect((failure as RuntimeError).details.hint).toContain('fixture-tiny');
  }, SLOW);
});
