// How accurate is the harness, and what does it add to a request? (docs/METRICS.md, "Accuracy
// of the harness".) A scripted server in a separate process writes a llama.cpp-style stream
// at exact times (timer plus a short spin); three clients take turns against it:
//   bare-http     node:http and a minimal SSE splitter: the floor
//   edge-evals    streamChat, what the suite uses (openai SDK over node:http)
//   sdk+fetch     the openai SDK on Node's built-in fetch, timed the same way (why we replaced it)
// Figures: median error of TTFT and E2E against the script, and what edge-evals adds over the
// bare client (paired by round, medians), end to end and in wall time per request.
// With --embedded <alias>, also on the embedded runtime (`edge-evals serve`): which token source
// was used, whether usage, timings and events agree, and the overhead: client stream close minus the server's timings.
//
//   node --import tsx scripts/bench/harness-accuracy.ts [--rounds 200] [--warmup 20] [--embedded fixture-small]
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa, execaNode, getOneMessage, sendMessage } from 'execa';
import OpenAI from 'openai';
import { streamChat } from '../../src/client/stream-chat.ts';
import { quantileOfSorted } from '../../src/stats/summary.ts';
import { startScriptedServer, type Playback } from '../../test/fixtures/streams/scripted-server.ts';
import type { Write } from '../../test/fixtures/streams/transcript.ts';

const TTFT_MS = 40;
const TOKENS = 24;
const GAP_MS = 4;
const E2E_MS = TTFT_MS + GAP_MS * (TOKENS - 1);

function llamaChunk(delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const chunk = { choices: [{ finish_reason: null, index: 0, delta }], created: 1754523863, id: 'chatcmpl-bench', model: 'bench', object: 'chat.completion.chunk', ...extra };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Role-only chunk during "prefill", one token per event, a final chunk with usage and timings. */
function benchScript(): Write[] {
  const writes: Write[] = [[1, llamaChunk({ role: 'assistant', content: null })]];
  for (let index = 0; index < TOKENS; index++) writes.push([TTFT_MS + GAP_MS * index, llamaChunk({ content: ` tok${index}` })]);
  const usage = { completion_tokens: TOKENS, prompt_tokens: 8, total_tokens: TOKENS + 8 };
  const timings = { prompt_n: 8, prompt_ms: TTFT_MS, predicted_n: TOKENS, predicted_ms: E2E_MS - TTFT_MS };
  writes.push([E2E_MS + 1, `${llamaChunk({}, { usage, timings })}data: [DONE]\n\n`]);
  return writes;
}

// ---- server process --------------------------------------------------------------------------

/** One token at once: what a bare client measures for it is the machine's HTTP round trip. */
const PING_SCRIPT: Write[] = [[0, `${llamaChunk({ content: 'pong' })}data: [DONE]\n\n`]];

async function serve(): Promise<void> {
  const script = benchScript();
  const server = await startScriptedServer({
    script: (request) => ({ writes: (request.body as { model?: string }).model === 'ping' ? PING_SCRIPT : script }),
    precise: true,
  });
  await sendMessage({ baseURL: server.baseURL });
  for (;;) {
    const message = await getOneMessage();
    if (message === 'playbacks') await sendMessage(server.playbacks.map((playback) => playback.writtenAtMs));
    if (message === 'stop') {
      await server.close();
      return;
    }
  }
}

// ---- clients ---------------------------------------------------------------------------------

interface Measurement {
  /** From t0, just before the request is written, as docs/METRICS.md defines it for every client. */
  ttftMs: number;
  e2eMs: number;
  /** From the call to the result, everything the client does included. */
  wallMs: number;
  /** The part of wallMs outside t0..stream close: preparing the request, reading the result. */
  outsideMs: number;
}

const requestBody = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'count' }], stream: true, max_tokens: TOKENS });
const bareAgent = new http.Agent({ keepAlive: true });

function carriesOutput(chunk: { choices?: Array<{ delta?: { content?: string | null } }> }): boolean {
  return (chunk.choices ?? []).some((choice) => typeof choice.delta?.content === 'string' && choice.delta.content !== '');
}

