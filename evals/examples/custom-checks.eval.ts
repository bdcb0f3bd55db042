// Reusable checks (defined in checks.ts with defineCheck) in an eval's list, with their options.
// Run: npm run eval -- evals/examples/custom-checks.eval.ts
import { defineEval } from 'edge-evals';
import { answersInOwnWords, mentionsAtLeast, streamsSteadily } from './checks.ts';

defineEval({
  category: 'custom-checks',
  prompts: [
    {
      id: 'fruit-list',
      prompt: 'List three fruits that are yellow or red.',
      assert: [mentionsAtLeast({ words: ['banana', 'lemon', 'apple', 'strawberry', 'cherry', 'pineapple'], atLeast: 2 }), answersInOwnWords(), streamsSteadily()],
    },
  ],
});
