// One judge request: a non-streamed chat completion with the output constrained to the verdict
// schema where the server offers it (`response_format` with a JSON schema: llama.cpp's server,
// Ollama, vLLM, OpenAI, Foundry Local, and edge-evals' own server through node-llama-cpp's
// JSON-schema grammar), and the score token's logprobs where it returns them. A server that
// refuses either field (HTTP 400 naming it) is asked again without it, and not asked again.
import type { ChatMessage } from '../contract/chat.ts';
import type { RuntimeName } from '../contract/runtime.ts';
import { errorMessage, httpRequest } from '../runtimes/http.ts';
import { VERDICT_SCHEMA } from './rubrics.ts';
import type { TokenLogprob } from './verdict.ts';

/** Alternatives asked for at each token: enough to hold the five score digits. */
const TOP_LOGPROBS = 5;
const MAX_VERDICT_TOKENS = 256;

/** Which runtimes return logprobs on their OpenAI-compatible endpoint (node-llama-cpp exposes none; Foundry Local does not document them). */
const RETURNS_LOGPROBS: Readonly<Record<RuntimeName, boolean>> = {
  embedded: false,
  foundry: false,
  ollama: true,
  'llama-server': true,
  openai: true,
};

export interface JudgeEndpoint {
  alias: string;
  modelId: string;
  runtime: RuntimeName;
  baseURL: string;
  apiKey?: string;
}

export interface JudgeReply {
  text: string;
  /** The tokens' logprobs, when the server returned them. */
  logprobs: TokenLogprob[] | null;
}

export type JudgeAnswer = ({ ok: true } & JudgeReply) | { ok: false; error: string; text: string };

/** What one endpoint turned out to accept; shared by every request to it during a run. */
export class EndpointFeatures {
  structuredOutput = true;
  logprobs: boolean;

  constructor(runtime: RuntimeName) {
    this.logprobs = RETURNS_LOGPROBS[runtime];
  }
}

function body(endpoint: JudgeEndpoint, messages: readonly ChatMessage[], features: EndpointFeatures, seed: number): Record<string, unknown> {
  return {
    model: endpoint.modelId,
    messages,
    stream: false,
    temperature: 0,
    seed,
    max_tokens: MAX_VERDICT_TOKENS,
    ...(features.structuredOutput ? { response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema: VERDICT_SCHEMA } } } : {}),
    ...(features.logprobs ? { logprobs: true, top_logprobs: TOP_LOGPROBS } : {}),
  };
}

interface CompletionBody {
  choices?: { message?: { content?: unknown }; logprobs?: { content?: unknown } | null }[];
  error?: unknown;
}

function readCompletion(text: string): JudgeAnswer {
  let parsed: CompletionBody;
  try {
    parsed = JSON.parse(text) as CompletionBody;
  } catch {
    return { ok: false, error: 'the server answered with a body that is not JSON', text };
  }
  const choice = parsed.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== 'string') return { ok: false, error: 'the server answered without a message', text };
  const tokens = choice?.logprobs?.content;
  return { ok: true, text: content, logprobs: Array.isArray(tokens) ? (tokens as TokenLogprob[]) : null };
}

/** Send one verdict request; never throws: a failure is `ok: false` with what came back. */
export async function requestVerdict(
  endpoint: JudgeEndpoint,
  messages: readonly ChatMessage[],
  options: { features: EndpointFeatures; timeoutMs: number; seed: number; signal?: AbortSignal },
): Promise<JudgeAnswer> {
  const { features } = options;
  const url = `${endpoint.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = endpoint.apiKey === undefined ? {} : { authorization: `Bearer ${endpoint.apiKey}` };
  for (;;) {
    let answer;
    try {
      answer = await httpRequest(url, { body: body(endpoint, messages, features, options.seed), headers, timeoutMs: options.timeoutMs, signal: options.signal });
    } catch (error) {
      const cause = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : describeTransportError(error);
      return { ok: false, error: `the judge at ${url} did not answer: ${cause}`, text: '' };
    }
    if (answer.status === 400) {
      const message = errorMessage(answer.text);
      // Ask again without the field the server refused, once per field.
      if (features.structuredOutput && /response_format|json_schema|grammar/i.test(message)) {
        features.structuredOutput = false;
        continue;
      }
      if (features.logprobs && /logprob/i.test(message)) {
        features.logprobs = false;
        continue;
      }
    }
    if (answer.status !== 200) return { ok: false, error: `the judge answered HTTP ${answer.status}: ${errorMessage(answer.text)}`, text: answer.text };
    return readCompletion(answer.text);
  }
}

function describeTransportError(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  if (current instanceof Error) {
    const code = (current as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${current.message}`.trim() : current.message;
  }
  return String(current);
}
