// The judge stand-in (test/stand-ins/bin/judge-server): an OpenAI-compatible server whose
// verdicts come from a script, so that the tests can make a judge misbehave on purpose.
//
//   judge-server --script <file.json> [--port 0] [--log <file.jsonl>]
//
// It prints one line `{"event":"ready","url":"http://127.0.0.1:<port>"}` when it listens, and
// appends every judge request it receives (criterion, answer, whether response_format and
// logprobs were asked for) to the log. The script:
//   {
//     "model": "scripted-judge",
//     "rules": [                                  first match wins
//       { "criterion": "accuracy",                optional
//         "answerContains": "reverse=True",       optional
//         "replies": ["not json", "{\"reason\":\"…\",\"score\":1}"],   one per request, the last repeats
//         "probabilities": { "1": 0.7, "2": 0.3 },                    logprobs of the score token
//         "delayMs": 3000,                        wait before replying
//         "exit": true,                           die without replying (the process ends)
//         "status": 500 }                         answer with this HTTP error
//     ],
//     "default": { "score": 4, "reason": "Fine." },
//     "rejectResponseFormat": false,              answer 400 to response_format, as old servers do
//     "exitAfterRequests": null                   die once this many judge requests were answered
//   }
// A streamed request (the coordinator's warm-up) gets a short streamed "OK".
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readJson, sendJson, sleep, startEventStream, writeEvent } from '../shared/http.ts';

interface Rule {
  criterion?: string;
  answerContains?: string;
  replies?: string[];
  probabilities?: Record<string, number>;
  delayMs?: number;
  exit?: boolean;
  status?: number;
}

interface Script {
  model?: string;
  rules?: Rule[];
  default?: { score: number; reason: string; probabilities?: Record<string, number> };
  rejectResponseFormat?: boolean;
  exitAfterRequests?: number | null;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

const args = process.argv.slice(2);
const scriptFile = option(args, '--script');
if (scriptFile === undefined) {
  process.stderr.write('usage: judge-server --script <file.json> [--port 0] [--log <file.jsonl>]\n');
  process.exit(2);
}
const script = JSON.parse(readFileSync(scriptFile, 'utf8')) as Script;
const logFile = option(args, '--log');
const model = script.model ?? 'scripted-judge';
const used = new Map<Rule, number>();
let answered = 0;

/** What the judge prompt (src/judge/rubrics.ts) says it grades. */
function subject(body: Record<string, unknown>): { criterion: string; answer: string } {
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  const prompt = messages.map((message) => (typeof message.content === 'string' ? message.content : '')).join('\n');
  return {
    criterion: /Criterion: (\w+)\./.exec(prompt)?.[1] ?? 'unknown',
    answer: /<<<\n([\s\S]*?)\n>>>/.exec(prompt)?.[1] ?? '',
  };
}

/** Tokens as a server returns them, the score's digit a token of its own, with the given probabilities. */
function logprobs(text: string, probabilities: Record<string, number> | undefined) {
  const match = /"score"\s*:\s*\d/.exec(text);
  const digitAt = match === null ? -1 : match.index + match[0].length - 1;
  const pieces = digitAt === -1 ? [text] : [text.slice(0, digitAt), text.slice(digitAt, digitAt + 1), text.slice(digitAt + 1)];
  return pieces
    .filter((piece) => piece !== '')
    .map((token, index) => {
      const isScore = digitAt !== -1 && index === 1;
      if (!isScore || probabilities === undefined) return { token, logprob: 0, top_logprobs: [{ token, logprob: 0 }] };
      const top = Object.entries(probabilities).map(([digit, probability]) => ({ token: digit, logprob: Math.log(probability) }));
      return { token, logprob: Math.log(probabilities[token] ?? 1e-9), top_logprobs: top };
    });
}

async function chat(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJson(request);
  if (body.stream === true) {
    startEventStream(response);
    writeEvent(response, { choices: [{ index: 0, delta: { role: 'assistant', content: 'OK' }, finish_reason: null }] });
    writeEvent(response, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    writeEvent(response, '[DONE]');
    response.end();
    return;
  }
  const { criterion, answer } = subject(body);
  const askedFormat = body.response_format !== undefined;
  if (logFile !== undefined) appendFileSync(logFile, `${JSON.stringify({ at: Date.now(), criterion, answer, responseFormat: askedFormat, logprobs: body.logprobs === true })}\n`);
  if (script.rejectResponseFormat === true && askedFormat) {
    sendJson(response, 400, { error: { message: "Unrecognized request argument supplied: response_format", type: 'invalid_request_error' } });
    return;
  }
  const rule = (script.rules ?? []).find((candidate) => (candidate.criterion === undefined || candidate.criterion === criterion) && (candidate.answerContains === undefined || answer.includes(candidate.answerContains)));
  if (rule?.exit === true) process.exit(1);
  if (rule?.delayMs !== undefined) await sleep(rule.delayMs);
  if (rule?.status !== undefined) {
    sendJson(response, rule.status, { error: { message: `scripted failure ${rule.status}`, type: 'server_error' } });
    return;
  }
  let content: string;
  if (rule?.replies !== undefined && rule.replies.length > 0) {
    const count = used.get(rule) ?? 0;
    used.set(rule, count + 1);
    content = rule.replies[Math.min(count, rule.replies.length - 1)] as string;
  } else {
    const fallback = script.default ?? { score: 4, reason: 'Scripted default verdict.' };
    content = JSON.stringify({ reason: fallback.reason, score: fallback.score });
  }
  const probabilities = rule?.probabilities ?? script.default?.probabilities;
  sendJson(response, 200, {
    id: 'chatcmpl-judge',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: body.logprobs === true ? { content: logprobs(content, probabilities) } : null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
  });
  answered++;
  if (script.exitAfterRequests != null && answered >= script.exitAfterRequests) {
    // Nothing more is accepted from now on; the process ends once this reply is out.
    server.close();
    response.on('finish', () => process.exit(1));
  }
}

const server = createServer((request, response) => {
  const route = `${request.method} ${new URL(request.url ?? '/', 'http://stand-in').pathname}`;
  if (route === 'GET /v1/models') return sendJson(response, 200, { object: 'list', data: [{ id: model, object: 'model', owned_by: 'judge-stand-in' }] });
  if (route === 'POST /v1/chat/completions') {
    chat(request, response).catch((error: unknown) => sendJson(response, 500, { error: { message: (error as Error).message } }));
    return;
  }
  sendJson(response, 404, { error: { message: `no route ${route}` } });
});
server.listen(Number(option(args, '--port') ?? '0'), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ event: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
