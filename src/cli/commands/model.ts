// `edge-evals model list | info | download | load | unload | run`, Foundry Local's
// vocabulary, on whichever runtime is configured.
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import type { CatalogEntry } from '../../contract/runtime.ts';
import { RuntimeError } from '../../contract/runtime.ts';
import type { Runtime, RunningModel } from '../../runtimes/types.ts';
import { terminalText } from '../../util/control-characters.ts';
import { closestNames } from '../../util/suggest.ts';
import { COMMON_OPTIONS, parseVerbCommand, requireName, runtimeFromFlags } from '../args.ts';
import { requireCache, requireCatalog, requireService } from '../capabilities.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { createProgressPrinter } from '../progress.ts';
import { formatBytes, formatTable } from '../table.ts';

const USAGE = `Usage: edge-evals model <verb> [options]

Verbs:
  list | ls             the runtime's model catalog
  info <model>          details of one model
  download <model>      download (or generate) a model into the cache
  load <model>          load a model into the running service (starts it when needed)
  unload <model>        unload a model from the service
  run <model>           chat with a model; with --prompt, answer once and exit

Options:
  --runtime <name>      auto | embedded | foundry | ollama | llama-server | openai
  --json                machine-readable output (list, info, download, load, unload)
  --prompt <text>       (run) the one prompt to answer
  --max-tokens <n>      (run) at most this many tokens per answer (default 256)`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  prompt: { type: 'string' },
  'max-tokens': { type: 'string' },
} as const;

export async function modelCommand(args: string[]): Promise<number> {
  const { values, verb, rest } = parseVerbCommand(args, OPTIONS, USAGE);
  if (verb === null) return EXIT_OK;
  const { runtime } = await runtimeFromFlags(values.runtime, USAGE);
  switch (verb) {
    case 'list':
    case 'ls':
      if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, USAGE);
      return listModels(runtime, values.json);
    case 'info':
      return modelInfo(runtime, requireName(rest, 'model name', USAGE), values.json);
    case 'download':
      return downloadModel(runtime, requireName(rest, 'model name', USAGE), values.json);
    case 'load':
      return loadModel(runtime, requireName(rest, 'model name', USAGE), values.json);
    case 'unload':
      return unloadModel(runtime, requireName(rest, 'model name', USAGE), values.json);
    case 'run':
      return runModel(runtime, requireName(rest, 'model name', USAGE), values.prompt, parseMaxTokens(values['max-tokens']));
    default:
      throw new UsageError(`unknown verb 'model ${verb}'`, USAGE);
  }
}

function parseMaxTokens(value: string | undefined): number {
  if (value === undefined) return 256;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`--max-tokens ${value}: expected a positive integer`, USAGE);
  return parsed;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function listModels(runtime: Runtime, json: boolean): Promise<number> {
  const entries = await requireCatalog(runtime).list();
  if (json) {
    printJson(entries);
    return EXIT_OK;
  }
  process.stdout.write(
    `${formatTable(entries, [
      { header: 'Alias', value: (entry) => entry.alias },
      { header: 'Device', value: (entry) => entry.device ?? 'CPU' },
      { header: 'Task', value: (entry) => entry.task ?? '-' },
      { header: 'Params', value: (entry) => entry.parameters ?? '-', align: 'right' },
      { header: 'Size', value: (entry) => formatBytes(entry.sizeBytes), align: 'right' },
      { header: 'License', value: (entry) => entry.license ?? '-' },
      { header: 'Cached', value: (entry) => (entry.cached === undefined ? '?' : entry.cached ? 'yes' : 'no') },
      { header: 'Model ID', value: (entry) => entry.modelId + (entry.synthetic ? `  (${syntheticLabel(entry)})` : '') },
    ])}\n`,
  );
  return EXIT_OK;
}

function syntheticLabel(entry: CatalogEntry): string {
  return entry.knownAnswers === true ? 'synthetic, known answers' : 'synthetic';
}

