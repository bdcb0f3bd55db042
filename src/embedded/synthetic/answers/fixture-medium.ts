// fixture-medium: accurate and complete, but slow (12 layers) and verbose. No defect is
// planted: every content check of the shipped evals must pass; what it costs is time.
import { DEFAULT_ANSWER, type ModelAnswers } from './types.ts';

const VERBOSE = 'clear, but longer than the question needs';

export const FIXTURE_MEDIUM: ModelAnswers = {
  character: 'accurate and complete, but slow and verbose',
  answers: {
    'chat/introduce-yourself': {
      text:
        'Hello! I am fixture-medium, the largest of the three synthetic test models that edge-evals builds for itself. ' +
        "I run entirely on this computer's processor, without a graphics card and without a network connection, so nothing you type ever leaves the machine. " +
        'My answers were written in advance, which lets the evaluation suite check its own checks against answers whose strengths and flaws are known. ' +
        'I aim to be accurate and thorough, but I am also the slowest of the three, because every word I write passes through twelve transformer layers. ' +
        'If you need a quick reply, fixture-tiny is faster; if you need a complete one, I am happy to help.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'everything it says about itself is true' },
        completeness: { score: 5, reason: 'says what it is, where it runs, what it is for and how it compares' },
        clarity: { score: 4, reason: VERBOSE },
      },
    },
    'chat/edge-ai-one-sentence': {
      text:
        'Edge AI means running artificial intelligence models directly on local devices such as phones, laptops, cameras and factory sensors, ' +
        'instead of sending the data to a distant cloud server, so that answers arrive faster, private data stays on the device, ' +
        'and the system keeps working even without a network connection.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'a correct definition' },
        completeness: { score: 5, reason: 'where it runs, what it replaces, and the three main benefits' },
        clarity: { score: 4, reason: 'one sentence as asked, though a long one' },
      },
    },
    'code/sort-function': {
      text: [
        'Here is a function that returns a new list with the items in ascending order, leaving the original list unchanged:',
        '',
        '```python',
        'def sort_list(items):',
        '    """Return a new list with the items in ascending order.',
        '',
        '    Works for any values that can be compared with each other, such as',
        '    numbers or strings. An empty list gives an empty list.',
        '    """',
        '    return sorted(items)',
        '```',
        '',
        "Python's built-in sorted function uses Timsort, which is stable and runs in O(n log n) time. " +
          'If you would rather sort the list in place, call items.sort() instead: it changes the original list and returns None. ' +
          'To sort from largest to smallest, pass reverse=True to either of them.',
      ].join('\n'),
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'correct code and correct notes on sorted, sort and Timsort' },
        completeness: { score: 5, reason: 'handles every input, documents itself, names the in-place and descending variants' },
        clarity: { score: 4, reason: VERBOSE },
      },
    },
    'reasoning/quantum-computing': {
      text: [
        'An ordinary computer stores information in bits, and each bit is either 0 or 1. ' +
          'A quantum computer uses qubits instead. Thanks to superposition, a qubit can be in a blend of 0 and 1 at the same time, ' +
          'and thanks to entanglement, the states of several qubits can be linked so that they behave as one system.',
        '',
        'A quantum program does not simply check every possible answer. It arranges the qubits so that the paths leading to wrong answers ' +
          'cancel each other out, an effect called interference, while the paths leading to the right answer reinforce each other. ' +
          'When the qubits are finally measured, the right answer is the most likely result.',
        '',
        'This only helps for certain problems, such as simulating molecules for chemistry or factoring large numbers, ' +
          'and today\'s machines are small, error-prone and must be kept colder than outer space. ' +
          'For everyday tasks like browsing or writing documents, an ordinary computer remains the better tool.',
      ].join('\n'),
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'qubits, superposition, entanglement and interference explained correctly' },
        completeness: { score: 5, reason: 'what it is, how it works, what it is good for and its limits' },
        clarity: { score: 4, reason: 'simple words, though three paragraphs long' },
      },
    },
    'reasoning/remote-work-pros-cons': {
      text: [
        'Remote work has clear advantages and real drawbacks, and which side weighs more depends on the person and the job.',
        '',
        'Pros:',
        '- No commute, which saves time and money and reduces stress.',
        '- Flexible hours that fit around family life and personal rhythms.',
        '- Fewer interruptions, which helps with focused work.',
        '- Employers can hire talented people wherever they live.',
        '',
        'Cons:',
        '- Isolation and loneliness, with fewer casual conversations with colleagues.',
        '- Collaboration and mentoring take more deliberate effort.',
        '- The line between work and home life can blur, which leads to longer days.',
        '- Not every home has a quiet space or a reliable internet connection.',
        '',
        'Many teams settle on a hybrid arrangement that keeps the flexibility while meeting in person for the work that benefits from it.',
      ].join('\n'),
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'every point is a recognised pro or con' },
        completeness: { score: 5, reason: 'four pros, four cons and a balanced conclusion' },
        clarity: { score: 4, reason: 'well structured, if long' },
      },
    },
    'summary/edge-ai-benefits': {
      text: [
        'Edge AI brings several benefits:',
        '',
        '1. Lower latency: answers are computed next to the user, so there is no round trip to a data center.',
        '2. Privacy: personal data stays on the device instead of being uploaded.',
        '3. Offline operation: the system keeps working without an internet connection.',
        '4. Less bandwidth: only results, not raw sensor data or audio, need to travel over the network.',
        '5. Lower cost: fewer cloud servers and less data transfer to pay for.',
        '6. Better energy use for small models, since nothing has to be sent back and forth.',
        '',
        'The trade-off is that local hardware limits how large and capable the model can be.',
      ].join('\n'),
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'each benefit is real and correctly explained' },
        completeness: { score: 5, reason: 'latency, privacy, offline use, bandwidth, cost and energy, plus the main trade-off' },
        clarity: { score: 5, reason: 'a numbered list, one benefit per line' },
      },
    },
    [DEFAULT_ANSWER]: {
      text:
        'I am fixture-medium, a synthetic test model, and I can only answer a handful of questions well. ' +
        'You can ask me to introduce myself, to explain edge AI in one sentence or summarize its benefits, to write a Python function that sorts a list, ' +
        'to explain quantum computing in simple terms, or to weigh the pros and cons of remote work. For anything else, please use a real language model.',
      defects: [],
      planted: {
        accuracy: { score: 5, reason: 'an honest statement of what it can answer' },
        completeness: { score: 4, reason: 'lists every topic it knows' },
        clarity: { score: 4, reason: VERBOSE },
      },
    },
  },
};
