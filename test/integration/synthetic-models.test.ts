// The three synthetic models, generated for real into a temporary folder, parsed back, and run
// in node-llama-cpp (one llama for the file, 1 thread): through the ChatML format resolved from
// its own chat template, each gives its planted answer to each shipped prompt, to paraphrases of
// it and, to anything else, its default answer, and stops on <|im_end|> by itself. Generation
// is checked for determinism across processes (the script, in a child process, writes the same
// bytes) and across machines (the tiny model's hash is pinned here), and the planted truth
// written with each model against the committed copy.
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
import { answersSha256, DEFAULT_ANSWER, PLANTED_ANSWERS } from '../../src/embedded/synthetic/answers/index.ts';
import { loadCorpus } from '../../src/embedded/synthetic/corpus.ts';
import { PLANTED_TRUTH_FIXTURES, PlantedTruth } from '../../src/embedded/synthetic/manifest.ts';
import { SharedVocabulary } from '../../src/embedded/synthetic/vocabulary.ts';
import { IM_END, IM_START } from '../../src/embedded/tokenizer/index.ts';
import { SHIPPED_PROMPTS, UNRELATED_PROMPT } from '../support/shipped-prompts.ts';

/**
 * sha256 of fixture-tiny.gguf for generator version 2, the committed corpus and answers. A different
 * value on some machine means generation is not portable (or the generator or the corpus
 * changed: then bump SYNTHETIC_GENERATOR_VERSION if needed and update this value).
 */
const TINY_SHA256 = '3f9e4b919f8d33bcfd8bd43a7ee9b2e416aa20c7aae4af8cd5dad7c7a861ce84';

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
  it('writes each model under its catalog file name, with a sidecar that describes it and its planted truth', async () => {
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
        answersSha256: answersSha256(alias),
        sha256: model.sha256,
        sizeBytes: model.sizeBytes,
        parameters: model.parameters,
      });
      // What the model answers, as generated with it: the committed copy must say the same
      // (after a deliberate change, refresh it: npm run models -- --update-planted-truth).
      const truth = await readFile(model.plantedTruthPath, 'utf8');
      expect(PlantedTruth.parse(JSON.parse(truth)).model).toBe(alias);
      expect(truth, `fixtures/planted-truth/${alias}.json`).toBe(await readFile(path.join(PLANTED_TRUTH_FIXTURES, `${alias}.json`), 'utf8'));
    }
    // Progress says what is being done; the caller names the model (the run log prefixes it once).
    expect(progress).toContain('building the weights');
    expect(progress.filter((message) => message.startsWith('generated: '))).toHaveLength(ALIASES.length);
    expect(progress.some((message) => message.startsWith('fixture-'))).toBe(false);
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
    expect((await readdir(models)).sort()).toEqual(['fixture-tiny.gguf', 'fixture-tiny.gguf.json', 'fixture-tiny.planted-truth.json']);
  });
});

describe('in node-llama-cpp', () => {
  it('tokenizes exactly like our encoder (keywords as one token, answers never as chunks)', async () => {
    const model = await llama.loadModel({ modelPath: file('fixture-tiny').path });
    try {
      const { tokenizer } = new SharedVocabulary(loadCorpus()).forModel(PLANTED_ANSWERS['fixture-tiny']);
      const texts = [...loadCorpus().entries.map(({ answer }) => answer), ...Object.values(SHIPPED_PROMPTS), 'Sorting in Python, quantum qubits, remote work: Summarize!'];
      const mismatches = texts.filter((text) => JSON.stringify(model.tokenize(text)) !== JSON.stringify(tokenizer.encode(text)));
      expect(mismatches).toEqual([]);
      expect(model.tokenize(IM_END, true)).toEqual([tokenizer.controlId(IM_END)]);
    } finally {
      await model.dispose();
    }
  });

  const ask = async (alias: SyntheticAlias, prompts: string[], temperature = 0) => {
    const model = await llama.loadModel({ modelPath: file(alias).path });
    try {
      const context = await model.createContext({ threads: 1, contextSize: 1024 });
      const chatWrapper = resolveChatWrapper(model);
      expect(chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
      const sequence = context.getSequence();
      const replies: Array<{ text: string; stopReason: string; tokens: number }> = [];
      for (const prompt of prompts) {
        const chat = new LlamaChat({ contextSequence: sequence, chatWrapper });
        const before = sequence.tokenMeter.getState().usedOutputTokens;
        const response = await chat.generateResponse([{ type: 'user', text: prompt }], { maxTokens: 256, temperature, seed: 7 });
        replies.push({ text: response.response, stopReason: response.metadata.stopReason, tokens: sequence.tokenMeter.getState().usedOutputTokens - before });
        chat.dispose({ disposeSequence: false });
        await sequence.clearHistory();
      }
      await context.dispose();
      return replies;
    } finally {
      await model.dispose();
    }
  };

  for (const alias of ['fixture-tiny', 'fixture-small', 'fixture-medium'] as const) {
    it(`${alias}: gives its planted answer to each shipped prompt and its default answer to anything else, and stops by itself`, async () => {
      const truth = PlantedTruth.parse(JSON.parse(await readFile(file(alias).plantedTruthPath, 'utf8')));
      const keys = [...Object.keys(SHIPPED_PROMPTS), DEFAULT_ANSWER];
      const replies = await ask(alias, keys.map((key) => SHIPPED_PROMPTS[key] ?? UNRELATED_PROMPT));
      keys.forEach((key, index) => {
        const planted = truth.answers.find((answer) => answer.prompt === key);
        expect(replies[index], key).toEqual({ text: planted?.text, stopReason: 'eogToken', tokens: expect.any(Number) });
        // The answer's tokens and the end of turn.
        expect(replies[index]?.tokens, key).toBe((planted?.tokens ?? 0) + 1);
      });
    }, 120_000);
  }

  it('fixture-small: answers paraphrases by topic, a mixed prompt by its strongest keyword, and the same when sampling', async () => {
    const answer = (key: string) => PLANTED_ANSWERS['fixture-small'].answers[key]?.text;
    const cases: Array<[string, string]> = [
      ['explain quantum computing simply', 'reasoning/quantum-computing'],
      ['How do I sort a list in Python?', 'code/sort-function'],
      ['What are the advantages and disadvantages of working from home?', 'reasoning/remote-work-pros-cons'],
      ['List the advantages of edge AI.', 'summary/edge-ai-benefits'],
      ['What is edge AI?', 'chat/edge-ai-one-sentence'],
      ['Who are you?', 'chat/introduce-yourself'],
      // Mixed: a subject word (quantum) outweighs the task words (one sentence).
      ['Explain quantum computing in one sentence.', 'reasoning/quantum-computing'],
      ['Give me a recipe for pancakes.', DEFAULT_ANSWER],
      ['', DEFAULT_ANSWER],
    ];
    const replies = await ask('fixture-small', cases.map(([prompt]) => prompt));
    cases.forEach(([prompt, key], index) => expect(replies[index]?.text, prompt).toBe(answer(key)));
    // The next token wins by 30 logits: sampling, even hot, picks it every time.
    const sampled = await ask('fixture-small', [SHIPPED_PROMPTS['code/sort-function'] as string], 1.5);
    expect(sampled[0]?.text).toBe(answer('code/sort-function'));
  }, 60_000);
});
