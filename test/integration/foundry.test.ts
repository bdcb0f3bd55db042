// The Foundry Local adapter against the foundry stand-in, for both CLI generations: real
// processes (CLI, detached service, embedded server behind it), real HTTP, real tokens.
import { rmSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChat } from '../../src/client/stream-chat.ts';
import { loadConfig } from '../../src/config/env.ts';
import { RuntimeError } from '../../src/contract/runtime.ts';
import { createFoundryRuntime } from '../../src/runtimes/foundry/index.ts';
import type { ProgressEvent, RunningModel } from '../../src/runtimes/types.ts';
import { isAlive } from '../../src/util/process-tree.ts';
import { standInEnvironment, temporaryFolder } from '../stand-ins/support.ts';

const SLOW = 240_000;

describe.each(['A', 'B'] as const)('Foundry Local CLI generation %s (stand-in)', (generation) => {
  let home: string;
  let runtime: ReturnType<typeof createFoundryRuntime>;
  // stdio ignored: after a Gen B restart the daemon holds the CLI's output open.
  const foundry = (...args: string[]) => execa('foundry', args, { env: process.env, reject: false, timeout: 60_000, stdio: 'ignore' });

  beforeAll(() => {
    home = temporaryFolder(`foundry-${generation}`);
    Object.assign(
      process.env,
      standInEnvironment({
        FOUNDRY_STANDIN_HOME: home,
        FOUNDRY_STANDIN_GENERATION: generation,
        FOUNDRY_STANDIN_FAIL_LOAD: 'qwen2.5-7b',
        FOUNDRY_STANDIN_STREAM_ERROR: 'qwen2.5-1.5b',
        FOUNDRY_STANDIN_DOWNLOAD_MS: '200',
      }),
    );
    runtime = createFoundryRuntime(loadConfig({ env: process.env, cwd: home }));
  });

  afterAll(async () => {
    await runtime.dispose();
    await foundry(generation === 'A' ? 'service' : 'server', 'stop');
    rmSync(home, { recursive: true, force: true });
  });

  it('detects the generation from --help and the version from --version', async () => {
    expect(await runtime.detect()).toMatchObject({
      installed: true,
      generation,
      version: generation === 'A' ? '0.8.119' : '0.10.2',
    });
  });

  it('lists the catalog in priority order (Gen A starts its service for it, Gen B does not)', async () => {
    expect((await runtime.service.status()).running).toBe(false);
    const catalog = await runtime.catalog.list();
    expect(await runtime.service.status()).toMatchObject(generation === 'A' ? { running: true, startedByUs: true } : { running: false });
    const phi = catalog.filter((entry) => entry.alias === 'phi-4-mini');
    expect(phi.map((entry) => entry.device)).toEqual(['GPU', 'CPU']);
    // Gen A's table prints IDs with :N; Gen B's listing prints them without.
    expect(phi[0]?.modelId).toBe(generation === 'A' ? 'phi-4-mini-instruct-openvino-gpu:2' : 'phi-4-mini-instruct-openvino-gpu');
    expect(catalog.every((entry) => entry.cached === false)).toBe(true);
  }, SLOW);

  let model: RunningModel;

  it('starts the service, resolves the alias to its full ID, downloads with progress, loads and verifies', async () => {
    const progress: ProgressEvent[] = [];
    model = await runtime.start('QWEN2.5-0.5B', { onProgress: (event) => progress.push(event) });
    expect(model.modelId).toBe('qwen2.5-0.5b-instruct-generic-cpu:4');
    expect(model.downloadMs).toBeGreaterThan(0);
    expect(progress.filter((event) => event.phase === 'download').map((event) => event.percent)).toContain(100);
    const status = await runtime.service.status();
    expect(status).toMatchObject({ running: true, baseURL: model.baseURL, startedByUs: true });
    expect(await runtime.service.loaded()).toEqual([{ alias: 'qwen2.5-0.5b', modelId: model.modelId }]);
    const pids = await runtime.processes(model);
    expect(pids.length).toBe(1);
    expect(pids.every(isAlive)).toBe(true);
  }, SLOW);

  it('serves real tokens for the full ID, with usage only when asked', async () => {
    const outcome = await streamChat({
      baseURL: model.baseURL,
      model: model.modelId,
      messages: [{ role: 'user', content: 'Say something.' }],
      maxTokens: 12,
      temperature: 0,
      timeoutMs: 60_000,
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.response.length).toBeGreaterThan(0);
    expect(outcome.metrics.tokenSource).toBe('usage');
    expect(outcome.metrics.outputTokens).toBeGreaterThan(0);
    // Gen A sends no chunk with a finish_reason.
    expect(outcome.metrics.finishReason).toBe(generation === 'A' ? null : 'length');
    const unasked = await fetch(`${model.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: model.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: true }),
    });
    expect(await unasked.text()).not.toContain('"usage"');
    // The alias alone is not a model the service knows.
    const byAlias = await fetch(`${model.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen2.5-0.5b', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }),
    });
    expect(byAlias.status).toBeGreaterThanOrEqual(400);
  }, SLOW);

  it('unloads with force, which a TTL-held model needs', async () => {
    if (generation === 'A') {
      const origin = new URL(model.baseURL).origin;
      await (await fetch(`${origin}/openai/unload/${model.modelId}`)).text();
      expect((await runtime.service.loaded()).map((entry) => entry.modelId)).toEqual([model.modelId]);
    }
    await runtime.stop(model);
    expect(await runtime.service.loaded()).toEqual([]);
  }, SLOW);

  it('finds the service again when it moved to another port between start and stop', async () => {
    model = await runtime.start('qwen2.5-0.5b');
    expect(model.downloadMs).toBe(0);
    const restart = await foundry(generation === 'A' ? 'service' : 'server', 'restart');
    expect(restart.exitCode).toBe(0);
    await runtime.stop(model);
    const status = await runtime.service.status();
    expect(status.running).toBe(true);
    expect(status.baseURL).not.toBe(model.baseURL);
    expect(await runtime.service.loaded()).toEqual([]);
  }, SLOW);

  it('follows a model whose service restarted on another port mid-run: found again, loaded again, answering', async () => {
    model = await runtime.start('qwen2.5-0.5b');
    const restart = await foundry(generation === 'A' ? 'service' : 'server', 'restart');
    expect(restart.exitCode).toBe(0);
    const ask = (at: RunningModel) =>
      streamChat({ baseURL: at.baseURL, model: at.modelId, messages: [{ role: 'user', content: 'Hi' }], maxTokens: 8, temperature: 0, timeoutMs: 60_000 });
    const refused = await ask(model);
    expect(refused.unreachable).toBe(true);

    const progress: ProgressEvent[] = [];
    const moved = await runtime.reconnect?.(model, { onProgress: (event) => progress.push(event) });
    expect(moved?.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(moved?.baseURL).not.toBe(model.baseURL);
    expect(moved?.modelId).toBe(model.modelId);
    // The restarted service had nothing loaded.
    expect(progress.map((event) => event.phase)).toEqual(['load']);
    expect(await runtime.service.loaded()).toEqual([{ alias: 'qwen2.5-0.5b', modelId: model.modelId }]);
    const answered = await ask(moved as RunningModel);
    expect(answered.error).toBeUndefined();
    expect(answered.metrics.outputTokens).toBeGreaterThan(0);
    await runtime.stop(moved as RunningModel);
    expect(await runtime.service.loaded()).toEqual([]);
  }, SLOW);

  it("fails a model whose load fails with the service's message", async () => {
    const failure = await runtime.start('qwen2.5-7b').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RuntimeError);
    expect((failure as RuntimeError).message).toMatch(/failed to load qwen2\.5-7b \(qwen2\.5-7b-instruct-generic-cpu:3\): HTTP 500: .*bad allocation/);
  }, SLOW);

  it('passes on an error object sent inside a 200 stream as a failed request', async () => {
    const broken = await runtime.start('qwen2.5-1.5b');
    const outcome = await streamChat({ baseURL: broken.baseURL, model: broken.modelId, messages: [{ role: 'user', content: 'Hi' }], maxTokens: 32, temperature: 0, timeoutMs: 60_000 });
    expect(outcome.error).toContain('GroupQueryAttention');
    expect(outcome.response.length).toBeGreaterThan(0);
    await runtime.stop(broken);
  }, SLOW);

  it('names the close aliases of a model missing from the catalog', async () => {
    const failure = await runtime.start('phi-4-mni').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RuntimeError);
    expect((failure as RuntimeError).message).toBe("Model 'phi-4-mni' is not in Foundry Local's catalog.");
    expect((failure as RuntimeError).details.hint).toBe('did you mean phi-4-mini, phi-4?');
  }, SLOW);

  it('lists and removes cached models through the same interface', async () => {
    const small = { alias: 'qwen2.5-0.5b', modelId: 'qwen2.5-0.5b-instruct-generic-cpu:4' };
    // The model whose load failed was downloaded before the load.
    const others = [
      { alias: 'qwen2.5-7b', modelId: 'qwen2.5-7b-instruct-generic-cpu:3' },
      { alias: 'qwen2.5-1.5b', modelId: 'qwen2.5-1.5b-instruct-generic-cpu:4' },
    ];
    expect(await runtime.cache.list()).toEqual([small, ...others]);
    expect(await runtime.cache.location()).toBe(`${home}/cache/models`);
    expect(await runtime.cache.remove('qwen2.5-0.5b')).toEqual([small]);
    expect(await runtime.cache.list()).toEqual(others);
  }, SLOW);

  it('stops the service it started when disposed', async () => {
    await runtime.dispose();
    expect((await runtime.service.status()).running).toBe(false);
  }, SLOW);
});

