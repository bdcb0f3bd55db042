// Reading a chat completion request: the body (bounded, JSON), its validation with messages
// that name the field, what was expected and what came, and its translation into a generation.
import type http from 'node:http';
import { z } from 'zod';
import type { ChatMessage } from '../../contract/chat.ts';
import type { GenerationRequest } from '../engine/generation.ts';
import { HttpError } from './responses.ts';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

const expectation = {
  model: 'expected a non-empty string (a model alias or ID)',
  messages: 'expected a non-empty array of {role, content} messages',
  role: 'expected one of system, user, assistant',
  content: "expected a string or an array of text parts ({type: 'text', text: string})",
  maxTokens: 'expected an integer >= 1',
  temperature: 'expected a number from 0 to 2',
  topP: 'expected a number greater than 0 and at most 1',
  seed: 'expected an integer',
  stop: 'expected a non-empty string or an array of up to 16 non-empty strings',
  stream: 'expected true or false',
  cachePrompt: 'expected true or false',
  streamOptions: 'expected an object {include_usage: boolean}',
  n: 'only n = 1 is supported',
  responseFormat: "expected {type: 'text'}, {type: 'json_object'} or {type: 'json_schema', json_schema: {schema: {...}}}",
} as const;

const ResponseFormatField = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      json_schema: z.object({ name: z.string().nullish(), schema: z.record(z.string(), z.unknown(), { error: expectation.responseFormat }), strict: z.boolean().nullish() }, { error: expectation.responseFormat }),
    }),
  ],
  { error: expectation.responseFormat },
);

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

const Message = z.object(
  {
    // `developer` is OpenAI's newer name for `system`.
    role: z.enum(['system', 'user', 'assistant', 'developer'], { error: expectation.role }),
    content: z.union([z.string(), z.array(TextPart)], { error: expectation.content }),
  },
  { error: 'expected an object {role, content}' },
);

const maxTokens = z.number({ error: expectation.maxTokens }).int({ error: expectation.maxTokens }).min(1, { error: expectation.maxTokens });
const stopString = z.string({ error: expectation.stop }).min(1, { error: expectation.stop });

export const ChatCompletionRequest = z.object(
  {
    model: z.string({ error: expectation.model }).trim().min(1, { error: expectation.model }),
    messages: z.array(Message, { error: expectation.messages }).min(1, { error: expectation.messages }),
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    temperature: z.number({ error: expectation.temperature }).min(0, { error: expectation.temperature }).max(2, { error: expectation.temperature }).nullish(),
    top_p: z.number({ error: expectation.topP }).gt(0, { error: expectation.topP }).max(1, { error: expectation.topP }).nullish(),
    seed: z.number({ error: expectation.seed }).int({ error: expectation.seed }).nullish(),
    stop: z.union([stopString, z.array(stopString).max(16, { error: expectation.stop })], { error: expectation.stop }).nullish(),
    stream: z.boolean({ error: expectation.stream }).nullish(),
    stream_options: z.object({ include_usage: z.boolean({ error: expectation.stream }).nullish() }, { error: expectation.streamOptions }).nullish(),
    n: z.literal(1, { error: expectation.n }).nullish(),
    response_format: ResponseFormatField.nullish(),
    // llama.cpp's switch for reusing the KV cache of a shared prompt prefix; off unless asked.
    cache_prompt: z.boolean({ error: expectation.cachePrompt }).nullish(),
  },
  { error: 'expected a JSON object' },
);
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** The first validation problem as "field: expected X, got Y", plus the field for `param`. */
export function describeValidationError(error: z.ZodError, body: unknown): { message: string; param: string | null } {
  const issue = error.issues[0];
  if (issue === undefined) return { message: 'invalid request', param: null };
  const param = formatPath(issue.path);
  const value = valueAt(body, issue.path);
  const got = value === undefined ? 'but it is missing' : `got ${preview(value)}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return { message: `${param ?? 'request body'}: ${issue.message}, ${got}${more}`, param };
}

function formatPath(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`)).join('');
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let current = body;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function messageText(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/** The body of a POST /v1/chat/completions, validated; a 400 that names the field otherwise. */
export async function readChatRequest(request: http.IncomingMessage): Promise<ChatCompletionRequest> {
  const body = await readJsonBody(request);
  const parsed = ChatCompletionRequest.safeParse(body);
  if (!parsed.success) {
    const { message, param } = describeValidationError(parsed.error, body);
    throw new HttpError(400, message, 'invalid_request_error', 'invalid_request', param);
  }
  return parsed.data;
}

/** The engine's request for a chat request, with OpenAI's defaults where the client says nothing. */
export function generationRequest(chat: ChatCompletionRequest, signal: AbortSignal): GenerationRequest {
  const messages: ChatMessage[] = chat.messages.map((message) => ({
    role: message.role === 'developer' ? 'system' : message.role,
    content: messageText(message.content),
  }));
  const stop = chat.stop === undefined || chat.stop === null ? [] : typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
  const format = chat.response_format;
  return {
    messages,
    ...(format?.type === 'json_object' ? { responseFormat: { type: 'json_object' as const } } : {}),
    ...(format?.type === 'json_schema' ? { responseFormat: { type: 'json_schema' as const, schema: format.json_schema.schema } } : {}),
    maxTokens: chat.max_completion_tokens ?? chat.max_tokens ?? undefined,
    temperature: chat.temperature ?? 1,
    topP: chat.top_p ?? 1,
    // node-llama-cpp takes a 32-bit seed; OpenAI's is any integer.
    seed: chat.seed === undefined || chat.seed === null ? undefined : Number(BigInt.asUintN(32, BigInt(chat.seed))),
    stop,
    cachePrompt: chat.cache_prompt === true,
    signal,
  };
}

/** A model name from a URL path segment. */
export function decodeName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, `model name in the URL is not valid percent-encoding: ${encoded}`, 'invalid_request_error', 'invalid_request');
  }
}

async function readJsonBody(request: http.IncomingMessage): Promise<unknown> {
  const tooLarge = () => new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'invalid_request_error', 'body_too_large');
  // A declared length says it before a byte is read.
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body: expected a JSON object, but it is empty', 'invalid_request_error', 'invalid_json');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`, 'invalid_request_error', 'invalid_json');
  }
}
