// Every check an eval can list, each on a prompt it suits. `not-` before any type inverts it;
// `weight` sets a check's share of the case's score (shown as Score in the reports).
// Run: npm run eval -- evals/examples/assertions.eval.ts
import { defineEval } from 'edge-evals';
import { z } from 'zod';

defineEval({
  category: 'formats',
  description: 'What a reply must look like: text, patterns, length, JSON, key points.',
  prompts: [
    {
      id: 'greeting',
      prompt: 'Reply with exactly: Hello, world!',
      assert: [
        { type: 'starts-with', value: 'Hello' },
        { type: 'contains', value: 'world' },
        { type: 'icontains', value: 'HELLO' },
        { type: 'not-icontains', value: 'sorry' },
        { type: 'length', maxChars: 40, maxWords: 6 },
      ],
    },
    {
      id: 'count-to-five',
      prompt: 'Count from 1 to 5, separated by commas, and nothing else.',
      assert: [
        { type: 'regex', pattern: '1,\\s*2,\\s*3,\\s*4,\\s*5' },
        { type: 'not-regex', pattern: '[6-9]' },
      ],
    },
    {
      id: 'capital-as-json',
      prompt: 'Give the capital of France as JSON with the keys "city" and "country". Reply with the JSON only.',
      assert: [{ type: 'json', schema: z.object({ city: z.string(), country: z.string() }) }, { type: 'icontains', value: 'Paris' }],
    },
    {
      id: 'photosynthesis',
      prompt: 'Explain photosynthesis in two sentences.',
      // Key points: each a phrase, or alternatives of which one will do.
      expected: ['sunlight', { any: ['carbon dioxide', 'CO2'] }, 'oxygen'],
      assert: [
        { type: 'key-points', min: 2, weight: 3 },
        { type: 'length', maxWords: 80 },
      ],
    },
    {
      id: 'is-even',
      prompt: 'Write a Python function is_even(n) that returns True when n is even, else False.',
      // The reply's code runs in a sandbox; each case calls the function and compares the result.
      assert: [{ type: 'python', functionName: 'is_even', cases: [{ args: [4], expected: true }, { args: [7], expected: false }, { args: [0], expected: true }] }],
      // Latency limits for this prompt, over the defaults of fixtures/thresholds.json.
      thresholds: { e2eMs: 120_000 },
    },
    {
      id: 'no-apology',
      prompt: 'Name a primary colour.',
      assert: [
        // A check written inline; defineCheck (custom-checks.eval.ts) makes one reusable.
        { type: 'custom', name: 'one-colour', check: ({ reply }) => /\b(red|blue|yellow)\b/i.test(reply) },
      ],
    },
  ],
});
