import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { excerpt } from '../../src/assertions/excerpt.ts';
import {
  AssertionSpecSchema,
  assertionKind,
  caseScore,
  checkIds,
  defineCheck,
  evaluateAssertionNow,
  evaluateAssertions,
  type AssertionContext,
  type AssertionSpec,
  type CheckSpec,
} from '../../src/assertions/index.ts';
import type { RequestMetrics } from '../../src/contract/results.ts';

const METRICS: RequestMetrics = {
  ttftMs: 120,
  ttfotMs: 120,
  e2eMs: 900,
  streamCloseMs: 901,
  tpotMs: 20,
  outputTokens: 40,
  promptTokens: 10,
  cachedPromptTokens: null,
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
  return { response, metrics: METRICS, model: 'qwen2.5-0.5b', synthetic: false, knownAnswers: false, ...overrides };
}

async function check(spec: CheckSpec, response: string, overrides: Partial<AssertionContext> = {}) {
  const parsed = spec.type.startsWith('max-') || spec.type.startsWith('min-') ? spec : AssertionSpecSchema.parse(spec);
  const [result] = await evaluateAssertions([parsed], context(response, overrides));
  if (result === undefined) throw new Error('no result');
  return result;
}

const REPLY = 'Edge AI runs models on local devices.\nNo cloud needed.';

