// Summaries: short, and covering the points that matter.
import { defineEval } from 'edge-evals';

defineEval({
  category: 'summary',
  description: 'Condense what matters about edge AI.',
  prompts: [
    {
      id: 'edge-ai-benefits',
      prompt: 'Summarize the benefits of edge AI.',
      expected: [
        { any: ['latency', 'real-time', 'faster', 'speed'] },
        'privacy',
        { any: ['offline', 'connectivity', 'without internet'] },
        'bandwidth',
        { any: ['cost', 'cheaper'] },
        { any: ['secure', 'security'] },
      ],
      assert: [{ type: 'key-points', min: 2 }, { type: 'length', maxChars: 2000 }],
    },
  ],
});
