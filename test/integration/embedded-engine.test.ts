// The embedded engine's request state machine on a real model (fixture-tiny, generated into a
// temporary cache): FIFO queueing on one sequence, aborts while queued and while generating,
// unload with requests waiting, token counts from the sequence's meter, the prompt cache.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationAbortedError, type GenerationRequest } from '../../src/embedded/engine/generation.ts';
import { EmbeddedEngine, ModelNotLoadedError } from '../../src/embedded/engine/index.ts';
import { ensureSyntheticModel } from '../../src/embedded/synthetic/index.ts';
import { plantedReply } from '../support/planted-truth.ts';

/** "Say hello." asks for an introduction (its keyword: hello): fixture-tiny's planted answer. */
const TINY_REPLY = plantedReply('fixture-tiny', 'chat/introduce-yourself').text;

let cacheDir: string;
let engine: EmbeddedEngine;

beforeAll(async () => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-engine-'));
  const file = await ensureSyntheticModel('fixture-tiny', path.join(cacheDir, 'models'));
  engine = await EmbeddedEngine.create({ gpu: false, parallel: 1, threads: 1, log: () => undefined });
  await engine.load('fixture-tiny', async () => ({ modelId: 'fixture-tiny', path: file.path, sizeBytes: file.sizeBytes }));
}, 120_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    messages: [{ role: 'user', content: 'Say hello.' }],
    temperature: 0,
    topP: 1,
    stop: [],
    signal: new AbortController().signal,
    ...overrides,
  };
}

describe('EmbeddedEngine', () => {
  it('generates the greedy reply, counting tokens from the sequence', async () => {
    const chunks: string[] = [];
    const result = await engine.generate('fixture-tiny', request({ onText: (text) => chunks.push(text) }));
    expect(result.text).toBe(TINY_REPLY);
    expect(chunks.join('')).toBe(TINY_REPLY);
    expect(result.finishReason).toBe('stop');
    expect(result.completionTokens).toBeGreaterThanOrEqual(chunks.length);
    expect(result.timings).toMatchObject({ promptTokens: result.promptTokens, predictedTokens: result.completionTokens });
    expect(result.timings.promptMs).toBeGreaterThan(0);
  });

  it('serves requests beyond the free sequences in FIFO order', async () => {
    const started: number[] = [];
    const results = await Promise.all(
      [0, 1, 2].map((index) =>
        engine.generate(
          'fixture-tiny',
          request({
            onText: () => {
              if (!started.includes(index)) started.push(index);
            },
          }),
        ),
      ),
    );
    expect(started).toEqual([0, 1, 2]);
    expect(results.map((result) => result.text)).toEqual([TINY_REPLY, TINY_REPLY, TINY_REPLY]);
    expect(results[2]?.queuedMs).toBeGreaterThan(0);
  });

  it('drops a queued request whose client goes away, and serves the next one', async () => {
    const gone = new AbortController();
    const first = engine.generate('fixture-tiny', request());
    const abandoned = engine.generate('fixture-tiny', request({ signal: gone.signal }));
    const third = engine.generate('fixture-tiny', request());
    gone.abort();
    await expect(abandoned).rejects.toBeInstanceOf(GenerationAbortedError);
    expect((await first).text).toBe(TINY_REPLY);
    expect((await third).text).toBe(TINY_REPLY);
  });

  it('stops a generation when its client goes away and frees the sequence', async () => {
    const gone = new AbortController();
    const aborted = engine.generate(
      'fixture-tiny',
      request({ signal: gone.signal, onText: () => gone.abort() }),
    );
    await expect(aborted).rejects.toBeInstanceOf(GenerationAbortedError);
    const next = await engine.generate('fixture-tiny', request());
    expect(next.text).toBe(TINY_REPLY);
    expect(next.promptTokens).toBe((await engine.generate('fixture-tiny', request())).promptTokens);
  });

  it('with cachePrompt, reuses the prompt the sequence holds and answers the same; without it, evaluates the whole prompt', async () => {
    const cold = await engine.generate('fixture-tiny', request());
    expect(cold.cachedPromptTokens).toBe(0);
    expect(cold.timings).toMatchObject({ promptTokens: cold.promptTokens, cachedTokens: 0 });
    const first = await engine.generate('fixture-tiny', request({ cachePrompt: true }));
    expect(first.cachedPromptTokens).toBe(0);
    const again = await engine.generate('fixture-tiny', request({ cachePrompt: true }));
    expect(again.text).toBe(TINY_REPLY);
    expect(again.promptTokens).toBe(cold.promptTokens);
    // Everything but the last prompt token, which is evaluated again to sample the reply.
    expect(again.cachedPromptTokens).toBe(cold.promptTokens - 1);
    expect(again.timings).toMatchObject({ promptTokens: 1, cachedTokens: cold.promptTokens - 1 });
    const other = await engine.generate('fixture-tiny', request({ cachePrompt: true, messages: [{ role: 'user', content: 'Say hello to me.' }] }));
    expect(other.cachedPromptTokens).toBeGreaterThan(0);
    expect(other.cachedPromptTokens).toBeLessThan(cold.promptTokens - 1);
    const coldAgain = await engine.generate('fixture-tiny', request());
    expect(coldAgain.cachedPromptTokens).toBe(0);
    expect(coldAgain.text).toBe(TINY_REPLY);
  });

  it('unloading aborts the queue; the model is then unknown until loaded again', async () => {
    const running = engine.generate('fixture-tiny', request());
    const queued = engine.generate('fixture-tiny', request());
    const unloaded = engine.unload('fixture-tiny');
    await expect(queued).rejects.toBeInstanceOf(GenerationAbortedError);
    await running.catch(() => undefined); // it may finish or be cut, depending on timing
    expect(await unloaded).toBe(true);
    expect(engine.loaded()).toEqual([]);
    await expect(engine.generate('fixture-tiny', request())).rejects.toBeInstanceOf(ModelNotLoadedError);
    expect(await engine.unload('fixture-tiny')).toBe(false);

    const file = path.join(cacheDir, 'models', 'fixture-tiny.gguf');
    const { info, alreadyLoaded } = await engine.load('fixture-tiny', async () => ({ modelId: 'fixture-tiny', path: file, sizeBytes: 1 }));
    expect(alreadyLoaded).toBe(false);
    expect(info.threads).toBe(1);
    expect((await engine.generate('FIXTURE-TINY', request())).text).toBe(TINY_REPLY);
  });

  it('shares one load between concurrent load calls', async () => {
    const file = path.join(cacheDir, 'models', 'fixture-tiny.gguf');
    await engine.unload('fixture-tiny');
    let located = 0;
    const locate = async () => {
      located++;
      return { modelId: 'fixture-tiny', path: file, sizeBytes: 1 };
    };
    const [first, second] = await Promise.all([engine.load('fixture-tiny', locate), engine.load('fixture-tiny', locate)]);
    expect(located).toBe(1);
    expect(first.alreadyLoaded).toBe(false);
    expect(second.alreadyLoaded).toBe(true);
    expect(second.info).toBe(first.info);
  });
});
