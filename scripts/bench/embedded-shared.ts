// Helpers shared by the embedded-runtime benchmarks (scripts/bench/embedded-*.ts): the
// machine line every figure is published with, medians, plain tables, the synthetic models,
// `edge-evals serve` started the way users start it, and node-llama-cpp generation in-process
// timed the same way the HTTP client times a stream.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { ChatWrapper, LlamaContextSequence } from 'node-llama-cpp';
import { loadConfig } from '../../src/config/env.ts';
import { modelsDirectory } from '../../src/embedded/model-files.ts';
import { ensureSyntheticModel, type SyntheticAlias, type SyntheticModelFile } from '../../src/embedded/synthetic/index.ts';
import { percentile } from '../../src/stats/summary.ts';

export const EDGE_EVALS_BIN = fileURLToPath(new URL('../../bin/edge-evals.js', import.meta.url));

/** A prompt of about 60 tokens: long enough that prefill is more than noise. */
export const BENCH_SYSTEM_PROMPT = 'You are a concise assistant. Answer in one or two sentences.';
export const BENCH_USER_PROMPT =
  'Explain in plain words what running a language model on your own laptop means, why someone would do it instead of calling a cloud service, and what they give up.';
/** The two prompts as chat messages, as every path of the benchmarks sends them. */
export const BENCH_MESSAGES = [
  { role: 'system' as const, content: BENCH_SYSTEM_PROMPT },
  { role: 'user' as const, content: BENCH_USER_PROMPT },
];

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} CPUs, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function nodeLlamaCppVersion(): string {
  const manifest = new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

export function cacheDir(): string {
  return loadConfig().cacheDir;
}

export async function fixture(alias: SyntheticAlias): Promise<SyntheticModelFile> {
  return ensureSyntheticModel(alias, modelsDirectory(cacheDir()), { onProgress: (message) => console.error(`${alias}: ${message}`) });
}

export interface ServeProcess {
  child: ResultPromise<{ reject: false }>;
  url: string;
  pid: number;
  /** From spawn to the ready line on stdout. */
  readyMs: number;
}

/** `node bin/edge-evals.js serve ...` and its ready line. */
export async function startServe(args: readonly string[], timeoutMs = 120_000): Promise<ServeProcess> {
  const started = performance.now();
  const child = execa(process.execPath, [EDGE_EVALS_BIN, 'serve', '--port', '0', '--parent-pid', String(process.pid), ...args], {
    reject: false,
    timeout: 30 * 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve not ready after ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout?.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      resolve(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { url: string; pid: number });
    });
    void child.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited before it was ready:\n${stderr}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, url: ready.url, pid: ready.pid, readyMs: performance.now() - started };
}

export async function stopServe(server: ServeProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.child;
}

/** One generation timed like a streamed request: first and last output, tokens from the meter. */
export interface TimedGeneration {
  ttftMs: number;
  e2eMs: number;
  completionTokens: number;
  /** (n - 1) / (last output - first output), docs/METRICS.md. */
  decodeTokensPerSecond: number;
}

export function decodeRate(completionTokens: number, firstMs: number, lastMs: number): number {
  return completionTokens > 1 && lastMs > firstMs ? ((completionTokens - 1) * 1000) / (lastMs - firstMs) : Number.NaN;
}

/** node-llama-cpp's own chat generation on `sequence`, the reference for the HTTP server. */
export async function generateInProcess(
  lib: typeof import('node-llama-cpp'),
  sequence: LlamaContextSequence,
  chatWrapper: ChatWrapper,
  maxTokens: number,
): Promise<TimedGeneration> {
  const chat = new lib.LlamaChat({ contextSequence: sequence, chatWrapper });
  const history = [
    { type: 'system' as const, text: BENCH_SYSTEM_PROMPT },
    { type: 'user' as const, text: BENCH_USER_PROMPT },
    { type: 'model' as const, response: [] },
  ];
  const before = sequence.tokenMeter.getState();
  let first: number | undefined;
  let last = 0;
  const started = performance.now();
  await chat.generateResponse(history, {
    maxTokens,
    temperature: 0,
    repeatPenalty: false,
    onTextChunk: () => {
      const now = performance.now();
      first ??= now;
      last = now;
    },
  });
  const completionTokens = sequence.tokenMeter.diff(before).usedOutputTokens;
  chat.dispose({ disposeSequence: false });
  await sequence.clearHistory();
  const firstMs = (first ?? started) - started;
  const lastMs = last - started;
  return { ttftMs: firstMs, e2eMs: lastMs, completionTokens, decodeTokensPerSecond: decodeRate(completionTokens, firstMs, lastMs) };
}