/** A catalog lookup that fails with the closest aliases when the model is unknown. */
export async function findModel(runtime: Runtime, name: string): Promise<CatalogEntry> {
  const entries = await requireCatalog(runtime).list();
  const wanted = name.toLowerCase();
  const entry = entries.find((candidate) => candidate.alias.toLowerCase() === wanted || candidate.modelId.toLowerCase() === wanted);
  if (entry !== undefined) return entry;
  const suggestions = closestNames(name, [...new Set(entries.map((candidate) => candidate.alias))]);
  throw new UsageError(
    `model '${name}' is not in the ${runtime.name} catalog` +
      (suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : '; run `edge-evals model list` to see it'),
  );
}

async function modelInfo(runtime: Runtime, name: string, json: boolean): Promise<number> {
  const entry = await findModel(runtime, name);
  if (json) {
    printJson(entry);
    return EXIT_OK;
  }
  const rows: [string, string][] = [
    ['Alias', entry.alias],
    ['Model ID', entry.modelId],
    ['Synthetic', !entry.synthetic ? 'no' : entry.knownAnswers === true ? 'yes, known answers (generated; content checks run against its planted answers)' : 'yes (generated; content is not judged)'],
    ['Task', entry.task ?? '-'],
    ['Device', entry.device ?? 'CPU'],
    ['Parameters', entry.parameters ?? '-'],
    ['Size', formatBytes(entry.sizeBytes)],
    ['Minimum RAM', entry.minRamGB === undefined ? '-' : `${entry.minRamGB} GB`],
    ['License', entry.license ?? '-'],
    ['Source', entry.source ?? '-'],
    ['Cached', entry.cached === undefined ? 'unknown' : entry.cached ? 'yes' : 'no'],
  ];
  if (entry.description !== undefined) rows.push(['Description', entry.description]);
  const width = Math.max(...rows.map(([key]) => key.length));
  process.stdout.write(`${rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n')}\n`);
  return EXIT_OK;
}

async function downloadModel(runtime: Runtime, name: string, json: boolean): Promise<number> {
  const entry = await findModel(runtime, name);
  const progress = createProgressPrinter();
  const result = await requireCache(runtime).download(entry.alias, { onProgress: progress.onProgress });
  progress.done();
  if (json) printJson({ alias: entry.alias, modelId: entry.modelId, ...result });
  else if (result.alreadyCached) process.stdout.write(`${entry.alias} is already in the cache.\n`);
  else process.stdout.write(`Downloaded ${entry.alias} in ${(result.downloadMs / 1000).toFixed(1)} s.\n`);
  return EXIT_OK;
}

async function loadModel(runtime: Runtime, name: string, json: boolean): Promise<number> {
  const entry = await findModel(runtime, name);
  const progress = createProgressPrinter();
  // Started explicitly first, so that the service outlives this command, as Foundry's does.
  // A service edge-evals does not control (an OpenAI-compatible endpoint) is used as it is.
  await requireService(runtime).control?.start({ onProgress: progress.onProgress });
  const running = await runtime.start(entry.alias, { onProgress: progress.onProgress });
  progress.done();
  if (json) printJson(describeRunning(running));
  else process.stdout.write(`Loaded ${running.modelId} in ${Math.round(running.loadMs)} ms; endpoint ${running.baseURL}\n`);
  return EXIT_OK;
}

async function unloadModel(runtime: Runtime, name: string, json: boolean): Promise<number> {
  const service = requireService(runtime);
  const loaded = await service.loaded();
  const wanted = name.toLowerCase();
  const model = loaded.find((candidate) => candidate.alias.toLowerCase() === wanted || candidate.modelId.toLowerCase() === wanted);
  if (model === undefined) {
    if (json) printJson({ alias: name, unloaded: false });
    else process.stdout.write(`${name} is not loaded.\n`);
    return EXIT_OK;
  }
  const status = await service.status();
  await runtime.stop({ ...model, baseURL: status.baseURL ?? '', synthetic: false, downloadMs: 0, loadMs: 0, log: [] });
  if (json) printJson({ alias: model.alias, modelId: model.modelId, unloaded: true });
  else process.stdout.write(`Unloaded ${model.modelId}.\n`);
  return EXIT_OK;
}

