// Conversation openers: does the model answer at all, in a sensible length, on topic?
import { defineEval } from 'edge-evals';

defineEval({
  category: 'chat',
  description: 'Greetings and one-line explanations, the first thing anyone asks a new model.',
  prompts: [
    {
      id: 'introduce-yourself',
      prompt: 'Hello, please introduce yourself.',
      assert: [
        { type: 'length', minChars: 20, maxChars: 1500 },
        { type: 'regex', pattern: "\\b(I|I'm|I am|my name|assistant|model)\\b", flags: 'i' },
      ],
    },
    {
      id: 'edge-ai-one-sentence',
      prompt: 'Explain edge AI in one sentence.',
      expected: ['edge', { any: ['device', 'local', 'on-device', 'cloud', 'network'] }],
      assert: [{ type: 'key-points' }, { type: 'length', maxChars: 500 }],
    },
  ],
});
