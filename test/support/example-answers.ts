// What a capable model answers to the prompts of evals/examples/, for the scripted endpoint
// that runs them with their content judged (test/e2e/eval-examples.test.ts).
import type { ScriptedAnswer } from './scripted-chat-server.ts';

export const EXAMPLE_ANSWERS: readonly ScriptedAnswer[] = [
  { when: /exactly: Hello, world!/, answer: 'Hello, world!' },
  { when: /Count from 1 to 5/, answer: '1, 2, 3, 4, 5' },
  { when: /capital of France as JSON/, answer: 'Here it is:\n```json\n{"city": "Paris", "country": "France"}\n```' },
  { when: /photosynthesis/, answer: 'Plants use sunlight to turn carbon dioxide and water into sugar. Oxygen is released as a by-product.' },
  { when: /is_even/, answer: '```python\ndef is_even(n):\n    return n % 2 == 0\n```' },
  { when: /primary colour/, answer: 'Red.' },
  { when: /What is 2 \+ 3\?/, answer: '5' },
  { when: /What is 19 \+ 23\?/, answer: '42' },
  { when: /capital of France\?/, answer: 'Paris' },
  { when: /capital of Japan\?/, answer: 'Tokyo' },
  { when: /capital of Brazil\?/, answer: 'Brasília' },
  { when: /"hello" into French/, answer: 'Bonjour' },
  { when: /"thank you" into Spanish/, answer: 'Gracias' },
  { when: /letters does the word "(banana|cherry)"/, answer: '6' },
  { when: /What is my name\?/, answer: 'Your name is Ada.' },
  { when: /three fruits/, answer: 'Banana, lemon and strawberry.' },
  { when: /quantum computing in simple terms/, answer: 'Quantum computers use qubits, which can be in a superposition of 0 and 1 at the same time, so they can explore many possibilities at once.' },
  { when: /one sentence/, answer: 'Quantum computers use qubits that hold 0 and 1 at once.' },
  { when: /exactly: OK/, answer: 'OK' },
];