describe('text checks', () => {
  it.each<[AssertionSpec, string]>([
    [{ type: 'contains', value: 'local devices' }, 'the reply contains "local devices" at character 23: "Edge AI runs models on local devices.\\nNo cloud needed." (54 chars)'],
    [{ type: 'icontains', value: 'EDGE ai' }, 'the reply contains "EDGE ai" (ignoring case) at character 0: "Edge AI runs models on local devices.\\nNo cloud " (47 chars)'],
    [{ type: 'not-contains', value: 'I cannot' }, '"contains" failed, as required: expected the reply to contain "I cannot" (case-sensitive); it does not. Reply: "Edge AI runs models on local devices.\\nNo cloud needed." (54 chars)'],
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
      'expected "contains" to fail; it passed: the reply contains "cloud" at character 41: "dge AI runs models on local devices.\\nNo cloud needed." (53 chars)',
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

  it('counts \\r\\n as one character and a decomposed é as one, with or without other scripts in the reply', async () => {
    const count = async (reply: string) => (await check({ type: 'length', maxChars: 1000 }, reply)).reason.match(/has (\d+) characters/)?.[1];
    expect(await count('Caf\u00e9 ok.\r\nNext\tline\r')).toBe('19');
    expect(await count('Cafe\u0301 ok.\r\nNext\tline\r')).toBe('19');
    expect(await count('Caf\u00e9 ok.\r\nNext\tline\r 👍🏽')).toBe('21');
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

describe('custom checks and defineCheck', () => {
  it('passes with true, with {pass: true} and with a score at or above its threshold; sees the whole context', async () => {
    expect(await check({ type: 'custom', check: ({ reply }) => reply.includes('Edge') }, REPLY)).toMatchObject({ pass: true, reason: 'the custom check returned true' });
    const seen = await check(
      {
        type: 'custom',
        name: 'model-aware',
        check: async ({ model, prompt, reasoning, metrics, vars, expected }) => ({
          pass: model.startsWith('qwen') && prompt === 'Say it' && reasoning === 'thinking' && metrics?.ttftMs === 120 && vars.city === 'Paris' && expected === 'Paris',
          score: 0.9,
          reason: 'qwen answered',
        }),
      },
      REPLY,
      { messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Say it' }], reasoning: 'thinking', vars: { city: 'Paris' }, expected: 'Paris' },
    );
    expect(seen).toEqual({ type: 'custom', pass: true, score: 0.9, reason: 'check "model-aware": qwen answered' });
    expect(await check({ type: 'custom', name: 'half', check: () => 0.5 }, REPLY)).toEqual({ type: 'custom', pass: true, score: 0.5, reason: 'check "half" scored 0.50 (passes at 0.5)' });
  });

  it('fails with false, {pass: false}, a score under its threshold, a bad return value, and when it throws', async () => {
    expect((await check({ type: 'custom', name: 'has-paris', check: () => false }, REPLY)).reason).toBe(
      'check "has-paris" returned false. Reply: "Edge AI runs models on local devices.\\nNo cloud needed." (54 chars)',
    );
    expect(await check({ type: 'custom', check: () => ({ pass: false, score: 0.25, reason: 'one of four facts' }) }, 'x')).toEqual({
      type: 'custom',
      pass: false,
      score: 0.25,
      reason: 'the custom check: one of four facts. Reply: "x" (1 chars)',
    });
    expect(await check({ type: 'custom', threshold: 0.8, check: () => 0.75 }, 'x')).toEqual({
      type: 'custom',
      pass: false,
      score: 0.75,
      reason: 'the custom check scored 0.75 (passes at 0.8). Reply: "x" (1 chars)',
    });
    expect((await check({ type: 'custom', check: () => ({ pass: true, score: 7 }) }, 'x')).reason).toBe('the custom check returned score 7; expected 0..1');
    expect((await check({ type: 'custom', check: () => Number.NaN }, 'x')).reason).toBe('the custom check returned score NaN; expected 0..1');
    const thrown = await check({ type: 'custom', check: () => { throw new Error('boom'); } }, 'x');
    expect(thrown).toMatchObject({ pass: false, reason: 'the custom check threw: boom. Reply: "x" (1 chars)' });
  });

  it('defineCheck makes a named, typed check with options, usable with not- and a weight', async () => {
    const mentionsAtLeast = defineCheck({
      name: 'mentions-at-least',
      check: ({ reply }, { words, atLeast }: { words: string[]; atLeast: number }) => {
        const found = words.filter((word) => reply.toLowerCase().includes(word));
        return { pass: found.length >= atLeast, score: found.length / words.length, reason: `found ${found.join(', ') || 'none'}` };
      },
    });
    const spec = mentionsAtLeast({ words: ['edge', 'cloud', 'gpu', 'npu'], atLeast: 2 });
    expect(spec).toMatchObject({ type: 'custom', name: 'mentions-at-least' });
    expect(await check(spec, REPLY)).toEqual({ type: 'custom', pass: true, score: 0.5, reason: 'check "mentions-at-least": found edge, cloud' });
    const negated = await check({ ...spec, type: 'not-custom', weight: 2 }, REPLY);
    expect(negated).toMatchObject({ type: 'not-custom', pass: false, score: 0.5, weight: 2 });
    expect(negated.reason).toBe('expected "custom" to fail; it passed: check "mentions-at-least": found edge, cloud');
  });

  it('a check of another kind runs on synthetic models', async () => {
    const fast = defineCheck({ name: 'first-token-fast', kind: 'performance', check: ({ metrics }) => (metrics?.ttftMs ?? Infinity) < 500 });
    const noOptions = defineCheck({ name: 'has-text', check: ({ reply }) => reply.length > 0 });
    const results = await evaluateAssertions([fast(), noOptions()], context('lorem', { synthetic: true, model: 'fixture-tiny' }));
    expect(results.map((result) => [result.type, result.pass, result.skipped ?? false])).toEqual([
      ['custom', true, false],
      ['custom', true, true],
    ]);
  });
});

describe('key points', () => {
  const QUANTUM = 'A quantum computer uses qubits, which can be in a superposition:\nboth 0 and  1 at once.';

  it('passes when the reply makes every key point, one of the alternatives sufficing, and scores the share made', async () => {
    const expected = ['qubit', { any: ['entanglement', 'both 0 and 1'] }];
    expect(await check({ type: 'key-points' }, QUANTUM, { expected })).toEqual({ type: 'key-points', pass: true, score: 1, reason: '2 of 2 key points made' });
    const partly = await check({ type: 'key-points', min: 1 }, QUANTUM, { expected: ['qubit', 'interference', 'decoherence'] });
    expect(partly).toEqual({ type: 'key-points', pass: true, score: 1 / 3, reason: '1 of 3 key points made (at least 1 needed); missing "interference", "decoherence"' });
  });

  it('matches from the start of a word, ignoring case and line breaks', async () => {
    expect((await check({ type: 'key-points' }, 'An icon', { expected: ['con'] })).pass).toBe(false);
    expect((await check({ type: 'key-points' }, 'QUBITS', { expected: ['qubit'] })).pass).toBe(true);
  });

  it('fails with the points missed, and without key points to judge by', async () => {
    const missed = await check({ type: 'key-points' }, QUANTUM, { expected: ['qubit', { any: ['interference', 'tunnelling'] }] });
    expect(missed).toMatchObject({ pass: false, score: 0.5 });
    expect(missed.reason).toMatch(/^expected at least 2 of 2 key points; 1 of 2 key points made, missing "interference" or "tunnelling"\. Reply: /);
    expect((await check({ type: 'key-points' }, QUANTUM, { expected: 'A reference answer.' })).reason).toBe(
      'key-points needs `expected` key points (a list) on the prompt or its data row; it has a reference answer',
    );
  });
});

describe('checks judged at once, for matchers that cannot wait', () => {
  it('judges a synchronous check, and refuses an asynchronous one with what to write instead', () => {
    expect(evaluateAssertionNow({ type: 'not-icontains', value: 'cloud' }, context(REPLY))).toMatchObject({ type: 'not-icontains', pass: false });
    expect(evaluateAssertionNow({ type: 'custom', check: async () => true }, context(REPLY))).toMatchObject({
      pass: false,
      reason: 'the check could not run: "custom" is asynchronous: use `await expect(reply).toPass(...)`',
    });
  });
});

describe('not- and weights', () => {
  it('inverts any check type with not-, pass and score', async () => {
    expect(await check({ type: 'not-regex', pattern: 'qubits?' }, REPLY)).toMatchObject({ type: 'not-regex', pass: true, score: 1 });
    expect(await check({ type: 'not-length', maxChars: 10 }, REPLY)).toMatchObject({ pass: true });
    expect(await check({ type: 'not-json' }, '{"a": 1}')).toMatchObject({ pass: false, score: 0, reason: 'expected "json" to fail; it passed: the reply is valid JSON' });
    expect(await check({ type: 'not-key-points' }, 'qubits', { expected: ['qubit', 'superposition'] })).toMatchObject({ pass: true, score: 0.5 });
  });

  it('skips a negated content check on a synthetic model like the plain one', async () => {
    expect(await check({ type: 'not-icontains', value: 'x' }, 'x', { synthetic: true, model: 'fixture-tiny' })).toMatchObject({ pass: true, skipped: true });
  });

  it('weighs the case score by the checks that ran', () => {
    expect(
      caseScore([
        { type: 'python', pass: false, score: 0.75, reason: '', weight: 3 },
        { type: 'length', pass: true, score: 1, reason: '' },
        { type: 'icontains', pass: true, score: 1, reason: '', skipped: true, weight: 10 },
      ]),
    ).toBe((0.75 * 3 + 1) / 4);
    expect(caseScore([{ type: 'icontains', pass: true, score: 1, reason: '', skipped: true }])).toBeNull();
  });
});

describe('performance thresholds', () => {
  it.each<[CheckSpec, string]>([
    [{ type: 'max-ttft', ms: 120 }, 'TTFT 120.0 ms is within the maximum of 120 ms'],
    [{ type: 'max-e2e', ms: 1000 }, 'E2E latency 900.0 ms is within the maximum of 1000 ms'],
    [{ type: 'max-tpot', ms: 25 }, 'TPOT 20.0 ms is within the maximum of 25 ms'],
    [{ type: 'min-tokens-per-sec', value: 40 }, 'output tokens/s 44.4 tokens/s is within the minimum of 40 tokens/s'],
  ])('%o passes', async (spec, reason) => {
    expect(await check(spec, '')).toEqual({ type: spec.type, pass: true, score: 1, reason });
  });

  it.each<[CheckSpec, string]>([
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
    const specs: CheckSpec[] = [
      { type: 'contains', value: 'x' },
      { type: 'json' },
      { type: 'python', cases: [{ args: [], expected: null }] },
      { type: 'custom', check: () => true },
      { type: 'key-points' },
      { type: 'not-icontains', value: 'x' },
    ];
    expect(specs.map(assertionKind)).toEqual(Array(specs.length).fill('content'));
    expect(assertionKind({ type: 'length', maxChars: 1 })).toBe('format');
    expect(assertionKind({ type: 'max-ttft', ms: 1 })).toBe('performance');
    expect(assertionKind({ type: 'custom', kind: 'format', check: () => true })).toBe('format');
  });

  it('skips content checks on a synthetic model without known answers and still runs format and performance checks', async () => {
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

  it('runs content checks on a synthetic model with known answers', async () => {
    const [result] = await evaluateAssertions([{ type: 'contains', value: 'Paris' }], context('lorem ipsum', { synthetic: true, knownAnswers: true, model: 'fixture-small' }));
    expect(result).toMatchObject({ type: 'contains', pass: false });
    expect(result?.skipped).toBeUndefined();
  });

  it('names checks so that the planted truth can point at one: custom by name, repeated types by position', () => {
    const specs = AssertionSpecSchema.array().parse([
      { type: 'regex', pattern: 'a' },
      { type: 'length', maxChars: 9 },
      { type: 'regex', pattern: 'b' },
      { type: 'custom', name: 'one sentence', check: () => true },
      { type: 'custom', check: () => true },
    ]);
    expect(checkIds(specs)).toEqual(['regex#1', 'length', 'regex#2', 'custom:one sentence', 'custom']);
  });
});

describe('spec validation', () => {
  const issues = (input: unknown) => {
    const parsed = AssertionSpecSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(spec)'}: ${issue.message}`);
  };

  it('names an unknown type and the closest known one', () => {
    expect(issues({ type: 'contians', value: 'x' })).toEqual([
      'type: unknown assertion type "contians" (did you mean "contains" or "icontains"?); known types: contains, icontains, regex, starts-with, length, json, key-points, custom, python (each also as not-<type>)',
    ]);
    expect(issues({ type: 'not-contians', value: 'x' })[0]).toMatch(/^type: unknown assertion type "not-contians" \(did you mean "not-contains" or "not-icontains"\?\)/);
    expect(issues({ value: 'x' })[0]).toMatch(/^type: expected a "type"; known types: contains/);
    expect(issues({ type: 'max-ttft', ms: 100 })).toEqual(['type: "max-ttft" is written as a threshold: thresholds: { ttftMs: ... } on the eval or the prompt']);
  });

  it('reports bad fields of a known type', () => {
    expect(issues({ type: 'regex', pattern: '(unclosed' })).toEqual([expect.stringMatching(/^pattern: not a valid regular expression: /)]);
    expect(issues({ type: 'length' })).toEqual(['(spec): expected at least one of minChars, maxChars, minWords, maxWords']);
    expect(issues({ type: 'length', minChars: 10, maxChars: 5 })).toEqual(['minChars: minChars 10 is above maxChars 5']);
    expect(issues({ type: 'contains', value: 'x', caseSensitive: true })).toEqual(['(spec): Unrecognized key: "caseSensitive"']);
    expect(issues({ type: 'not-regex', pattern: '(unclosed' })).toEqual([expect.stringMatching(/^pattern: not a valid regular expression: /)]);
    expect(issues({ type: 'icontains', value: 'x', weight: 0 })).toEqual(['weight: expected a positive weight (default 1)']);
    expect(issues({ type: 'custom', check: 'x => true' })).toEqual([
      'check: expected a function ({ prompt, reply, reasoning, metrics, ... }) => boolean | score | {pass, score?, reason?}',
    ]);
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
