import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { excerpt } from '../../src/assertions/excerpt.ts';
import { AssertionSpecSchema, assertionKind, evaluateAssertions, type AssertionContext, type AssertionSpec } from '../../src/assertions/index.ts';
import type { RequestMetrics } from '../../src/contract/results.ts';

const METRICS: RequestMetrics = {
  ttftMs: 120,
  ttfotMs: 120,
  e2eMs: 900,
  streamCloseMs: 901,
  tpotMs: 20,
  outputTokens: 40,
  promptTokens: 10,
  tokensPerSec: 40 / 0.9,
  decodeTokensPerSec: 50,
  tokenSource: 'usage',
  outputEvents: 40,
  interChunkGapsMs: [],
  finishReason: 'stop',
  server: null,
  overheadMs: null,
  tokenCountDisagreement: false,
};

function context(response: string, overrides: Partial<AssertionContext> = {}): AssertionContext {
  return { response, metrics: METRICS, model: 'qwen2.5-0.5b', synthetic: false, ...overrides };
}

async function check(spec: AssertionSpec, response: string, overrides: Partial<AssertionContext> = {}) {
  const [result] = await evaluateAssertions([AssertionSpecSchema.parse(spec)], context(response, overrides));
  if (result === undefined) throw new Error('no result');
  return result;
}

const REPLY = 'Edge AI runs models on local devices.\nNo cloud needed.';

describe('text checks', () => {
  it.each<[AssertionSpec, string]>([
    [{ type: 'contains', value: 'local devices' }, 'the reply contains "local devices"'],
    [{ type: 'icontains', value: 'EDGE ai' }, 'the reply contains "EDGE ai" (ignoring case)'],
    [{ type: 'not-contains', value: 'I cannot' }, 'the reply does not contain "I cannot"'],
    [{ type: 'regex', pattern: '\\b(device|cloud)s?\\b', flags: 'i' }, 'the reply matches /\\b(device|cloud)s?\\b/i at character 29: "devices" (7 chars)'],
    [{ type: 'starts-with', value: 'Edge AI' }, 'the reply starts with "Edge AI"'],
  ])('%o passes', async (spec, reason) => {
    expect(await check(spec, REPLY)).toEqual({ type: spec.type, pass: true, score: 1, reason });
  });

  const EXCERPT = 'Reply: "Edge AI runs models on local devices.\\nNo cloud needed." (54 chars)';
  it.each<[AssertionSpec, string]>([
    [{ type: 'contains', value: 'Local devices' }, `expected the reply to contain "Local devices" (case-sensitive); it does not. ${EXCERPT}`],
    [{ type: 'icontains', value: 'on-device' }, `expected the reply to contain "on-device" in any case; it does not. ${EXCERPT}`],
    [
      { type: 'not-contains', value: 'cloud' },
      `expected the reply not to contain "cloud"; it does at character 41: "dge AI runs models on local devices.\\nNo cloud needed." (53 chars). ${EXCERPT}`,
    ],
    [{ type: 'regex', pattern: 'qubits?' }, `expected the reply to match /qubits?/; it does not. ${EXCERPT}`],
    [{ type: 'starts-with', value: 'Sure' }, `expected the reply to start with "Sure"; it does not. ${EXCERPT}`],
  ])('%o fails and says what was expected and what came', async (spec, reason) => {
    expect(await check(spec, REPLY)).toEqual({ type: spec.type, pass: false, score: 0, reason });
  });

  it('starts-with ignores leading whitespace', async () => {
    expect((await check({ type: 'starts-with', value: 'Yes' }, '\n  Yes.')).pass).toBe(true);
  });
});

describe('length', () => {
  it('passes within character and word bounds, counting characters as a reader does', async () => {
    const result = await check({ type: 'length', minChars: 5, maxChars: 5, minWords: 2, maxWords: 2 }, 'ok 👍🏽!');
    expect(result).toMatchObject({ pass: true, reason: 'the reply has 5 characters and 2 words, within bounds' });
  });

  it('fails with every bound that was missed', async () => {
    const result = await check({ type: 'length', maxChars: 10, minWords: 20 }, REPLY);
    expect(result.pass).toBe(false);
    expect(result.reason).toBe(
      'expected at most 10 characters, got 54; at least 20 words, got 10. Reply: "Edge AI runs models on local devices.\\nNo cloud needed." (54 chars)',
    );
  });

  it('fails on an empty reply with minChars', async () => {
    expect((await check({ type: 'length', minChars: 1 }, '')).reason).toBe('expected at least 1 characters, got 0. Reply: (empty)');
  });
});

