// What a model needs in memory, and what the machine has: a real GGUF model's file and header,
// a sparse copy of it that claims to be huge, the course's minimum RAM in each runtime's
// spelling of a model's name, and macOS' vm_stat.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attentionShape, ggufMemoryNeed, kvCacheBytes } from '../../src/embedded/memory-need.ts';
import { ensureSyntheticModel } from '../../src/embedded/synthetic/index.ts';
import { courseMinimumRamGB, describeShortfall, estimatedBytes, judgeMemory } from '../../src/lifecycle/memory-fit.ts';
import { machineMemory, parseVmStat } from '../../src/util/memory.ts';

const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-memory-need-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const GB = 1024 ** 3;

describe('the memory a GGUF model needs', () => {
  it("reads the model's file size and sizes its KV cache from the GGUF header", async () => {
    const model = await ensureSyntheticModel('fixture-tiny', path.join(cacheDir, 'models'));
    const need = await ggufMemoryNeed('fixture-tiny', cacheDir);
    // fixture-tiny: 2 layers, 4 KV heads of 64 dimensions, trained on 2048 positions.
    expect(need).toEqual({ weightsBytes: model.sizeBytes, contextBytes: 2 * 2048 * 4 * (64 + 64) * 2, source: 'the model file and its GGUF header' });
  }, 120_000);

  it('takes a file that claims 64 GB at its word (a sparse copy): that is what would be mapped', async () => {
    const huge = path.join(cacheDir, 'huge.gguf');
    copyFileSync(path.join(cacheDir, 'models', 'fixture-tiny.gguf'), huge);
    truncateSync(huge, 64 * GB);
    const need = await ggufMemoryNeed(huge, cacheDir);
    expect(need?.weightsBytes).toBe(64 * GB);
    const fit = judgeMemory('huge', need, { availableBytes: 20 * GB, totalBytes: 24 * GB });
    expect(fit).toMatchObject({ fits: false, availableGB: 20, totalGB: 24, minimumRamGB: null });
    expect(describeShortfall(fit)).toBe('needs ~70.4 GB, 20.0 GB free');
  }, 60_000);

  it("falls back on the catalog's size for a model not downloaded yet, and knows nothing of an unknown name", async () => {
    expect(await ggufMemoryNeed('qwen2.5-7b-instruct', cacheDir)).toEqual({ weightsBytes: 4.68 * GB, contextBytes: null, source: "the catalog's size for it" });
    expect(await ggufMemoryNeed('no-such-model', cacheDir)).toBeNull();
  });

  it('sizes the KV cache of grouped-query attention at 4096 positions (Qwen2.5 7B: 28 layers, 4 KV heads of 128)', () => {
    const shape = attentionShape({
      general: { architecture: 'qwen2' },
      qwen2: { block_count: 28, embedding_length: 3584, context_length: 32768, attention: { head_count: 28, head_count_kv: 4 } },
    });
    expect(shape).toEqual({ layers: 28, trainContext: 32768, kvHeads: 4, keyLength: 128, valueLength: 128 });
    expect(kvCacheBytes(shape as NonNullable<typeof shape>)).toBe(28 * 4096 * 4 * 256 * 2); // 224 MiB
    expect(attentionShape({ general: { architecture: 'llama' } })).toBeNull();
  });
});

describe('the estimate and the verdict', () => {
  it('adds a tenth for the runtime, and a tenth for a context nobody sized', () => {
    expect(estimatedBytes({ weightsBytes: 10 * GB, contextBytes: 2 * GB, source: 'x' })).toBe(13 * GB);
    expect(estimatedBytes({ weightsBytes: 10 * GB, contextBytes: null, source: 'x' })).toBe(12 * GB);
    expect(judgeMemory('x', null, { availableBytes: GB, totalBytes: 2 * GB })).toMatchObject({ fits: null, needGB: null, basis: 'the runtime does not say how big the model is' });
  });

  it("knows the course's minimum RAM in every runtime's spelling of a model", () => {
    for (const alias of ['phi-4-mini', 'phi4-mini:latest', 'Phi-4-mini-instruct-generic-cpu:5']) expect(courseMinimumRamGB(alias), alias).toBe(8);
    for (const alias of ['qwen2.5-7b', 'qwen2.5:7b', 'qwen2.5-7b-instruct']) expect(courseMinimumRamGB(alias), alias).toBe(16);
    for (const alias of ['qwen2.5-14b', 'qwen2.5:14b-instruct-q4_K_M']) expect(courseMinimumRamGB(alias), alias).toBe(24);
    for (const alias of ['qwen2.5-72b', 'qwen2.5-1.5b', 'qwen2.5-0.5b', 'phi-4', 'fixture-tiny']) expect(courseMinimumRamGB(alias), alias).toBeNull();
  });
});

describe('the memory the machine has', () => {
  it('reads pages free and inactive from macOS vm_stat (test/fixtures/processes/macos-vm-stat.txt)', () => {
    const text = readFileSync(new URL('../fixtures/processes/macos-vm-stat.txt', import.meta.url), 'utf8');
    expect(parseVmStat(text)).toBe((5392 + 342807) * 16384);
    expect(parseVmStat('not vm_stat')).toBeNull();
  });

  it('reports what this machine has available, no more than it has', async () => {
    const memory = await machineMemory();
    expect(memory.availableBytes).toBeGreaterThan(0);
    expect(memory.availableBytes).toBeLessThanOrEqual(memory.totalBytes);
  });
});
