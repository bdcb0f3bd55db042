// `npm run eval` against an OpenAI-compatible server whose model answers with terminal escape
// sequences (clear the screen, retitle the window, ring the bell): vitest prints the failed
// checks, which quote the reply, in the terminal and the CI log; there they must show as text.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../fixtures/streams/scripted-server.ts';
import { evalRun } from '../support/eval-run.ts';

const HOSTILE_REPLY = '\u001b[2J\u001b]0;pwned\u0007\u001b[31mI am red\r\u202eevil';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-e2e-hostile-'));
let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer({
    script: (request) => {
      if (request.url.endsWith('/models')) {
        return { headers: { 'content-type': 'application/json' }, writes: [[0, JSON.stringify({ object: 'list', data: [{ id: 'hostile', object: 'model', owned_by: 'someone' }] })]] };
      }
      const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'hostile', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      return {
        writes: [
          [0, chunk({ role: 'assistant', content: HOSTILE_REPLY })],
          [1, `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'hostile', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } })}\n\n`],
          [2, 'data: [DONE]\n\n'],
        ],
      };
    },
  });
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a reply full of terminal escape sequences', () => {
  it('fails its checks with the reply shown as text in the output, and XML-safe in junit.xml', async () => {
    const results = path.join(work, 'results');
    const run = await evalRun(['-t', 'chat/introduce-yourself'], {
      EVAL_RUNTIME: 'openai',
      EVAL_BASE_URL: server.baseURL,
      EVAL_MODELS: 'hostile',
      EVAL_WARMUP: '0',
      EVAL_RESULTS_DIR: results,
      EDGE_EVALS_CACHE: path.join(work, 'cache'),
    }, { timeout: 240_000 });
    expect(run.exitCode, run.all).toBe(1);
    // The failure is there, quoting the reply, with every control character made visible.
    expect(run.all).toContain('1 of 5 checks went wrong');
    expect(run.all).toContain('Reply: "\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mI am red\\r\\u{202e}evil" (33 chars)');
    // The response, as vitest prints it under the failed test.
    expect(run.all).toContain('\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mI am red\\x0d\\u{202e}evil');
    // NO_COLOR is set: not a single escape character may reach the output, nor a bare carriage return.
    expect(run.all).not.toContain('\u001b');
    expect(run.all).not.toContain('\u0007');
    expect(run.all).not.toMatch(/\r(?!\n)/);
    expect(run.all).not.toContain('\u202e');
    const junit = readFileSync(path.join(results, 'junit.xml'), 'utf8');
    expect(junit).toContain('<failure message=');
    expect(junit).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  }, 240_000);
});