describe('json', () => {
  const Schema = z.object({ city: z.string(), population: z.number().int() });

  it('accepts bare JSON and JSON in a fenced block, with a schema', async () => {
    expect(await check({ type: 'json' }, ' {"a": [1, 2]} ')).toMatchObject({ pass: true, reason: 'the reply is valid JSON' });
    const fenced = 'Here it is:\n```json\n{"city": "Paris", "population": 2102650}\n```\nAnything else?';
    expect(await check({ type: 'json', schema: Schema }, fenced)).toMatchObject({ pass: true, reason: 'a fenced block is valid JSON matching the schema' });
  });

  it('fails on text that is not JSON', async () => {
    const result = await check({ type: 'json' }, 'The city is Paris.');
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/^expected JSON \(bare or in a ``` block\); the reply does not parse: Unexpected token .*\. Reply: "The city is Paris\." \(18 chars\)$/);
  });

  it('fails on JSON that does not match the schema, naming the fields', async () => {
    const result = await check({ type: 'json', schema: Schema }, '{"city": "Paris", "population": "2M"}');
    expect(result.pass).toBe(false);
    expect(result.reason).toContain('the reply parses but population: Invalid input: expected number, received string');
  });
});

describe('custom', () => {
  it('passes with true or {pass: true}, and receives the context', async () => {
    expect(await check({ type: 'custom', check: (response) => response.includes('Edge') }, REPLY)).toMatchObject({ pass: true, reason: 'the custom check returned true' });
    const result = await check(
      { type: 'custom', name: 'model-aware', check: async (_response, { model }) => ({ pass: model.startsWith('qwen'), score: 0.9, reason: 'qwen answered' }) },
      REPLY,
    );
    expect(result).toEqual({ type: 'custom', pass: true, score: 1, reason: 'custom check "model-aware": qwen answered' });
  });

  it('fails with false, with {pass: false}, with a bad return value and when it throws', async () => {
    expect((await check({ type: 'custom', name: 'has-paris', check: () => false }, REPLY)).reason).toBe(
      'custom check "has-paris" returned false. Reply: "Edge AI runs models on local devices.\\nNo cloud needed." (54 chars)',
    );
    expect(await check({ type: 'custom', check: () => ({ pass: false, score: 0.25, reason: 'one of four facts' }) }, 'x')).toEqual({
      type: 'custom',
      pass: false,
      score: 0.25,
      reason: 'the custom check: one of four facts. Reply: "x" (1 chars)',
    });
    expect((await check({ type: 'custom', check: () => ({ pass: true, score: 7 }) }, 'x')).reason).toBe('the custom check returned score 7; expected 0..1');
    const thrown = await check({ type: 'custom', check: () => { throw new Error('boom'); } }, 'x');
    expect(thrown).toMatchObject({ pass: false, reason: 'the custom check threw: boom. Reply: "x" (1 chars)' });
  });
});

describe('performance thresholds', () => {
  it.each<[AssertionSpec, string]>([
    [{ type: 'max-ttft', ms: 120 }, 'TTFT 120.0 ms is within the maximum of 120 ms'],
    [{ type: 'max-e2e', ms: 1000 }, 'E2E latency 900.0 ms is within the maximum of 1000 ms'],
    [{ type: 'max-tpot', ms: 25 }, 'TPOT 20.0 ms is within the maximum of 25 ms'],
    [{ type: 'min-tokens-per-sec', value: 40 }, 'output tokens/s 44.4 tokens/s is within the minimum of 40 tokens/s'],
  ])('%o passes', async (spec, reason) => {
    expect(await check(spec, '')).toEqual({ type: spec.type, pass: true, score: 1, reason });
  });

  it.each<[AssertionSpec, string]>([
    [{ type: 'max-ttft', ms: 100 }, 'expected TTFT at most 100 ms; got 120.0 ms'],
    [{ type: 'max-e2e', ms: 500 }, 'expected E2E latency at most 500 ms; got 900.0 ms'],
    [{ type: 'max-tpot', ms: 10 }, 'expected TPOT at most 10 ms; got 20.0 ms'],
    [{ type: 'min-tokens-per-sec', value: 50 }, 'expected output tokens/s at least 50 tokens/s; got 44.4 tokens/s'],
  ])('%o fails', async (spec, reason) => {
    expect(await check(spec, '')).toEqual({ type: spec.type, pass: false, score: 0, reason });
  });

  it('a null metric is a failure that says why it is null', async () => {
    const oneToken = { ...METRICS, tpotMs: null, outputTokens: 1 };
    expect((await check({ type: 'max-tpot', ms: 10 }, '', { metrics: oneToken })).reason).toBe(
      'no TPOT to check against 10 ms: it is undefined for 1 output token',
    );
    const noOutput = { ...METRICS, ttftMs: null };
    expect(await check({ type: 'max-ttft', ms: 10 }, '', { metrics: noOutput })).toMatchObject({
      pass: false,
      reason: 'no TTFT to check against 10 ms: the reply carried no output',
    });
    expect((await check({ type: 'max-e2e', ms: 10 }, '', { metrics: null })).reason).toBe(
      'no E2E latency to check against 10 ms: the request produced no metrics',
    );
  });
});

describe('kinds and synthetic models', () => {
  it('declares a kind per type', () => {
    expect(['contains', 'json', 'python', 'custom'].map((type) => assertionKind(type as AssertionSpec['type']))).toEqual(['content', 'content', 'content', 'content']);
    expect(assertionKind('length')).toBe('format');
    expect(assertionKind('max-ttft')).toBe('performance');
  });

  it('skips content checks on a synthetic model and still runs format and performance checks', async () => {
    const results = await evaluateAssertions(
      [
        { type: 'contains', value: 'Paris' },
        { type: 'length', maxChars: 3 },
        { type: 'max-ttft', ms: 100 },
      ],
      context('lorem ipsum', { synthetic: true, model: 'fixture-small' }),
    );
    expect(results).toEqual([
      { type: 'contains', pass: true, score: 1, reason: 'skipped: fixture-small is synthetic, content is not judged', skipped: true },
      { type: 'length', pass: false, score: 0, reason: 'expected at most 3 characters, got 11. Reply: "lorem ipsum" (11 chars)' },
      { type: 'max-ttft', pass: false, score: 0, reason: 'expected TTFT at most 100 ms; got 120.0 ms' },
    ]);
  });
});

describe('spec validation', () => {
  const issues = (input: unknown) => {
    const parsed = AssertionSpecSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(spec)'}: ${issue.message}`);
  };

  it('names an unknown type and the closest known one', () => {
    expect(issues({ type: 'contians', value: 'x' })).toEqual([
      'type: unknown assertion type "contians" (did you mean "contains" or "icontains"?); known types: contains, icontains, not-contains, regex, starts-with, length, json, custom, python, max-ttft, max-e2e, max-tpot, min-tokens-per-sec',
    ]);
    expect(issues({ value: 'x' })[0]).toMatch(/^type: expected a "type"; known types: contains/);
  });

  it('reports bad fields of a known type', () => {
    expect(issues({ type: 'regex', pattern: '(unclosed' })).toEqual([expect.stringMatching(/^pattern: not a valid regular expression: /)]);
    expect(issues({ type: 'length' })).toEqual(['(spec): expected at least one of minChars, maxChars, minWords, maxWords']);
    expect(issues({ type: 'length', minChars: 10, maxChars: 5 })).toEqual(['minChars: minChars 10 is above maxChars 5']);
    expect(issues({ type: 'contains', value: 'x', caseSensitive: true })).toEqual(['(spec): Unrecognized key: "caseSensitive"']);
    expect(issues({ type: 'max-ttft', ms: -5 })).toEqual(['ms: expected a positive number of milliseconds']);
    expect(issues({ type: 'custom', check: 'x => true' })).toEqual(['check: expected a function (response, context) => boolean | {pass, score?, reason?}']);
    expect(issues({ type: 'json', schema: { type: 'object' } })).toEqual(['schema: expected a zod schema (z.object({...}))']);
    expect(issues({ type: 'python', cases: [] })).toEqual(['cases: expected at least one case']);
  });
});

describe('excerpt', () => {
  it('keeps the first 160 characters on one line and gives the length', () => {
    const long = `${'a'.repeat(159)}\nb${'c'.repeat(100)}`;
    expect(excerpt(long)).toBe(`"${'a'.repeat(159)}\\n…" (261 chars)`);
  });
});