/** The floor: node:http, t0 right before the request is written, timestamps on 'data', SSE split by hand. */
function bareHttp(baseURL: string, model = 'bench'): Promise<Measurement> {
  const url = new URL(`${baseURL}/chat/completions`);
  const body = requestBody(model);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let t0 = started;
    let first: number | null = null;
    let last = 0;
    let buffer = '';
    const request = http.request(
      url,
      { method: 'POST', agent: bareAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          const at = performance.now();
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const data = buffer.slice(0, end).replace(/^data: /, '');
            buffer = buffer.slice(end + 2);
            if (data === '[DONE]' || !carriesOutput(JSON.parse(data))) continue;
            first ??= at - t0;
            last = at - t0;
          }
        });
        response.on('end', () => {
          const closed = performance.now();
          resolve({ ttftMs: first ?? Number.NaN, e2eMs: last, wallMs: closed - started, outsideMs: t0 - started });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    t0 = performance.now();
    request.end(body);
  });
}

async function edgeEvals(baseURL: string): Promise<Measurement> {
  const started = performance.now();
  const outcome = await streamChat({ baseURL, model: 'bench', messages: [{ role: 'user', content: 'count' }], maxTokens: TOKENS, timeoutMs: 10_000 });
  const wallMs = performance.now() - started;
  if (outcome.error !== undefined) throw new Error(outcome.error);
  const { ttftMs, e2eMs, streamCloseMs } = outcome.metrics;
  return { ttftMs: ttftMs ?? Number.NaN, e2eMs: e2eMs ?? Number.NaN, wallMs, outsideMs: wallMs - streamCloseMs };
}

let builtinFetchT0 = 0;
let builtinFetchClient: OpenAI | undefined;

/** streamChat's way of timing, on the SDK's default fetch: what the fetch implementation costs. */
async function sdkWithBuiltinFetch(baseURL: string): Promise<Measurement> {
  const started = performance.now();
  // One SDK client, as streamChat keeps; t0 as early as built-in fetch lets it be seen: the call.
  builtinFetchClient ??= new OpenAI({
    baseURL,
    apiKey: 'not-needed',
    maxRetries: 0,
    logLevel: 'off',
    fetch: (input, init) => {
      builtinFetchT0 = performance.now();
      return fetch(input, init);
    },
  });
  const client = builtinFetchClient;
  const stream = await client.chat.completions.create({ model: 'bench', messages: [{ role: 'user', content: 'count' }], stream: true, max_tokens: TOKENS });
  const t0 = builtinFetchT0;
  let first: number | null = null;
  let last = 0;
  for await (const chunk of stream) {
    const at = performance.now();
    if (!carriesOutput(chunk)) continue;
    first ??= at - t0;
    last = at - t0;
  }
  const closed = performance.now();
  return { ttftMs: first ?? Number.NaN, e2eMs: last, wallMs: closed - started, outsideMs: t0 - started };
}

const CLIENTS = { 'bare-http': bareHttp, 'edge-evals': edgeEvals, 'sdk+fetch': sdkWithBuiltinFetch } as const;
type ClientName = keyof typeof CLIENTS;

// ---- figures ---------------------------------------------------------------------------------

function median(values: readonly number[]): number {
  return quantileOfSorted([...values].sort((a, b) => a - b), 0.5);
}

function p90(values: readonly number[]): number {
  return quantileOfSorted([...values].sort((a, b) => a - b), 0.9);
}

const ms = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

// ---- embedded runtime ------------------------------------------------------------------------

const EMBEDDED_PROMPTS = ['Explain edge AI in one sentence.', 'Hello, please introduce yourself.', 'Write a Python function to sort a list.'];

