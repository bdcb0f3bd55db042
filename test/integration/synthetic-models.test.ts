// The three synthetic models, generated for real into a temporary folder, parsed back, and run
// in node-llama-cpp (one llama for the file, 1 thread): each answers its greedy reply through
// the ChatML format resolved from its own chat template and stops on <|im_end|> by itself.
// Generation is checked for determinism across processes (the script, in a child process,
// writes the same bytes) and across machines (the tiny model's hash is pinned here).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatMLChatWrapper, getLlama, LlamaChat, LlamaLogLevel, readGgufFileInfo, resolveChatWrapper, type Llama } from 'node-llama-cpp';
import {
  ensureSyntheticModel,
  isSyntheticAlias,
  SYNTHETIC_GENERATOR_VERSION,
  SYNTHETIC_MODEL_SPECS,
  type SyntheticAlias,
  type SyntheticModelFile,
} from '../../src/embedded/synthetic/index.ts';
import { findCatalogEntry } from '../../src/embedded/catalog.ts';
import { loadCorpus } from '../../src/embedded/synthetic/corpus.ts';
import { SyntheticVocabulary } from '../../src/embedded/synthetic/model.ts';
import { IM_END, IM_START } from '../../src/embedded/tokenizer/index.ts';

/**
 * sha256 of fixture-tiny.gguf for generator version 1 and the committed corpus. A different
 * value on some machine means generation is not portable (or the generator or the corpus
 * changed: then bump SYNTHETIC_GENERATOR_VERSION if needed and update this value).
 */
const TINY_SHA256 = '6564d9a7e1ad3f928be215fb1e453100a7ca8950103ac660cf40b9eb27c6be04';

const ALIASES = Object.keys(SYNTHETIC_MODEL_SPECS) as SyntheticAlias[];
const repoRoot = path.resolve(import.meta.dirname, '../..');

let dir: string;
let llama: Llama;
const files = new Map<SyntheticAlias, SyntheticModelFile>();
const progress: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'synthetic-models-'));
  for (const alias of ALIASES) {
    files.set(alias, await ensureSyntheticModel(alias, path.join(dir, 'models'), { onProgress: (message) => progress.push(message) }));
  }
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
}, 60_000);

