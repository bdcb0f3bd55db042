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
        { any: ['privacy', 'private', 'secure', 'security'] },
        { any: ['offline', 'connectivity', 'without internet', 'without an internet'] },
        'bandwidth',
        { any: ['cost', 'cheaper'] },
        { any: ['energy', 'power'] },
      ],
      criteria: { accuracy: { mustNotState: [{ any: ['requires a constant internet connection', 'needs a constant connection', 'slower than the cloud'] }] } },
      assert: [{ type: 'key-points', min: 2 }, { type: 'length', maxChars: 2000 }],
    },
  ],
});
