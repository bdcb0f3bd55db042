// Parallel serving of the embedded runtime (issue 13, item 5): bursts of c concurrent streamed
// requests against `edge-evals serve --parallel P`, for each c and P, bursts alternating between
// the servers so that background load hits all alike. Per burst: aggregate throughput (total
// output tokens / the window from the first request sent to the last token received,
// docs/METRICS.md), and per request when its response started (status line), its first event
// (a role chunk, if the server sends one) and its first token, so a queued request that is
// answered before it has a sequence shows.
//
//   node --import tsx scripts/bench/embedded-parallel.ts [--model fixture-medium] [--streams 1,2,4,8] [--parallel 1,8]
//                                     [--rounds 5] [--max-tokens 128] [--threads N]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { SseReader } from '../../src/client/sse.ts';
import type { SyntheticAlias } from '../../src/embedded/synthetic/index.ts';
import { fixture, loadAverage, machineLine, median, nodeLlamaCppVersion, printTable, startServe, stopServe, type ServeProcess } from './embedded-shared.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'fixture-medium' },
    streams: { type: 'string', default: '1,2,4,8' },
    parallel: { type: 'string', default: '1,8' },
    rounds: { type: 'string', default: '5' },
    'max-tokens': { type: 'string', default: '128' },
    threads: { type: 'string' },
  },
});
const alias = values.model as SyntheticAlias;
const streamCounts = values.streams.split(',').map(Number);
const parallels = values.parallel.split(',').map(Number);
const rounds = Number(values.rounds);
const maxTokens = Number(values['max-tokens']);

/** The shipped prompts, so that the synthetic models give their planted replies. */
const PROMPTS = [
  'Hello, please introduce yourself.',
  'Explain edge AI in one sentence.',
  'Explain quantum computing in simple terms.',
  'What are the pros and cons of remote work?',
  'Summarize the benefits of edge AI.',
  'Write a Python function to sort a list.',
];

interface Timed {
  /** From the burst's start, ms. */
  sentMs: number;
  headersMs: number;
  firstEventMs: number | null;
  firstTokenMs: number | null;
  lastTokenMs: number | null;
  outputTokens: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function streamOnce(baseURL: string, prompt: string, origin: number): Promise<Timed> {
  const body = JSON.stringify({
    model: alias,
    messages: [{ role: 'user', content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: maxTokens,
    temperature: 0,
  });
  return new Promise((resolve, reject) => {
    const timed: Timed = { sentMs: performance.now() - origin, headersMs: 0, firstEventMs: null, firstTokenMs: null, lastTokenMs: null, outputTokens: 0 };
    const request = http.request(`${baseURL}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      timed.headersMs = performance.now() - origin;
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`HTTP ${response.statusCode}`));
        return;
      }
      const reader = new SseReader();
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        const at = performance.now() - origin;
        for (const data of reader.push(text)) {
          if (data.startsWith('[DONE]')) continue;
          timed.firstEventMs ??= at;
          const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; usage?: { completion_tokens: number } };
          if ((chunk.choices?.[0]?.delta?.content ?? '') !== '') {
            timed.firstTokenMs ??= at;
            timed.lastTokenMs = at;
          }
          if (chunk.usage !== undefined) timed.outputTokens = chunk.usage.completion_tokens;
        }
      });
      response.on('end', () => resolve(timed));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

interface Burst {
  streams: number;
  parallel: number;
  windowMs: number;
  tokens: number;
  requests: Timed[];
}

async function burst(server: ServeProcess, parallel: number, streams: number, round: number): Promise<Burst> {
  const origin = performance.now();
  const requests = await Promise.all(Array.from({ length: streams }, (_, index) => streamOnce(server.url, PROMPTS[(index + round) % PROMPTS.length] as string, origin)));
  const windowMs = Math.max(...requests.map((request) => request.lastTokenMs ?? 0)) - Math.min(...requests.map((request) => request.sentMs));
  return { streams, parallel, windowMs, tokens: requests.reduce((sum, request) => sum + request.outputTokens, 0), requests };
}

const file = await fixture(alias);
console.log(`# Parallel serving: ${machineLine()}, node-llama-cpp ${nodeLlamaCppVersion()}`);
console.log(
  `# ${alias} (${(file.sizeBytes / 1024 / 1024).toFixed(0)} MB), --parallel ${parallels.join(' and ')}, ${streamCounts.join('/')} concurrent streams, ` +
    `${rounds} rounds, max ${maxTokens} tokens, greedy${values.threads === undefined ? '' : `, ${values.threads} thread(s)`}`,
);
console.log(`# load average at start: ${loadAverage()}`);

const threadArgs = values.threads === undefined ? [] : ['--threads', values.threads];
const servers = new Map<number, ServeProcess>();
for (const parallel of parallels) servers.set(parallel, await startServe(['--model', alias, '--parallel', String(parallel), ...threadArgs]));
const bursts: Burst[] = [];
try {
  // One warm-up request per server.
  for (const [parallel, server] of servers) await burst(server, parallel, 1, 0);
  for (let round = 0; round < rounds; round++) {
    for (const streams of streamCounts) {
      for (const [parallel, server] of servers) bursts.push(await burst(server, parallel, streams, round));
    }
  }
} finally {
  for (const server of servers.values()) await stopServe(server);
}

const rows: string[][] = [];
for (const streams of streamCounts) {
  for (const parallel of parallels) {
    const mine = bursts.filter((entry) => entry.streams === streams && entry.parallel === parallel);
    const requests = mine.flatMap((entry) => entry.requests);
    const ms = (pick: (request: Timed) => number | null) => requests.map(pick).filter((value): value is number => value !== null);
    const startGap = requests.map((request) => (request.firstTokenMs ?? 0) - (request.firstEventMs ?? 0));
    rows.push([
      String(streams),
      String(parallel),
      median(mine.map((entry) => (entry.tokens * 1000) / entry.windowMs)).toFixed(1),
      median(mine.map((entry) => entry.windowMs)).toFixed(0),
      median(ms((request) => request.headersMs - request.sentMs)).toFixed(1),
      Math.max(...ms((request) => request.headersMs - request.sentMs)).toFixed(1),
      median(ms((request) => (request.firstTokenMs === null ? null : request.firstTokenMs - request.sentMs))).toFixed(1),
      Math.max(...ms((request) => (request.firstTokenMs === null ? null : request.firstTokenMs - request.sentMs))).toFixed(1),
      Math.max(...startGap).toFixed(1),
    ]);
  }
}
printTable(
  ['streams', '--parallel', 'aggregate tok/s', 'window ms', 'status line ms p50', 'status line ms max', 'TTFT ms p50', 'TTFT ms max', 'first event to first token, max ms'],
  rows,
);
console.log(`# load average at end: ${loadAverage()}`);
