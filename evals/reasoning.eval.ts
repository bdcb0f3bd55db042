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
      // What it is, how it works, what it is good for, and its limits.
      expected: [
        { any: ['qubit', 'quantum bit'] },
        { any: ['superposition', 'both 0 and 1', '0 and 1 at once', 'at the same time'] },
        { any: ['entangle'] },
        { any: ['interference', 'cancel'] },
        { any: ['chemistry', 'molecules', 'factoring', 'cryptography', 'optimization', 'certain problems'] },
        { any: ['error', 'cold', 'experimental', 'fragile', 'noise', 'noisy'] },
      ],
      criteria: {
        accuracy: {
          mustState: [{ any: ['qubit', 'quantum bit'] }],
          // The myth of TRY_EVERY_ANSWER, in the words answers use.
          mustNotState: [{ any: ['try every possible answer', 'tries every possible answer', 'tries all possible answers', 'every possible answer at the same time', 'all answers at once'] }],
        },
      },
      assert: [
        { type: 'key-points', min: 2 },
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
      // Three pros, three cons, and a conclusion.
      expected: [
        { any: ['commute', 'commuting'] },
        { any: ['flexib'] },
        { any: ['focus', 'interruption', 'quiet'] },
        { any: ['isolat', 'lonel'] },
        { any: ['collaborat', 'teamwork', 'communication', 'mentor'] },
        { any: ['blur', 'boundar', 'work-life', 'overwork', 'longer days'] },
        { any: ['depends', 'hybrid', 'balance', 'overall'] },
      ],
      criteria: { accuracy: { mustNotState: [{ any: ['no drawbacks', 'no disadvantages', 'no downsides', 'always more productive'] }] } },
      assert: [
        { type: 'regex', pattern: '\\b(pros?|advantages?|benefits?)\\b', flags: 'i' },
        { type: 'regex', pattern: '\\b(cons?|disadvantages?|drawbacks?|challenges?)\\b', flags: 'i' },
        { type: 'length', maxChars: 4000 },
      ],
    },
  ],
});
