// `npm run eval` against an OpenAI-compatible endpoint that misbehaves: one reply of 5 MB, one
// of 3 MB, the rest short. The endpoint is an in-process scripted server that wants an API
// key. Before the reply limit and the linear checks, the 5 MB reply killed the test worker
// (heap exhausted counting its characters), five of the six cases never ran, and the report
// described a clean run of one prompt.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/results/files.ts';
import { startScriptedServer, type ReceivedRequest, type Script, type ScriptedServer } from '../fixtures/streams/scripted-server.ts';
import { evalRun, resultsFile } from '../support/eval-run.ts';

const API_KEY = 'sk-e2e-hostile-0b5e7d21c4';
const MB = 1024 * 1024;

const event = (content: string) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'hostile', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** A streamed reply of about `bytes` of text, in events of 1,000 characters. */
function reply(bytes: number, sentence: string): Script {
  const piece = sentence.repeat(Math.ceil(1000 / sentence.length)).slice(0, 1000);
  const writes: [number, string][] = Array.from({ length: Math.ceil(bytes / piece.length) }, () => [0, event(piece)]);
  writes.push([0, 'data: [DONE]\n\n']);
  return { writes };
}

const json = (status: number, body: unknown): Script => ({ status, headers: { 'content-type': 'application/json' }, writes: [[0, JSON.stringify(body)]] });

function script(request: ReceivedRequest): Script {
  if (request.headers.authorization !== `Bearer ${API_KEY}`) return json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
  if (request.url === '/v1/models') return json(200, { object: 'list', data: [{ id: 'hostile', object: 'model', owned_by: 'someone' }] });
  const messages = (request.body as { messages: { content: string }[] }).messages;
  const prompt = messages.at(-1)?.content ?? '';
  if (/introduce yourself/i.test(prompt)) return reply(5 * MB, 'I am a model and I never stop talking. ');
  if (/edge AI/i.test(prompt) && /one sentence/i.test(prompt)) return reply(3 * MB, 'Edge AI runs models on local devices. ');
  return reply(100, 'A short answer. ');
}

let work: string;
let server: ScriptedServer;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-hostile-'));
  server = await startScriptedServer({ script });
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('npm run eval against an endpoint with huge replies', () => {
  it('fails the 5 MB case with the reason, checks the 3 MB reply, runs every other case, and never writes the key', async () => {
    const results = path.join(work, 'results');
    const run = await evalRun([], { EVAL_RUNTIME: 'openai', EVAL_BASE_URL: server.baseURL, EVAL_API_KEY: API_KEY, EVAL_MODELS: 'hostile', EVAL_RESULTS_DIR: results, EDGE_EVALS_CACHE: path.join(work, 'cache') });
    expect(run.exitCode, run.all.slice(-3000)).toBe(1);

    const output = readResultsFile(resultsFile(results));
    expect(output.cases).toHaveLength(6);
    const byPrompt = new Map(output.cases.map((testCase) => [`${testCase.category}/${testCase.prompt}`, testCase]));
    const huge = byPrompt.get('chat/introduce-yourself');
    expect(huge?.status).toBe('error');
    expect(huge?.error).toMatch(/the reply was larger than 4194304 bytes \(EVAL_MAX_REPLY_BYTES\) after \d+ events; the rest was not read/);
    const large = byPrompt.get('chat/edge-ai-one-sentence');
    expect(large?.status).toBe('fail');
    const length = large?.assertions.find((check) => check.type === 'length');
    expect(length?.pass).toBe(false);
    expect(length?.reason).toMatch(/at most 500 characters, got 3\d{6}/);
    for (const testCase of output.cases) if (testCase !== huge) expect(testCase.status, testCase.name).not.toBe('error');

    // Every chat request carried the key (the workers read it from their configuration)...
    const chats = server.requests.filter((request) => request.url === '/v1/chat/completions');
    expect(chats.length).toBeGreaterThanOrEqual(7); // the warm-up and six cases
    for (const request of chats) expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    // ...and it is nowhere in what the run printed or wrote.
    expect(run.all).not.toContain(API_KEY);
    for (const file of readdirSync(results, { recursive: true, withFileTypes: true })) {
      if (file.isFile()) expect(readFileSync(path.join(file.parentPath, file.name), 'utf8').includes(API_KEY), file.name).toBe(false);
    }
    expect(readFileSync(path.join(results, 'report.md'), 'utf8')).toMatch(/introduce-yourself/);
  }, 300_000);
});