async function embeddedSection(alias: string, requests: number): Promise<string[]> {
  const bin = fileURLToPath(new URL('../../bin/edge-evals.js', import.meta.url));
  const serve = execa(process.execPath, [bin, 'serve', '--port', '0', '--model', alias, '--parent-pid', String(process.pid)], { timeout: 30 * 60_000, reject: false });
  try {
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      let stdout = '';
      serve.stdout?.on('data', (data: Buffer) => {
        stdout += data.toString();
        if (stdout.includes('\n')) resolve(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { url: string });
      });
      void serve.then((result) => reject(new Error(`edge-evals serve exited (${result.exitCode}): ${String(result.stderr)}`)));
    });
    const outcomes = [];
    for (let index = 0; index < requests + 2; index++) {
      const outcome = await streamChat({
        baseURL: `${ready.url}/v1`,
        model: alias,
        messages: [{ role: 'user', content: EMBEDDED_PROMPTS[index % EMBEDDED_PROMPTS.length] as string }],
        maxTokens: 96,
        temperature: 0,
        timeoutMs: 120_000,
      });
      if (outcome.error !== undefined) throw new Error(outcome.error);
      if (index >= 2) outcomes.push(outcome.metrics);
    }
    const sources = [...new Set(outcomes.map((metrics) => metrics.tokenSource))].join(', ');
    const timingsAgree = outcomes.filter((metrics) => metrics.server?.predictedTokens === metrics.outputTokens).length;
    const eventGap = outcomes.map((metrics) => `${metrics.outputTokens - metrics.outputEvents}`);
    const gapCounts = [...new Set(eventGap)].map((gap) => `${gap} (${eventGap.filter((value) => value === gap).length}x)`).join(', ');
    const overhead = outcomes.flatMap((metrics) => (metrics.overheadMs === null ? [] : [metrics.overheadMs]));
    const finish = [...new Set(outcomes.map((metrics) => metrics.finishReason))].join(', ');
    return [
      '',
      `Embedded runtime, \`edge-evals serve --model ${alias}\`, ${requests} requests after 2 warm-up (temperature 0, max_tokens 96, ${EMBEDDED_PROMPTS.length} prompts in turn):`,
      `- token source used: ${sources}; timings.predicted_n equal to usage.completion_tokens in ${timingsAgree} of ${outcomes.length}; disagreements flagged: ${outcomes.filter((metrics) => metrics.tokenCountDisagreement).length}`,
      `- tokens minus output events: ${gapCounts} (finish reasons: ${finish})`,
      `- overhead (client stream close minus server prompt_ms + predicted_ms): median ${ms(median(overhead))} ms, p90 ${ms(p90(overhead))} ms`,
      `- TTFT median ${median(outcomes.map((metrics) => metrics.ttftMs ?? Number.NaN)).toFixed(1)} ms, E2E median ${median(outcomes.map((metrics) => metrics.e2eMs ?? Number.NaN)).toFixed(1)} ms`,
    ];
  } finally {
    serve.kill('SIGTERM');
    await serve;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, embedded: { type: 'string' } },
  });
  const rounds = Number(values.rounds);
  const warmup = Number(values.warmup);
  const loadBefore = os.loadavg();
  const server = execaNode(fileURLToPath(import.meta.url), ['--serve'], { nodeOptions: ['--import', 'tsx'], ipc: true, stdout: 'inherit', stderr: 'inherit' });
  try {
    const { baseURL } = (await server.getOneMessage()) as { baseURL: string };
    // Calibration: the round trip any client pays on this machine (loopback, wake-ups, parsing).
    const roundTrips: number[] = [];
    for (let index = 0; index < warmup + rounds; index++) {
      const { ttftMs } = await bareHttp(baseURL, 'ping');
      if (index >= warmup) roundTrips.push(ttftMs);
    }
    const names = Object.keys(CLIENTS) as ClientName[];
    const runs: Array<{ round: number; client: ClientName; measurement: Measurement; request: number }> = [];
    let request = 0;
    for (let round = 0; round < warmup + rounds; round++) {
      // Rotate the order so that no client always follows another.
      const order = names.map((_, index) => names[(index + round) % names.length] as ClientName);
      for (const client of order) {
        const measurement = await CLIENTS[client](baseURL);
        if (round >= warmup) runs.push({ round, client, measurement, request });
        request += 1;
      }
    }
    await server.sendMessage('playbacks');
    const playbacks = (await server.getOneMessage()) as Array<Playback['writtenAtMs']>;
    await server.sendMessage('stop');
    await server;

    // Writes: index 0 is the role chunk, 1 the first token, TOKENS the last token.
    const lateness = runs.map(({ request: index }) => {
      const written = playbacks[index] ?? [];
      return { first: (written[1] ?? Number.NaN) - TTFT_MS, last: (written[TOKENS] ?? Number.NaN) - E2E_MS };
    });
    const lines = [
      `Scripted stream: TTFT ${TTFT_MS} ms, ${TOKENS} tokens ${GAP_MS} ms apart (E2E ${E2E_MS} ms), llama.cpp chunk shape; ${rounds} rounds after ${warmup} warm-up rounds, clients interleaved.`,
      `Server write lateness (actual - script), median: first token ${ms(median(lateness.map((late) => late.first)))} ms, last token ${ms(median(lateness.map((late) => late.last)))} ms.`,
      `HTTP round trip on this machine (bare node:http, a token written at once), median ${median(roundTrips).toFixed(3)} ms, p10 ${quantileOfSorted([...roundTrips].sort((a, b) => a - b), 0.1).toFixed(3)} ms: every client's error against the script includes it.`,
      '',
      '| client | TTFT - script, median (p90) ms | E2E - script, median (p90) ms | wall - script E2E, median ms | of which outside t0..close, median ms |',
      '|---|---|---|---|---|',
    ];
    const byClient = (client: ClientName) => runs.filter((run) => run.client === client);
    for (const client of names) {
      const own = byClient(client).map((run) => run.measurement);
      const ttft = own.map((measurement) => measurement.ttftMs - TTFT_MS);
      const e2e = own.map((measurement) => measurement.e2eMs - E2E_MS);
      const wall = median(own.map((measurement) => measurement.wallMs - E2E_MS));
      const outside = median(own.map((measurement) => measurement.outsideMs));
      lines.push(`| ${client} | ${ms(median(ttft))} (${ms(p90(ttft))}) | ${ms(median(e2e))} (${ms(p90(e2e))}) | ${ms(wall)} | ${ms(outside)} |`);
    }
    const paired = (client: ClientName, pick: (measurement: Measurement) => number) => {
      const bare = new Map(byClient('bare-http').map((run) => [run.round, pick(run.measurement)]));
      return byClient(client).map((run) => pick(run.measurement) - (bare.get(run.round) ?? Number.NaN));
    };
    lines.push('', '| added over bare-http (paired by round), median (p90) ms | TTFT | E2E | wall time |', '|---|---|---|---|');
    for (const client of names.filter((name) => name !== 'bare-http')) {
      const picks = [(m: Measurement) => m.ttftMs, (m: Measurement) => m.e2eMs, (m: Measurement) => m.wallMs];
      const cells = picks.map((pick) => {
        const deltas = paired(client, pick);
        return `${ms(median(deltas))} (${ms(p90(deltas))})`;
      });
      lines.push(`| ${client} | ${cells.join(' | ')} |`);
    }
    const ours = byClient('edge-evals').map((run) => run.measurement);
    const checks = [
      ['edge-evals TTFT within 1 ms of the script (median)', Math.abs(median(ours.map((m) => m.ttftMs - TTFT_MS))) < 1],
      ['edge-evals E2E within 1 ms of the script (median)', Math.abs(median(ours.map((m) => m.e2eMs - E2E_MS))) < 1],
      ['edge-evals adds under 1 ms over bare node:http (median, TTFT)', median(paired('edge-evals', (m) => m.ttftMs)) < 1],
      ['edge-evals adds under 1 ms over bare node:http (median, E2E)', median(paired('edge-evals', (m) => m.e2eMs)) < 1],
      ['edge-evals adds under 1 ms of wall time per request over bare node:http (median; includes work before t0)', median(paired('edge-evals', (m) => m.wallMs)) < 1],
    ] as const;
    lines.push('', ...checks.map(([label, ok]) => `- ${ok ? 'PASS' : 'FAIL'}: ${label}`));
    if (values.embedded !== undefined) lines.push(...(await embeddedSection(values.embedded, 30)));
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    lines.push(
      '',
      `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, ${os.type()} ${os.release()}, Node ${process.version}; ` +
        `load average ${loadBefore[0]?.toFixed(2)} before, ${os.loadavg()[0]?.toFixed(2)} after.`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    server.kill();
  }
}

if (process.argv.includes('--serve')) await serve();
else process.exitCode = await main();