describe('the foundry stand-in itself', () => {
  it('fails the Gen A `service` verb in Gen B with exit code 2, in the wording of its version', async () => {
    const run = (version: string) =>
      execa('foundry', ['service', 'status'], {
        env: standInEnvironment({ FOUNDRY_STANDIN_GENERATION: 'B', FOUNDRY_STANDIN_VERSION: version }),
        reject: false,
        timeout: 30_000,
      });
    const [old, newer] = await Promise.all([run('0.10.2'), run('0.10.3')]);
    expect(old.exitCode).toBe(2);
    expect(old.stderr).toContain("● error: Unrecognized command or argument 'service'.");
    expect(newer.exitCode).toBe(2);
    expect(newer.stderr).toContain("Hint: Did you mean 'server'?");
  }, SLOW);

  it("keeps the CLI's output open after Gen B `server start` exits, as the real daemon does", async () => {
    const home = temporaryFolder('foundry-pipes');
    const env = standInEnvironment({ FOUNDRY_STANDIN_HOME: home, FOUNDRY_STANDIN_GENERATION: 'B' });
    try {
      const start = execa('foundry', ['server', 'start', '--output', 'json'], { env, timeout: 60_000 });
      const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
      expect(await exited).toBe(0);
      // Reading to end-of-file would hang: the daemon still holds the pipe.
      const eof = await Promise.race([start.then(() => 'eof'), new Promise((resolve) => setTimeout(() => resolve('open'), 1_000))]);
      expect(eof).toBe('open');
      start.kill();
      start.stdout?.destroy();
      start.stderr?.destroy();
      await start.catch(() => undefined);
    } finally {
      await execa('foundry', ['server', 'stop'], { env, reject: false, timeout: 60_000 });
      rmSync(home, { recursive: true, force: true });
    }
  }, SLOW);
});
