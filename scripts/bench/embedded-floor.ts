// The embedded engine against its floor: TTFT and decode of `edge-evals serve` (HTTP + openai
// client) and of the engine behind it called in this process (`EmbeddedEngine.generate`)
// against node-llama-cpp's lowest level in this process (the ChatML prompt rendered and
// tokenized, then `sequence.evaluate` with greedy sampling until the end-of-turn token), plus
// variants of the floor's context options. All paths take turns in every round, so that
// background load hits them alike; the CPU milliseconds of the process that does the work,
// to the first token and a decoded token (/proc on Linux for the server), are printed beside
// wall-clock figures because they move much less with load. Target: serve within 10 % of the
// floor for TTFT and decode.
//
//   node --import tsx scripts/bench/embedded-floor.ts [--model fixture-medium] [--rounds 9]
//        [--threads N] [--variants engine,flash-off,batch-64,no-mmap,prefix-reuse]
//        [--other-file <model.gguf>] (one more floor, the engine's context, on another GGUF:
//        e.g. a model of the same shape from an older generator)
//
// Variants (each its own model load and context in this process; `engine` is the context the
// server creates): engine, flash-on, flash-off, batch-64, batch-2048, context-2048, no-mmap,
// prefix-reuse (the sequence keeps the previous request's tokens, so the prompt's common
// prefix is not evaluated again; with it, serve is also measured with `cache_prompt: true`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LlamaContextOptions, LlamaContextSequence, LlamaModel, LlamaModelOptions, Token } from 'node-llama-cpp';
import OpenAI from 'openai';
import { DEFAULT_CONTEXT_SIZE, EmbeddedEngine, engineContextOptions } from '../../src/embedded/engine/index.ts';
import type { SyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { availableCores, defaultThreadCount } from '../../src/embedded/threads.ts';
import {
  BENCH_MESSAGES,
  BENCH_SYSTEM_PROMPT,
  BENCH_USER_PROMPT,
  fixture,
  loadAverage,
  machineLine,
  median,
  nodeLlamaCppVersion,
  printTable,
  type ServeProcess,
  startServe,
  stopServe,
} from './embedded-shared.ts';

interface Variant {
  model?: Partial<LlamaModelOptions>;
  context?: Partial<LlamaContextOptions>;
  keepPrefix?: boolean;
}

const VARIANTS: Record<string, Variant> = {
  engine: {},
  'flash-on': { context: { flashAttention: true } },
  'flash-off': { context: { flashAttention: false } },
  'batch-64': { context: { batchSize: 64 } },
  'batch-2048': { context: { batchSize: 2048 } },
  'context-2048': { context: { contextSize: 2048 } },
  'no-mmap': { model: { useMmap: false } },
  'prefix-reuse': { keepPrefix: true },
};

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'fixture-medium' },
    rounds: { type: 'string', default: '9' },
    threads: { type: 'string' },
    variants: { type: 'string', default: 'engine' },
    'max-tokens': { type: 'string', default: '256' },
    'other-file': { type: 'string' },
  },
});
const alias = values.model as SyntheticAlias;
const rounds = Number(values.rounds);
const maxTokens = Number(values['max-tokens']);
const variantNames = values.variants.split(',').filter((name) => name !== '');
for (const name of variantNames) {
  if (!(name in VARIANTS)) {
    console.error(`error: unknown variant "${name}"; expected some of ${Object.keys(VARIANTS).join(', ')}`);
    process.exit(2);
  }
}

const file = await fixture(alias);
const threads = values.threads !== undefined ? Number(values.threads) : defaultThreadCount(availableCores(), file.sizeBytes).threads;
console.log(`# Floor vs serve: ${machineLine()}, node-llama-cpp ${nodeLlamaCppVersion()}`);
console.log(`# ${alias} (${(file.sizeBytes / 1024 / 1024).toFixed(0)} MB), ${threads} thread(s), ${rounds} rounds after 1 warm-up, greedy, paths in turn`);
console.log(`# load average at start: ${loadAverage()}`);

interface Sample {
  ttftMs: number;
  /** Answer tokens (the end-of-turn token not counted). */
  tokens: number;
  decodeTokensPerSecond: number;
  /** CPU ms of the process that decodes, per decoded token; NaN where unknown. */
  cpuMsPerToken: number;
  /** CPU ms of that process from the request to the first token (prefill and overhead). */
  cpuToFirstMs: number;
  text: string;
}

function decodeRate(tokens: number, firstMs: number, lastMs: number): number {
  return tokens > 1 && lastMs > firstMs ? ((tokens - 1) * 1000) / (lastMs - firstMs) : Number.NaN;
}

/** User + system CPU ms of a process so far (Linux /proc; NaN elsewhere). */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

const lib = await import('node-llama-cpp');
const llama = await lib.getLlama({ gpu: false, build: 'never', maxThreads: Math.max(threads, availableCores()), logLevel: lib.LlamaLogLevel.error });
const chatWrapper = new lib.ChatMLChatWrapper();

