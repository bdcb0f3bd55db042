// Test bodies, for what a list cannot say: a follow-up question, a check that depends on an
// earlier answer. `ask` sends a prompt (or a conversation to continue) to the model under test;
// the matchers record their checks on the case exactly as declarative checks are recorded.
// Run: npm run eval -- evals/examples/test-bodies.eval.ts
import { evalTest } from 'edge-evals';
import { mentionsAtLeast } from './checks.ts';

evalTest('explain/follow-up', async ({ ask, expect }) => {
  const first = await ask('Explain quantum computing in simple terms.');
  expect(first).toMention('qubit', { any: ['superposition', 'both 0 and 1'] });
  expect(first).toBeFasterThan({ ttftMs: 10_000 });

  // Continue the conversation: the reply's messages end with the model's answer.
  const shorter = await ask([...first.messages, { role: 'user', content: 'Now say it in one sentence.' }]);
  await expect(shorter).toPass({ type: 'length', maxWords: 40 });
  expect(shorter).not.toMention('I cannot');
});

evalTest('explain/uses-a-reusable-check', { maxTokens: 128, repeats: 2 }, async ({ ask, expect }) => {
  const reply = await ask('List three fruits that are yellow or red.');
  await expect(reply).toPass(mentionsAtLeast({ words: ['banana', 'lemon', 'apple', 'strawberry', 'cherry'], atLeast: 2 }));
});

evalTest('explain/plain-expect', async ({ ask, expect, synthetic }) => {
  const reply = await ask('Reply with exactly: OK');
  // A plain expect judges any model: synthetic ones answer text that means nothing, so say
  // what to check for them (here: nothing beyond the thresholds).
  if (!synthetic) expect(reply.text.trim().toUpperCase()).toContain('OK');
});
