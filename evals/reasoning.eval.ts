// Explanations that need some structure: a hard topic in plain words, a balanced comparison.
import { defineEval } from 'edge-evals';

/**
 * The most common wrong fact about quantum computers: that they try every answer at once. A
 * sentence that denies it ("does not simply try every answer") is not the myth.
 */
const TRY_EVERY_ANSWER =
  /\b(try|tries|trying|test|tests|testing|check|checks|checking|explore|explores|compute|computes)\b[^.!?]*\b(every|all)\b[^.!?]*\b(at once|at the same time|simultaneously|in parallel)\b/i;
const DENIAL = /\b(not|never|myth|misconception)\b|n't\b/i;

defineEval({
  category: 'reasoning',
  description: 'Explain a hard idea simply, and weigh two sides of a question.',
  prompts: [
    {
      id: 'quantum-computing',
      prompt: 'Explain quantum computing in simple terms.',
      expected: [{ any: ['qubit', 'quantum bit'] }, { any: ['superposition', 'both 0 and 1', 'at the same time', 'entangle'] }],
      assert: [
        { type: 'key-points' },
        { type: 'not-contains', value: 'I cannot' },
        { type: 'length', maxChars: 4000 },
        {
          type: 'custom',
          name: 'no try-every-answer myth',
          check: ({ reply }) => {
            const myth = reply.split(/(?<=[.!?])\s+/).find((sentence) => TRY_EVERY_ANSWER.test(sentence) && !DENIAL.test(sentence));
            return myth === undefined ? { pass: true, reason: 'no sentence claims it tries every answer at once' } : { pass: false, reason: `states the myth: "${myth}"` };
          },
        },
      ],
    },
    {
      id: 'remote-work-pros-cons',
      prompt: 'What are the pros and cons of remote work?',
      assert: [
        { type: 'regex', pattern: '\\b(pros?|advantages?|benefits?)\\b', flags: 'i' },
        { type: 'regex', pattern: '\\b(cons?|disadvantages?|drawbacks?|challenges?)\\b', flags: 'i' },
        { type: 'length', maxChars: 4000 },
      ],
    },
  ],
});