interface Floor {
  name: string;
  model: LlamaModel;
  sequence: LlamaContextSequence;
  keepPrefix: boolean;
  dispose: () => Promise<void>;
}

async function openFloor(name: string, modelPath = file.path): Promise<Floor> {
  const variant = VARIANTS[name] ?? {};
  const model = await llama.loadModel({ modelPath, ...variant.model });
  const context = await model.createContext({ ...engineContextOptions({ parallel: 1, threads, contextSize: DEFAULT_CONTEXT_SIZE }), ...variant.context });
  return {
    name,
    model,
    sequence: context.getSequence(),
    keepPrefix: variant.keepPrefix === true,
    dispose: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}

async function viaFloor(floor: Floor): Promise<Sample> {
  const history = [
    { type: 'system' as const, text: BENCH_SYSTEM_PROMPT },
    { type: 'user' as const, text: BENCH_USER_PROMPT },
    { type: 'model' as const, response: [] },
  ];
  const prompt = chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(floor.model.tokenizer);
  const started = performance.now();
  // The state a new request finds: empty, or (prefix-reuse) the previous request's tokens.
  const { firstDifferentIndex } = floor.sequence.compareContextTokens(prompt);
  const reused = floor.keepPrefix ? Math.min(firstDifferentIndex, prompt.length - 1) : 0;
  await floor.sequence.eraseContextTokenRanges([{ start: reused, end: floor.sequence.nextTokenIndex }]);
  const times: number[] = [];
  const tokens: Token[] = [];
  const cpuAtStart = ownCpuMs();
  let cpuAtFirst = 0;
  for await (const token of floor.sequence.evaluate(prompt.slice(reused), { temperature: 0 })) {
    if (floor.model.isEogToken(token) || tokens.length >= maxTokens) break;
    times.push(performance.now());
    if (tokens.length === 0) cpuAtFirst = ownCpuMs();
    tokens.push(token);
  }
  const cpuAtEnd = ownCpuMs();
  if (!floor.keepPrefix) await floor.sequence.clearHistory();
  const first = (times[0] ?? started) - started;
  const last = (times.at(-1) ?? started) - started;
  return {
    ttftMs: first,
    tokens: tokens.length,
    decodeTokensPerSecond: decodeRate(tokens.length, first, last),
    cpuMsPerToken: (cpuAtEnd - cpuAtFirst) / Math.max(1, tokens.length - 1),
    cpuToFirstMs: cpuAtFirst - cpuAtStart,
    text: floor.model.detokenize(tokens),
  };
}

/** A server of its own: a cold request clears the sequence that a cached one would reuse. */
async function openServe(): Promise<{ server: ServeProcess; client: OpenAI }> {
  const server = await startServe(['--model', alias, '--threads', String(threads)]);
  return { server, client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0 }) };
}

/** Wall-clock and CPU marks of one generation: at the start, the first and the last token. */
interface Marks {
  started: number;
  first: number | undefined;
  last: number;
  cpuAtStart: number;
  cpuAtFirst: number;
  cpuAtLast: number;
}

function sampleOf(marks: Marks, tokens: number, text: string): Sample {
  const firstMs = (marks.first ?? marks.started) - marks.started;
  return {
    ttftMs: firstMs,
    tokens,
    decodeTokensPerSecond: decodeRate(tokens, firstMs, marks.last - marks.started),
    cpuMsPerToken: (marks.cpuAtLast - marks.cpuAtFirst) / Math.max(1, tokens - 1),
    cpuToFirstMs: marks.cpuAtFirst - marks.cpuAtStart,
    text,
  };
}

