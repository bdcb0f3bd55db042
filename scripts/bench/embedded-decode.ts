// Does the HTTP server cost decode speed? Streamed decode tokens/s of fixture-medium through
// `edge-evals serve` and the official openai client, against node-llama-cpp's own chat
// generation in this process with the same thread count, prompt and greedy decoding. Rounds
// alternate between the two so that background load hits both alike. Target: within 10 %.
//
// Decode tokens/s = (n - 1) / (last output - first output) (docs/METRICS.md), n = usage /
// token meter. Also TTFT and the server's own timings, to show where a gap would come from.
//
//   node --import tsx scripts/bench/embedded-decode.ts [--model fixture-medium] [--rounds 15]
//        [--threads N] (default: the server's default for the model)
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import type { SyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { availableCores, defaultThreadCount } from '../../src/embedded/threads.ts';
import {
  BENCH_MESSAGES,
  decodeRate,
  fixture,
  generateInProcess,
  loadAverage,
  machineLine,
  median,
  nodeLlamaCppVersion,
  printTable,
  startServe,
  stopServe,
  type TimedGeneration,
} from './embedded-shared.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'fixture-medium' },
    rounds: { type: 'string', default: '15' },
    threads: { type: 'string' },
    'max-tokens': { type: 'string', default: '256' },
  },
});
const alias = values.model as SyntheticAlias;
const rounds = Number(values.rounds);
const maxTokens = Number(values['max-tokens']);

const file = await fixture(alias);
const threads = values.threads !== undefined ? Number(values.threads) : defaultThreadCount(availableCores(), file.sizeBytes).threads;
console.log(`# Decode through HTTP vs in-process: ${machineLine()}, node-llama-cpp ${nodeLlamaCppVersion()}`);
console.log(`# ${alias} (${(file.sizeBytes / 1024 / 1024).toFixed(0)} MB), ${threads} thread(s), ${rounds} alternating rounds after 1 warm-up each, greedy`);
console.log(`# load average at start: ${loadAverage()}`);

const server = await startServe(['--model', alias, '--threads', String(threads)]);
const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });

interface HttpGeneration extends TimedGeneration {
  serverDecodeTokensPerSecond: number;
}

async function viaHttp(): Promise<HttpGeneration> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model: alias,
    messages: BENCH_MESSAGES,
    temperature: 0,
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  let first: number | undefined;
  let last = 0;
  let completionTokens = 0;
  let serverDecode = Number.NaN;
  for await (const chunk of stream) {
    if ((chunk.choices[0]?.delta.content ?? '') !== '') {
      const now = performance.now();
      first ??= now;
      last = now;
    }
    completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    const timings = (chunk as typeof chunk & { timings?: { predicted_n: number; predicted_ms: number } }).timings;
    if (timings !== undefined) serverDecode = ((timings.predicted_n - 1) * 1000) / timings.predicted_ms;
  }
  const firstMs = (first ?? started) - started;
  const lastMs = last - started;
  return {
    ttftMs: firstMs,
    e2eMs: lastMs,
    completionTokens,
    decodeTokensPerSecond: decodeRate(completionTokens, firstMs, lastMs),
    serverDecodeTokensPerSecond: serverDecode,
  };
}

const lib = await import('node-llama-cpp');
const llama = await lib.getLlama({ gpu: false, build: 'never', maxThreads: Math.max(threads, availableCores()), logLevel: lib.LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: file.path });
const context = await model.createContext({ sequences: 1, threads, contextSize: { max: 4096 } });
const sequence = context.getSequence();
const chatWrapper = lib.resolveChatWrapper(model);
const inProcess = () => generateInProcess(lib, sequence, chatWrapper, maxTokens);

await viaHttp();
await inProcess();
const http: HttpGeneration[] = [];
const local: TimedGeneration[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so neither always runs right after the other.
  if (round % 2 === 0) {
    http.push(await viaHttp());
    local.push(await inProcess());
  } else {
    local.push(await inProcess());
    http.push(await viaHttp());
  }
}
await stopServe(server);
await context.dispose();
await model.dispose();
await llama.dispose();

const httpDecode = median(http.map((sample) => sample.decodeTokensPerSecond));
const localDecode = median(local.map((sample) => sample.decodeTokensPerSecond));
printTable(
  ['path', 'tokens', 'TTFT ms', 'E2E ms', 'decode tok/s (client)', 'decode tok/s (server timings)'],
  [
    [
      'HTTP server + openai client',
      String(http[0]?.completionTokens ?? 0),
      median(http.map((sample) => sample.ttftMs)).toFixed(1),
      median(http.map((sample) => sample.e2eMs)).toFixed(0),
      httpDecode.toFixed(1),
      median(http.map((sample) => sample.serverDecodeTokensPerSecond)).toFixed(1),
    ],
    [
      'node-llama-cpp in-process',
      String(local[0]?.completionTokens ?? 0),
      median(local.map((sample) => sample.ttftMs)).toFixed(1),
      median(local.map((sample) => sample.e2eMs)).toFixed(0),
      localDecode.toFixed(1),
      '-',
    ],
  ],
);
const ratio = httpDecode / localDecode;
console.log(`# HTTP / in-process decode: ${(ratio * 100).toFixed(1)} % (target: within 10 %: ${Math.abs(1 - ratio) <= 0.1 ? 'met' : 'NOT met'})`);
console.log(`# load average at end: ${loadAverage()}`);
