// Datasets: every prompt runs once per row, with `{{var}}` filled in from the row's `vars`,
// and the row's `expected` answer or key points recorded and judged by `key-points`.
// Run: npm run eval -- evals/examples/datasets.eval.ts
import { defineEval } from 'edge-evals';

// Rows inline: `id` names the row in the test name (`arithmetic/add/small`), else its position.
defineEval({
  category: 'arithmetic',
  data: [
    { id: 'small', vars: { a: 2, b: 3 }, expected: ['5'] },
    { id: 'carry', vars: { a: 19, b: 23 }, expected: ['42'] },
  ],
  prompts: [{ id: 'add', prompt: 'What is {{a}} + {{b}}? Answer with the number only.', assert: [{ type: 'key-points' }, { type: 'length', maxChars: 20 }] }],
});

// Rows from fixtures/data/capitals.csv: the `id` and `expected` columns are the row's, the others
// its variables. `expected` is recorded with each case (a reference answer, or key points when
// the cell holds a JSON list); the check here uses a variable.
defineEval({
  category: 'capitals',
  data: 'capitals.csv',
  prompts: [{ id: 'capital-of', prompt: 'What is the capital of {{country}}? Answer with the city only.', assert: [{ type: 'icontains', value: '{{capital}}' }] }],
});

// Rows from fixtures/data/translations.jsonl (one JSON row per line), and a check that uses a variable.
defineEval({
  category: 'translations',
  data: 'translations.jsonl',
  prompts: [
    {
      id: 'translate',
      prompt: 'Translate "{{word}}" into {{language}}. Answer with the translation only.',
      assert: [{ type: 'key-points' }, { type: 'not-icontains', value: '{{word}}' }],
    },
  ],
});

// Rows from an async loader: read once, before any model starts (a broken loader stops the run).
defineEval({
  category: 'spelling',
  data: async () => ['banana', 'cherry'].map((word) => ({ id: word, vars: { word }, expected: [String(word.length)] })),
  prompts: [{ id: 'count-letters', prompt: 'How many letters does the word "{{word}}" have? Answer with the number only.', assert: [{ type: 'key-points' }] }],
});
