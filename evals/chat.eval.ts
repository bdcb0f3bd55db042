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
      // What it is, where it runs, what it can do for the person asking.
      expected: [
        { any: ['model', 'assistant', 'AI', 'chatbot'] },
        { any: ['computer', 'device', 'locally', 'machine', 'offline', 'internet', 'cloud', 'server'] },
        { any: ['help', 'questions', 'ask me', 'assist'] },
      ],
      criteria: { accuracy: { mustNotState: [{ any: ['I am a human', "I'm a human", 'I am a person', 'I have feelings'] }] } },
      assert: [
        { type: 'length', minChars: 20, maxChars: 1500 },
        { type: 'regex', pattern: "\\b(I|I'm|I am|my name|assistant|model)\\b", flags: 'i' },
      ],
    },
    {
      id: 'edge-ai-one-sentence',
      prompt: 'Explain edge AI in one sentence.',
      // Where it runs, and the benefits that make it worth it.
      expected: [
        { any: ['device', 'local', 'on-device'] },
        { any: ['faster', 'latency', 'real-time', 'quick'] },
        { any: ['private', 'privacy', 'data stays'] },
        { any: ['offline', 'without a network', 'without an internet', 'without internet', 'no connection'] },
      ],
      criteria: {
        accuracy: {
          mustState: [{ any: ['device', 'local', 'on-device', 'edge'] }],
          mustNotState: [{ any: ['only in the cloud', 'requires the cloud', 'needs the cloud', 'in a data center'] }],
        },
      },
      assert: [
        { type: 'icontains', value: 'edge' },
        { type: 'key-points', min: 1 },
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