afterAll(async () => {
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const file = (alias: SyntheticAlias) => {
  const generated = files.get(alias);
  if (generated === undefined) throw new Error(`${alias} was not generated`);
  return generated;
};

describe('generation', () => {
  it('writes each model under its catalog file name, with a sidecar that describes it', async () => {
    expect(ALIASES).toEqual(['fixture-tiny', 'fixture-small', 'fixture-medium']);
    for (const alias of ALIASES) {
      const model = file(alias);
      expect(model).toMatchObject({ alias, path: path.join(dir, 'models', `${alias}.gguf`), generated: true });
      expect((await stat(model.path)).size).toBe(model.sizeBytes);
      // The catalog advertises the exact size: update it when the generator or corpus changes.
      expect(findCatalogEntry(alias)?.sizeBytes, `catalog sizeBytes of ${alias}`).toBe(model.sizeBytes);
      const sidecar: unknown = JSON.parse(await readFile(`${model.path}.json`, 'utf8'));
      expect(sidecar).toEqual({
        generatorVersion: SYNTHETIC_GENERATOR_VERSION,
        corpusSha256: loadCorpus().sha256,
        sha256: model.sha256,
        sizeBytes: model.sizeBytes,
        parameters: model.parameters,
      });
    }
    expect(progress.some((message) => message.startsWith('fixture-medium: '))).toBe(true);
    expect(isSyntheticAlias('fixture-tiny')).toBe(true);
    expect(isSyntheticAlias('qwen2.5-0.5b-instruct')).toBe(false);
  });

  it('has the sizes the three tiers promise: ~2M F32, ~27M F16 and ~100M F16 parameters', () => {
    expect(file('fixture-tiny').parameters).toBeGreaterThan(1e6);
    expect(file('fixture-tiny').parameters).toBeLessThan(2.5e6);
    expect(file('fixture-small').parameters).toBeGreaterThan(25e6);
    expect(file('fixture-small').parameters).toBeLessThan(30e6);
    expect(file('fixture-medium').parameters).toBeGreaterThan(90e6);
    expect(file('fixture-medium').parameters).toBeLessThan(110e6);
  });

  it('parses back as llama models with the tensors and keys llama.cpp needs', async () => {
    for (const alias of ALIASES) {
      const spec = SYNTHETIC_MODEL_SPECS[alias];
      const info = await readGgufFileInfo(file(alias).path, { logWarnings: false });
      const llamaKeys = info.architectureMetadata;
      expect(info.metadata.general.architecture).toBe('llama');
      expect(info.metadata.general.alignment).toBe(32);
      expect(llamaKeys.block_count).toBe(spec.blockCount);
      expect(llamaKeys.embedding_length).toBe(spec.embeddingLength);
      expect(llamaKeys.feed_forward_length).toBe(spec.feedForwardLength);
      expect(llamaKeys.attention?.head_count).toBe(spec.headCount);
      expect(llamaKeys.context_length).toBe(spec.contextLength);
      const tokenizer = info.metadata.tokenizer;
      expect(tokenizer?.ggml?.model).toBe('gpt2');
      expect(tokenizer?.ggml?.pre).toBe('gpt-2');
      const tokens = tokenizer?.ggml?.tokens ?? [];
      expect(tokens[Number(tokenizer?.ggml?.eos_token_id)]).toBe(IM_END);
      expect(tokenizer?.ggml?.add_bos_token).toBe(false);
      expect(tokenizer?.chat_template).toContain(IM_START);

      const tensors = info.tensorInfo ?? [];
      expect(tensors).toHaveLength(3 + 9 * spec.blockCount);
      const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
      const weightType = spec.weightType === 'F32' ? 0 : 1;
      expect(byName.get('token_embd.weight')).toMatchObject({ dimensions: [spec.embeddingLength, tokens.length], ggmlType: weightType });
      expect(byName.get('output.weight')).toMatchObject({ dimensions: [spec.embeddingLength, tokens.length], ggmlType: weightType });
      expect(byName.get(`blk.${spec.blockCount - 1}.ffn_down.weight`)).toMatchObject({
        dimensions: [spec.feedForwardLength, spec.embeddingLength],
        ggmlType: weightType,
      });
      expect(byName.get('blk.0.attn_norm.weight')?.ggmlType).toBe(0);
      for (const tensor of tensors) expect(Number(tensor.fileOffset) % 32).toBe(0);
      const parameters = tensors.reduce((sum, tensor) => sum + tensor.dimensions.reduce<number>((product, size) => product * Number(size), 1), 0);
      expect(parameters).toBe(file(alias).parameters);
    }
  });

  it('writes the same bytes on every machine (fixture-tiny pinned) and in other processes, even two at once', async () => {
    expect(file('fixture-tiny').sha256).toBe(TINY_SHA256);
    // Two processes (the script) generating into the same empty folder at the same time.
    const otherDir = path.join(dir, 'again');
    const run = () => execa('node', ['--import', 'tsx', 'scripts/generate-models.ts', '--dir', otherDir], { cwd: repoRoot, timeout: 90_000 });
    const scripts = await Promise.all([run(), run()]);
    for (const alias of ALIASES) {
      for (const script of scripts) expect(script.stdout).toMatch(new RegExp(`${alias}\\s.*(generated in|already current)`));
      const sidecar = JSON.parse(await readFile(path.join(otherDir, `${alias}.gguf.json`), 'utf8')) as { sha256: string };
      expect(sidecar.sha256, alias).toBe(file(alias).sha256);
      const bytes = await readFile(path.join(otherDir, `${alias}.gguf`));
      expect(createHash('sha256').update(bytes).digest('hex'), alias).toBe(file(alias).sha256);
    }
    expect((await readdir(otherDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 90_000);

  it('reuses a current file and regenerates one from another generator version or with a broken sidecar', async () => {
    const tiny = file('fixture-tiny');
    const { mtimeMs } = await stat(tiny.path);
    const again = await ensureSyntheticModel('fixture-tiny', path.join(dir, 'models'));
    expect(again).toEqual({ ...tiny, generated: false });
    expect((await stat(tiny.path)).mtimeMs).toBe(mtimeMs);

    const sidecarPath = `${tiny.path}.json`;
    const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as Record<string, unknown>;
    await writeFile(sidecarPath, JSON.stringify({ ...sidecar, generatorVersion: 'older' }));
    expect(await ensureSyntheticModel('fixture-tiny', path.join(dir, 'models'))).toEqual({ ...tiny, generated: true });
    await writeFile(sidecarPath, '{ not json');
    expect((await ensureSyntheticModel('fixture-tiny', path.join(dir, 'models'))).generated).toBe(true);
    await rm(sidecarPath);
    expect((await ensureSyntheticModel('fixture-tiny', path.join(dir, 'models'))).generated).toBe(true);
    expect(JSON.parse(await readFile(sidecarPath, 'utf8'))).toEqual(sidecar);
  });

  it('shares one generation between concurrent callers and leaves no temporary files', async () => {
    const models = path.join(dir, 'concurrent');
    const [first, second] = await Promise.all([
      ensureSyntheticModel('fixture-tiny', models),
      ensureSyntheticModel('fixture-tiny', models),
    ]);
    expect(first).toEqual(second);
    expect(first.sha256).toBe(file('fixture-tiny').sha256);
    expect((await readdir(models)).sort()).toEqual(['fixture-tiny.gguf', 'fixture-tiny.gguf.json']);
  });
});

describe('in node-llama-cpp', () => {
  it('tokenizes exactly like our encoder (the statistics are over the tokens the model sees)', async () => {
    const model = await llama.loadModel({ modelPath: file('fixture-tiny').path });
    try {
      const vocabulary = new SyntheticVocabulary(loadCorpus());
      const texts = loadCorpus().entries.map(({ answer }) => answer);
      const mismatches = texts.filter((text) => JSON.stringify(model.tokenize(text)) !== JSON.stringify(vocabulary.tokenizer.encode(text)));
      expect(mismatches).toEqual([]);
      expect(model.tokenize(IM_END, true)).toEqual([vocabulary.tokenizer.controlId(IM_END)]);
    } finally {
      await model.dispose();
    }
  });

  for (const alias of ['fixture-tiny', 'fixture-small', 'fixture-medium'] as const) {
    it(`${alias}: resolves ChatML, answers its greedy reply and stops by itself`, async () => {
      const model = await llama.loadModel({ modelPath: file(alias).path });
      try {
        const context = await model.createContext({ threads: 1, contextSize: 512 });
        const chatWrapper = resolveChatWrapper(model);
        expect(chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
        const sequence = context.getSequence();
        const ask = async (prompt: string, temperature: number) => {
          const chat = new LlamaChat({ contextSequence: sequence, chatWrapper });
          const before = sequence.tokenMeter.getState().usedOutputTokens;
          const response = await chat.generateResponse([{ type: 'user', text: prompt }], { maxTokens: 96, temperature, seed: 7 });
          const tokens = sequence.tokenMeter.getState().usedOutputTokens - before;
          chat.dispose({ disposeSequence: false });
          await sequence.clearHistory();
          return { text: response.response, stopReason: response.metadata.stopReason, tokens };
        };
        const greedy = await ask('Explain edge AI in one sentence.', 0);
        expect(greedy.text).toBe(SYNTHETIC_MODEL_SPECS[alias].greedyReply);
        expect(greedy.stopReason).toBe('eogToken');
        expect(greedy.tokens).toBeLessThan(96);
        expect((await ask('Hello, please introduce yourself.', 0)).text).toBe(greedy.text);
        if (alias === 'fixture-tiny') {
          // Seeded sampling repeats exactly, and still reads as words.
          const sampled = await ask('Summarize the benefits of edge AI.', 0.8);
          expect(await ask('Summarize the benefits of edge AI.', 0.8)).toEqual(sampled);
          expect(sampled.text).toMatch(/^[A-Z][A-Za-z]*( [A-Za-z]+[,.;]?)+/);
        }
        await context.dispose();
      } finally {
        await model.dispose();
      }
    }, 30_000);
  }
});
