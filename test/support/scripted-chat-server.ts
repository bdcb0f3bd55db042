// An OpenAI-compatible endpoint whose replies are written in advance: the first answer whose
// pattern matches the last user message is streamed back word by word, as a chat completion
// stream with usage. For runs that must judge content (synthetic models have it skipped):
// `EVAL_RUNTIME=openai EVAL_BASE_URL=<url>` points `npm run eval` at it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  when: RegExp;
  answer: string;
}

export interface ScriptedChatServer {
  /** Ends with /v1. */
  url: string;
  /** The last user message of every chat request, in order. */
  prompts: string[];
  close(): Promise<void>;
}

const FALLBACK = "I don't know.";

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function chunk(model: string, delta: Record<string, string>, finishReason: string | null = null) {
  return { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

export async function startScriptedChatServer(model: string, answers: readonly ScriptedAnswer[]): Promise<ScriptedChatServer> {
  const prompts: string[] = [];
  const server = http.createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === '/v1/models') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'scripted' }] }));
        return;
      }
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: `no route ${request.method} ${request.url}` } }));
        return;
      }
      const body = JSON.parse(await readBody(request)) as { messages: { role: string; content: string }[] };
      const prompt = body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
      prompts.push(prompt);
      const answer = answers.find((candidate) => candidate.when.test(prompt))?.answer ?? FALLBACK;
      const pieces = answer.match(/\S+\s*|\s+/g) ?? [answer];
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
      send(chunk(model, { role: 'assistant', content: '' }));
      for (const piece of pieces) send(chunk(model, { content: piece }));
      send({ ...chunk(model, {}, 'stop'), usage: { prompt_tokens: prompt.split(/\s+/).length, completion_tokens: pieces.length, total_tokens: prompt.split(/\s+/).length + pieces.length } });
      response.end('data: [DONE]\n\n');
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    prompts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
