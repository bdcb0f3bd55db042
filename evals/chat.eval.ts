// Conversation openers: does the model answer at all, in a sensible length, on topic?
import { defineEval } from 'edge-evals';

/** Sentences: text up to . ! or ? followed by a space and a capital letter, or by the end. */
function sentences(text: string): string[] {
  return text.trim().split(/(?<=[.!?])\s+(?=[A-Z])/).filter((sentence) => sentence !== '');
}

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
      assert: [
        { type: 'key-points' },
        { type: 'length', maxChars: 500 },
        {
          type: 'custom',
          name: 'one sentence',
          check: ({ reply }) => {
            const count = sentences(reply).length;
            return { pass: count === 1, reason: count === 1 ? 'answers in one sentence' : `answers in ${count} sentences` };
          },
        },
      ],
    },
  ],
});
