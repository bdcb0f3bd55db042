// fixture-tiny: fast but terse. It misses points, and three of its answers carry planted
// defects: Python that sorts in descending order, remote work with pros but no cons, and a
// summary that names a single benefit.
import { DEFAULT_ANSWER, type ModelAnswers } from './types.ts';

const TERSE = 'short and plain';

export const FIXTURE_TINY: ModelAnswers = {
  character: 'fast but terse: misses points, and its Python sorts in descending order',
  answers: {
    'chat/introduce-yourself': {
      text: 'Hi, I am fixture-tiny, a small test model. I answer fast.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'true' },
        completeness: { score: 2, reason: 'no word on where it runs or what it is for' },
        clarity: { score: 5, reason: TERSE },
      },
    },
    'chat/edge-ai-one-sentence': {
      text: 'Edge AI runs AI models on your own device instead of the cloud.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'correct' },
        completeness: { score: 2, reason: 'says where, not why: no benefit named' },
        clarity: { score: 5, reason: TERSE },
      },
    },
    'code/sort-function': {
      text: ['def sort_list(items):', '    return sorted(items, reverse=True)'].join('\n'),
      defects: [
        {
          name: 'sorts-descending',
          description: 'the function sorts from largest to smallest',
          fails: ['python'],
        },
      ],
      planted: {
        accuracy: { score: 1, reason: 'returns the list in descending order' },
        completeness: { score: 2, reason: 'bare code, no explanation' },
        clarity: { score: 4, reason: 'short, but no word of explanation' },
      },
    },
    'reasoning/quantum-computing': {
      text: 'Quantum computers use qubits, which can be both 0 and 1 at once, to solve some problems much faster.',
      defects: [],
      planted: {
        accuracy: { score: 4, reason: 'right, though "both 0 and 1 at once" oversimplifies superposition' },
        completeness: { score: 1, reason: 'one fact; nothing on how it computes or what it is for' },
        clarity: { score: 5, reason: TERSE },
      },
    },
    'reasoning/remote-work-pros-cons': {
      text: 'Remote work has benefits: no commute, flexible hours and a quiet place to focus.',
      defects: [
        {
          name: 'only-pros',
          description: 'lists advantages and not a single drawback',
          fails: ['regex#2'],
        },
      ],
      planted: {
        accuracy: { score: 5, reason: 'both points are real benefits' },
        completeness: { score: 1, reason: 'one-sided: the cons are missing' },
        clarity: { score: 5, reason: TERSE },
      },
    },
    'summary/edge-ai-benefits': {
      text: 'Edge AI gives you lower latency, because the model runs close to you.',
      defects: [
        {
          name: 'names-one-benefit',
          description: 'names a single benefit (latency) of the many',
          fails: ['key-points'],
        },
      ],
      planted: {
        accuracy: { score: 5, reason: 'correct' },
        completeness: { score: 1, reason: 'one benefit of many' },
        clarity: { score: 5, reason: TERSE },
      },
    },
    [DEFAULT_ANSWER]: {
      text: 'Sorry, I do not know that one. I am a tiny model, and I only know a few topics, such as edge AI, Python and remote work.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'an honest statement of what it knows' },
        completeness: { score: 3, reason: 'names some of its topics, not all' },
        clarity: { score: 5, reason: TERSE },
      },
    },
  },
};
