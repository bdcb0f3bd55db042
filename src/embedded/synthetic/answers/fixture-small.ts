// fixture-small: clear and mostly right, with two planted defects: one wrong fact (the
// "tries every answer at once" myth about quantum computers) and one answer that ignores
// "in one sentence".
import { DEFAULT_ANSWER, type ModelAnswers } from './types.ts';

export const FIXTURE_SMALL: ModelAnswers = {
  character: 'clear and mostly right, with one wrong fact and one answer that ignores "in one sentence"',
  answers: {
    'chat/introduce-yourself': {
      text: 'Hi! I am fixture-small, a compact test model that runs on your own computer. I answer a handful of questions clearly and quickly, and I work without an internet connection.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'true' },
        completeness: { score: 4, reason: 'what it is and where it runs; not what it is for' },
        clarity: { score: 5, reason: 'short and plain' },
      },
    },
    'chat/edge-ai-one-sentence': {
      text:
        'Edge AI runs artificial intelligence models on local devices instead of in the cloud. ' +
        'Because the data stays on the device, it is more private. ' +
        'Answers also arrive faster, since nothing has to travel over the network.',
      defects: [
        {
          name: 'ignores-one-sentence',
          description: 'answers in three sentences where one was asked for',
          fails: ['custom:one sentence'],
        },
      ],
      planted: {
        accuracy: { score: 5, reason: 'correct' },
        completeness: { score: 5, reason: 'definition and the two main benefits' },
        clarity: { score: 3, reason: 'clear, but three sentences where one was asked for' },
      },
    },
    'code/sort-function': {
      text: [
        '```python',
        'def sort_list(items):',
        '    return sorted(items)',
        '```',
        '',
        'sorted returns a new list in ascending order and leaves the original unchanged.',
      ].join('\n'),
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'correct for every input' },
        completeness: { score: 4, reason: 'working code with a one-line explanation' },
        clarity: { score: 5, reason: 'short and plain' },
      },
    },
    'reasoning/quantum-computing': {
      text:
        'A quantum computer uses qubits instead of ordinary bits. A qubit can be in a superposition of 0 and 1. ' +
        'Quantum computers are fast because they try every possible answer at the same time and pick the right one. ' +
        'They are still experimental and need very cold, carefully shielded hardware.',
      defects: [
        {
          name: 'parallel-myth',
          description: 'states the common myth that a quantum computer tries every possible answer at once',
          fails: ['custom:no try-every-answer myth'],
        },
      ],
      planted: {
        accuracy: { score: 2, reason: 'qubits and superposition are right, but the core claim about why it is fast is a myth' },
        completeness: { score: 3, reason: 'no entanglement or interference, no word on which problems it helps with' },
        clarity: { score: 5, reason: 'short, simple sentences' },
      },
    },
    'reasoning/remote-work-pros-cons': {
      text:
        'Pros: no commute, flexible hours and fewer interruptions. ' +
        'Cons: it can feel isolating, teamwork takes more effort, and home and work life can blur together.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'each point is a recognised pro or con' },
        completeness: { score: 4, reason: 'three of each, without a conclusion' },
        clarity: { score: 5, reason: 'pros and cons clearly labelled' },
      },
    },
    'summary/edge-ai-benefits': {
      text:
        'Edge AI keeps data on the device, which improves privacy, and it cuts latency because requests do not travel to a server. ' +
        'It also works offline and saves bandwidth.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'correct' },
        completeness: { score: 4, reason: 'privacy, latency, offline use and bandwidth; not cost' },
        clarity: { score: 5, reason: 'two plain sentences' },
      },
    },
    [DEFAULT_ANSWER]: {
      text: 'Sorry, I only know a few topics: edge AI, quantum computing, remote work and sorting in Python. Please ask about one of those.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'an honest statement of what it knows' },
        completeness: { score: 3, reason: 'does not mention that it can introduce itself' },
        clarity: { score: 5, reason: 'short and plain' },
      },
    },
  },
};
