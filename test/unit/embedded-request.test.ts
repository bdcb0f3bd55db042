// The embedded server's pure parts: chat request validation with messages that name the
// field, what was expected and what came; llama.cpp-style timings.
import { describe, expect, it } from 'vitest';
import { ChatCompletionRequest, describeValidationError, generationRequest } from '../../src/embedded/server/request.ts';
import { timingsJson } from '../../src/embedded/server/responses.ts';

function problem(body: unknown): { message: string; param: string | null } {
  const parsed = ChatCompletionRequest.safeParse(body);
  if (parsed.success) throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
  return describeValidationError(parsed.error, body);
}

const valid = { model: 'fixture-tiny', messages: [{ role: 'user', content: 'hi' }] };

describe('ChatCompletionRequest', () => {
  it('accepts the OpenAI shape and ignores unknown fields', () => {
    const parsed = ChatCompletionRequest.parse({
      ...valid,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hel' }, { type: 'text', text: 'lo' }] },
        { role: 'assistant', content: 'hi' },
      ],
      max_tokens: 8,
      temperature: 0,
      top_p: 0.9,
      seed: -7,
      stop: ['\n'],
      stream: true,
      stream_options: { include_usage: true },
      presence_penalty: 0,
      user: 'someone',
    });
    expect(parsed.max_tokens).toBe(8);
    expect(parsed).not.toHaveProperty('user');
  });

  it('accepts null for optional fields, as some clients send', () => {
    expect(ChatCompletionRequest.safeParse({ ...valid, max_tokens: null, stop: null, stream_options: null }).success).toBe(true);
  });

  it.each([
    [{ ...valid, max_tokens: -1 }, 'max_tokens', 'max_tokens: expected an integer >= 1, got -1'],
    [{ ...valid, max_completion_tokens: 2.5 }, 'max_completion_tokens', 'max_completion_tokens: expected an integer >= 1, got 2.5'],
    [{ model: 'x' }, 'messages', 'messages: expected a non-empty array of {role, content} messages, but it is missing'],
    [{ ...valid, messages: [] }, 'messages', 'messages: expected a non-empty array of {role, content} messages, got []'],
    [{ messages: valid.messages }, 'model', 'model: expected a non-empty string (a model alias or ID), but it is missing'],
    [{ ...valid, temperature: 3 }, 'temperature', 'temperature: expected a number from 0 to 2, got 3'],
    [{ ...valid, top_p: 0 }, 'top_p', 'top_p: expected a number greater than 0 and at most 1, got 0'],
    [{ ...valid, seed: 'abc' }, 'seed', 'seed: expected an integer, got "abc"'],
    [{ ...valid, stop: '' }, 'stop', 'stop: expected a non-empty string or an array of up to 16 non-empty strings, got ""'],
    [{ ...valid, stream: 'yes' }, 'stream', 'stream: expected true or false, got "yes"'],
    [{ ...valid, n: 2 }, 'n', 'n: only n = 1 is supported, got 2'],
    [{ ...valid, cache_prompt: 'yes' }, 'cache_prompt', 'cache_prompt: expected true or false, got "yes"'],
    [
      { ...valid, messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].role',
      'messages[0].role: expected one of system, user, assistant, got "tool"',
    ],
    [
      { ...valid, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      'messages[0].content',
      "messages[0].content: expected a string or an array of text parts ({type: 'text', text: string}), got [{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]",
    ],
  ])('rejects %j naming %s', (body, param, message) => {
    expect(problem(body)).toEqual({ param, message });
  });

  it('accepts response_format text, json_object and json_schema, and turns the last two into a constraint', () => {
    const schema = { type: 'object', properties: { score: { type: 'integer' } } };
    const request = (responseFormat: unknown) => generationRequest(ChatCompletionRequest.parse({ ...valid, response_format: responseFormat }), new AbortController().signal);
    expect(request({ type: 'text' }).responseFormat).toBeUndefined();
    expect(request({ type: 'json_object' }).responseFormat).toEqual({ type: 'json_object' });
    expect(request({ type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } }).responseFormat).toEqual({ type: 'json_schema', schema });
  });

  it('keeps the prompt cache off unless cache_prompt is true', () => {
    const request = (extra: object) => generationRequest(ChatCompletionRequest.parse({ ...valid, ...extra }), new AbortController().signal);
    expect(request({}).cachePrompt).toBe(false);
    expect(request({ cache_prompt: null }).cachePrompt).toBe(false);
    expect(request({ cache_prompt: false }).cachePrompt).toBe(false);
    expect(request({ cache_prompt: true }).cachePrompt).toBe(true);
  });

  it.each([{ type: 'xml' }, { type: 'json_schema' }, { type: 'json_schema', json_schema: { schema: 'an object' } }])('rejects response_format %j, saying what it accepts', (responseFormat) => {
    expect(problem({ ...valid, response_format: responseFormat })?.param).toMatch(/^response_format/);
    expect(problem({ ...valid, response_format: responseFormat })?.message).toContain("expected {type: 'text'}, {type: 'json_object'} or {type: 'json_schema', json_schema: {schema: {...}}}");
  });

  it('describes a body that is not an object', () => {
    expect(problem([1, 2])).toEqual({ param: null, message: 'request body: expected a JSON object, got [1,2]' });
  });

  it('counts further problems without listing them all', () => {
    expect(problem({ max_tokens: 0 }).message).toMatch(/\(and 2 more problems\)$/);
  });
});

describe('timingsJson', () => {
  it('gives llama.cpp field names and rates in tokens per second, the prompt rate over evaluated tokens only', () => {
    expect(timingsJson({ promptTokens: 20, cachedTokens: 7, promptMs: 10, predictedTokens: 50, predictedMs: 250 })).toEqual({
      cache_n: 7,
      prompt_n: 20,
      prompt_ms: 10,
      prompt_per_second: 2000,
      predicted_n: 50,
      predicted_ms: 250,
      predicted_per_second: 200,
    });
  });

  it('gives null rates, never Infinity, for zero durations', () => {
    const timings = timingsJson({ promptTokens: 5, cachedTokens: 0, promptMs: 0, predictedTokens: 0, predictedMs: 0 });
    expect(timings.prompt_per_second).toBeNull();
    expect(timings.predicted_per_second).toBeNull();
  });
});
