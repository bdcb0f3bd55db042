// An OpenAI-compatible server that answers at once, for benchmarks of what edge-evals itself
// costs: every chat completion streams one reply (a role chunk, the reply in a few content
// chunks, the finish chunk, usage, [DONE]) with no delay. The replies pass every check of the
// shipped evals/ (so a run's tests pass and exercise their checks): one on every topic, or one
// sentence when the prompt asks for one sentence. The models it lists are not synthetic ones
// (so content checks run). `/v1/models` lists `models`.
//
// Run on its own (prints its base URL, serves until killed):
//   node --import tsx scripts/bench/instant-server.ts [--models m1,m2,m3]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** One reply that every shipped eval accepts: on topic for each prompt, and a sort function. */
export const INSTANT_REPLY = [
  "I'm an assistant. Edge AI runs models on local devices instead of the cloud, for latency, privacy and offline use.",
  'Quantum computing uses qubits in superposition. Remote work: pros are flexibility, cons are isolation.',
  '```python\ndef sort_list(values):\n    return sorted(values)\n```',
].join('\n');

/** The reply to a prompt that asks for one sentence (evals/chat.eval.ts counts them). */
export const INSTANT_SENTENCE = 'Edge AI runs models on local devices instead of the cloud, for lower latency, privacy and offline use.';

/** The reply in this many content events, as a streaming server sends several chunks. */
const CONTENT_EVENTS = 8;

function chunks(model: string, created: number, reply: string): string {
  const base = { id: 'chatcmpl-instant', object: 'chat.completion.chunk', created, model };
  const event = (payload: object) => `data: ${JSON.stringify({ ...base, ...payload })}\n\n`;
  const delta = (content: object, finish: string | null = null) => event({ choices: [{ index: 0, delta: content, finish_reason: finish }] });
  const size = Math.ceil(reply.length / CONTENT_EVENTS);
  const parts: string[] = [delta({ role: 'assistant', content: '' })];
  for (let start = 0; start < reply.length; start += size) parts.push(delta({ content: reply.slice(start, start + size) }));
  parts.push(delta({}, 'stop'));
  parts.push(event({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 48, total_tokens: 60 } }));
  parts.push('data: [DONE]\n\n');
  return parts.join('');
}

export interface InstantServer {
  baseURL: string;
  /** Chat completions answered so far. */
  completions(): number;
  close(): Promise<void>;
}

export async function startInstantServer(models: readonly string[]): Promise<InstantServer> {
  let completions = 0;
  const created = Math.floor(Date.now() / 1000);
  const server = http.createServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (part: Buffer) => body.push(part));
    request.on('end', () => {
      if (request.method === 'GET' && request.url === '/v1/models') {
        const list = { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'bench' })) };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(list));
        return;
      }
      if (request.method === 'POST' && request.url === '/v1/chat/completions') {
        completions++;
        const { model, messages } = JSON.parse(Buffer.concat(body).toString('utf8')) as { model: string; messages: { content: string }[] };
        const reply = messages.some((message) => /one sentence/i.test(message.content)) ? INSTANT_SENTENCE : INSTANT_REPLY;
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        response.end(chunks(model, created, reply));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `no route ${request.method} ${request.url}` } }));
    });
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    completions: () => completions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { models: { type: 'string', default: 'bench-a,bench-b,bench-c' } } });
  const server = await startInstantServer(values.models.split(','));
  console.log(server.baseURL);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
