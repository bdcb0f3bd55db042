// A dataset of BENCH_ROWS rows (default 1000), one test per row and model: the many distinct
// prompts of a large suite, for scripts/bench/suite-scale.ts.
import { defineEval } from 'edge-evals';

const rows = Number(process.env.BENCH_ROWS ?? '1000');

defineEval({
  category: 'scale',
  data: Array.from({ length: rows }, (_, index) => ({ id: `row-${index + 1}`, vars: { topic: `topic ${index + 1}` }, expected: ['edge'] })),
  prompts: [{ id: 'explain', prompt: 'Explain {{topic}} with edge AI in mind.', assert: [{ type: 'key-points' }, { type: 'length', maxChars: 2000 }] }],
});