async function viaServe({ server, client }: { server: ServeProcess; client: OpenAI }, cachePrompt: boolean): Promise<Sample> {
  const started = performance.now();
  const cpuAtStart = processCpuMs(server.pid);
  // llama.cpp's field, which the openai client passes through as it is.
  const body = { cache_prompt: cachePrompt } as Record<string, unknown>;
  const stream = await client.chat.completions.create({
    ...body,
    model: alias,
    messages: BENCH_MESSAGES,
    temperature: 0,
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  let first: number | undefined;
  let last = 0;
  let cpuAtFirst = 0;
  let cpuAtLast = 0;
  let text = '';
  let completionTokens = 0;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (content !== '') {
      last = performance.now();
      if (first === undefined) {
        first = last;
        cpuAtFirst = processCpuMs(server.pid);
      }
      cpuAtLast = processCpuMs(server.pid);
      text += content;
    }
    completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
  }
  // The meter counts the sampled end-of-turn token as output; the floor does not count it.
  const tokens = finish === 'stop' ? completionTokens - 1 : completionTokens;
  return sampleOf({ started, first, last, cpuAtStart, cpuAtFirst, cpuAtLast }, tokens, text);
}

const engine = await EmbeddedEngine.create({ gpu: false, parallel: 1, threads, log: () => undefined });
await engine.load(alias, async () => ({ modelId: alias, path: file.path, sizeBytes: file.sizeBytes, chatWrapper: 'chatML' }));

async function viaEngine(): Promise<Sample> {
  const started = performance.now();
  const cpuAtStart = ownCpuMs();
  let first: number | undefined;
  let last = 0;
  let cpuAtFirst = 0;
  let cpuAtLast = 0;
  const result = await engine.generate(alias, {
    messages: BENCH_MESSAGES,
    maxTokens,
    temperature: 0,
    topP: 1,
    stop: [],
    signal: new AbortController().signal,
    onText: () => {
      last = performance.now();
      cpuAtLast = ownCpuMs();
      if (first === undefined) {
        first = last;
        cpuAtFirst = cpuAtLast;
      }
    },
  });
  const tokens = result.finishReason === 'stop' ? result.completionTokens - 1 : result.completionTokens;
  return sampleOf({ started, first, last, cpuAtStart, cpuAtFirst, cpuAtLast }, tokens, result.text);
}

const floors: Floor[] = [];
for (const name of variantNames) floors.push(await openFloor(name));
const otherFile = values['other-file'];
if (otherFile !== undefined) floors.push(await openFloor(`engine on ${path.basename(otherFile)}`, path.resolve(otherFile)));
const SERVE = 'edge-evals serve + openai client';
const SERVE_CACHED = 'edge-evals serve, cache_prompt: true';
const servers = [await openServe()];
if (variantNames.includes('prefix-reuse')) servers.push(await openServe());
const paths: { name: string; run: () => Promise<Sample> }[] = [
  { name: SERVE, run: () => viaServe(servers[0] as (typeof servers)[number], false) },
  ...(servers[1] === undefined ? [] : [{ name: SERVE_CACHED, run: () => viaServe(servers[1] as (typeof servers)[number], true) }]),
  { name: 'engine in-process (EmbeddedEngine.generate)', run: viaEngine },
  ...floors.map((floor) => ({ name: `floor: ${floor.name}`, run: () => viaFloor(floor) })),
];
const samples = new Map<string, Sample[]>(paths.map((each) => [each.name, []]));
try {
  for (const each of paths) await each.run();
  for (let round = 0; round < rounds; round++) {
    // Rotate the order, so that no path always runs right after the same other one.
    for (let index = 0; index < paths.length; index++) {
      const each = paths[(index + round) % paths.length] as (typeof paths)[number];
      samples.get(each.name)?.push(await each.run());
    }
  }
} finally {
  for (const { server } of servers) await stopServe(server);
  for (const floor of floors) await floor.dispose();
  await engine.dispose();
  await llama.dispose();
}

const summary = paths.map((each) => {
  const runs = samples.get(each.name) ?? [];
  return {
    name: each.name,
    tokens: runs[0]?.tokens ?? 0,
    text: runs[0]?.text ?? '',
    ttft: median(runs.map((sample) => sample.ttftMs)),
    decode: median(runs.map((sample) => sample.decodeTokensPerSecond)),
    cpu: median(runs.map((sample) => sample.cpuMsPerToken)),
    cpuToFirst: median(runs.map((sample) => sample.cpuToFirstMs)),
  };
});
const reference = summary.find((row) => row.name === 'floor: engine') ?? summary[1];
printTable(
  ['path', 'tokens', 'TTFT ms', 'decode tok/s', 'CPU ms to 1st token', 'CPU ms/token', 'TTFT / floor', 'decode / floor'],
  summary.map((row) => [
    row.name,
    String(row.tokens),
    row.ttft.toFixed(1),
    row.decode.toFixed(1),
    Number.isNaN(row.cpuToFirst) ? '-' : row.cpuToFirst.toFixed(1),
    Number.isNaN(row.cpu) ? '-' : row.cpu.toFixed(2),
    reference === undefined ? '-' : `${((row.ttft / reference.ttft) * 100).toFixed(0)} %`,
    reference === undefined ? '-' : `${((row.decode / reference.decode) * 100).toFixed(0)} %`,
  ]),
);
const row = (name: string) => summary.find((each) => each.name === name);
for (const [served, floorName] of [
  [SERVE, 'floor: engine'],
  [SERVE_CACHED, 'floor: prefix-reuse'],
] as const) {
  const serve = row(served);
  const floor = row(floorName);
  if (serve === undefined || floor === undefined) continue;
  const ttftMet = serve.ttft <= floor.ttft * 1.1;
  const decodeMet = serve.decode >= floor.decode * 0.9;
  console.log(
    `# ${served} vs ${floorName}: TTFT ${((serve.ttft / floor.ttft) * 100).toFixed(0)} % (${ttftMet ? 'met' : 'NOT met'}), decode ${((serve.decode / floor.decode) * 100).toFixed(0)} % (${decodeMet ? 'met' : 'NOT met'}); target: within 10 %`,
  );
}
const serve = summary[0];
if (serve !== undefined) {
  const sameFile = summary.filter((row) => !row.name.startsWith('floor: engine on '));
  const differing = sameFile.filter((row) => row.text !== serve.text).map((row) => row.name);
  if (differing.length > 0) console.log(`# WARNING: different answers from ${differing.join(', ')}: the paths did not decode the same tokens`);
}
console.log(`# load average at end: ${loadAverage()}`);