function describeRunning(running: RunningModel) {
  const { alias, modelId, baseURL, synthetic, downloadMs, loadMs } = running;
  return { alias, modelId, baseURL, synthetic, downloadMs, loadMs };
}

async function runModel(runtime: Runtime, name: string, prompt: string | undefined, maxTokens: number): Promise<number> {
  const entry = await findModel(runtime, name);
  const progress = createProgressPrinter();
  const controller = new AbortController();
  const stopOnSignal = () => controller.abort();
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const running = await runtime.start(entry.alias, { onProgress: progress.onProgress, signal: controller.signal });
    progress.done();
    const client = new OpenAI({ baseURL: running.baseURL, apiKey: running.apiKey ?? 'not-needed', maxRetries: 0 });
    const chat = (history: OpenAI.Chat.ChatCompletionMessageParam[]) => streamAnswer(client, running.modelId, history, maxTokens, controller.signal);
    if (prompt !== undefined) {
      await chat([{ role: 'user', content: prompt }]);
      return EXIT_OK;
    }
    if (process.stdin.isTTY !== true) {
      const text = await readAll(process.stdin);
      if (text.trim() === '') throw new UsageError('no prompt: pass --prompt "..." or pipe text on stdin', USAGE);
      await chat([{ role: 'user', content: text.trim() }]);
      return EXIT_OK;
    }
    await interactiveChat(entry.alias, chat);
    return EXIT_OK;
  } catch (error) {
    if (controller.signal.aborted) return 130;
    throw error;
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await runtime.dispose();
  }
}

async function streamAnswer(
  client: OpenAI,
  model: string,
  history: OpenAI.Chat.ChatCompletionMessageParam[],
  maxTokens: number,
  signal: AbortSignal,
): Promise<string> {
  const started = performance.now();
  let firstToken: number | null = null;
  let answer = '';
  let completionTokens: number | null = null;
  try {
    const stream = await client.chat.completions.create(
      { model, messages: history, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content ?? '';
      if (text !== '') {
        firstToken ??= performance.now();
        answer += text;
        // Model text, not terminal control: an escape sequence in it is shown, never obeyed.
        process.stdout.write(terminalText(text));
      }
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
  } catch (error) {
    if (signal.aborted) throw error;
    throw new RuntimeError(`The model did not answer: ${(error as Error).message}`);
  }
  const elapsed = performance.now() - started;
  process.stdout.write('\n');
  const ttft = firstToken === null ? '-' : `${Math.round(firstToken - started)} ms`;
  const speed = completionTokens === null ? '' : `, ${completionTokens} tokens, ${((completionTokens * 1000) / elapsed).toFixed(1)} tokens/s`;
  process.stderr.write(`[time to first token ${ttft}, total ${Math.round(elapsed)} ms${speed}]\n`);
  return answer;
}

async function interactiveChat(
  alias: string,
  chat: (history: OpenAI.Chat.ChatCompletionMessageParam[]) => Promise<string>,
): Promise<void> {
  process.stderr.write(`Chatting with ${alias}. Type /exit or press Ctrl-D to quit.\n`);
  const history: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  const terminal = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  // readline swallows Ctrl-C on a terminal: treat it as the end of the conversation.
  terminal.on('SIGINT', () => terminal.close());
  terminal.prompt();
  for await (const line of terminal) {
    if (line.trim() === '/exit') break;
    if (line.trim() !== '') {
      history.push({ role: 'user', content: line });
      history.push({ role: 'assistant', content: await chat(history) });
    }
    terminal.prompt();
  }
  terminal.close();
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
