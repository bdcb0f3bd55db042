// Multi-turn: `messages` gives a conversation to continue; the model answers its last (user)
// message, and the checks judge that answer. The eval's `system` message goes first.
// Run: npm run eval -- evals/examples/multi-turn.eval.ts
import { defineEval } from 'edge-evals';

defineEval({
  category: 'memory',
  system: 'You are a helpful assistant. Answer briefly.',
  prompts: [
    {
      id: 'remembers-a-name',
      messages: [
        { role: 'user', content: 'My name is Ada and I live in Lisbon.' },
        { role: 'assistant', content: 'Nice to meet you, Ada! Lisbon is a lovely city.' },
        { role: 'user', content: 'What is my name?' },
      ],
      expected: ['Ada'],
      assert: [{ type: 'key-points' }, { type: 'not-icontains', value: 'Lisbon' }],
    },
  ],
});
