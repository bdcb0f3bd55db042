// Summaries: short, and covering the points that matter.
import { defineEval } from '../src/suite/define.ts';

const EDGE_AI_BENEFITS = ['latency', 'privacy', 'offline', 'bandwidth', 'cost', 'secure', 'real-time', 'connectivity'];

defineEval({
  category: 'summary',
  description: 'Condense what matters about edge AI, from memory and from a document.',
  prompts: [
    {
      id: 'edge-ai-benefits',
      prompt: 'Summarize the benefits of edge AI.',
      assert: [
        {
          type: 'custom',
          name: 'names at least two benefits',
          check: (response) => {
            const named = EDGE_AI_BENEFITS.filter((benefit) => response.toLowerCase().includes(benefit));
            return { pass: named.length >= 2, score: Math.min(1, named.length / 3), reason: `named ${named.length} of ${EDGE_AI_BENEFITS.length} known benefits (${named.join(', ') || 'none'})` };
          },
        },
        { type: 'length', maxChars: 2000 },
      ],
    },
  ],
});
