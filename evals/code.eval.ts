// Code that must actually run: the reply's Python is executed in a subprocess.
import { defineEval } from 'edge-evals';

defineEval({
  category: 'code',
  description: 'Write a working function; judged by running it, not by reading it.',
  prompts: [
    {
      id: 'sort-function',
      prompt: 'Write a Python function to sort a list.',
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
