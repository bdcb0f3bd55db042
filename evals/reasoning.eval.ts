// Explanations that need some structure: a hard topic in plain words, a balanced comparison.
import { defineEval } from 'edge-evals';

defineEval({
  category: 'reasoning',
  description: 'Explain a hard idea simply, and weigh two sides of a question.',
  prompts: [
    {
      id: 'quantum-computing',
      prompt: 'Explain quantum computing in simple terms.',
      expected: [{ any: ['qubit', 'quantum bit'] }, { any: ['superposition', 'both 0 and 1', 'at the same time', 'entangle'] }],
      assert: [{ type: 'key-points' }, { type: 'not-contains', value: 'I cannot' }, { type: 'length', maxChars: 4000 }],
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
