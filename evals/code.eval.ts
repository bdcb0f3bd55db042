// Code that must actually run: the reply's Python is executed in a subprocess. Its accuracy is
// the result of running it; its completeness, what a good answer says about the function.
import { defineEval } from 'edge-evals';

defineEval({
  category: 'code',
  description: 'Write a working function; judged by running it, not by reading it.',
  // Code that does not work is worth little however fast or well explained.
  criteria: { weights: { accuracy: 0.6, completeness: 0.2, clarity: 0.1, speed: 0.1 } },
  prompts: [
    {
      id: 'sort-function',
      prompt: 'Write a Python function to sort a list.',
      expected: [
        'def',
        { any: ['ascending', 'smallest to largest', 'increasing order'] },
        { any: ['new list', 'original', 'unchanged'] },
        { any: ['in place', '.sort('] },
      ],
      assert: [
        {
          type: 'python',
          cases: [
            { args: [[3, 1, 2]], expected: [1, 2, 3] },
            { args: [[5, -1, 5, 0]], expected: [-1, 0, 5, 5] },
            { args: [[]], expected: [] },
            { args: [[2.5, 1, 10]], expected: [1, 2.5, 10] },
          ],
        },
      ],
      thresholds: { e2eMs: 180000 },
    },
  ],
});
