// The model-free scorers on fixed texts whose scores are known: readability figures computed by
// hand, what prompts ask, each clarity deduction, key points, reference facts, code results
// and the defaults of scoreAnswer.
import { describe, expect, it } from 'vitest';
import { scoreAccuracyFromCode, scoreAccuracyFromFacts, scoreAccuracyFromReferenceAnswer } from '../../src/criteria/accuracy.ts';
import { formAsked } from '../../src/criteria/asks.ts';
import { scoreClarity } from '../../src/criteria/clarity.ts';
import { scoreCompletenessFromKeyPoints, scoreCompletenessFromReference, shareToScore } from '../../src/criteria/completeness.ts';
import { CriteriaSpec, scoreAnswer } from '../../src/criteria/index.ts';
import { contentWords } from '../../src/criteria/matching.ts';
import { fleschReadingEase, splitSentences, syllableCount, textStats } from '../../src/criteria/text-stats.ts';
import type { AssertionResult } from '../../src/contract/results.ts';

describe('text statistics', () => {
  it('counts syllables by vowel groups, with silent e and -ed', () => {
    expect(['cat', 'water', 'computer', 'simple', 'makes', 'jumped', 'superposition', 'the'].map(syllableCount)).toEqual([1, 2, 3, 2, 1, 1, 5, 1]);
  });

  it('splits sentences at end punctuation before a capital, not after abbreviations or inside numbers', () => {
    expect(splitSentences('It runs locally. It is fast! Is it private? Yes, e.g. for logs. Version 2.5 is out.')).toEqual([
      'It runs locally.',
      'It is fast!',
      'Is it private?',
      'Yes, e.g. for logs.',
      'Version 2.5 is out.',
    ]);
    expect(splitSentences('Pros:\n- no commute\n- flexible hours')).toEqual(['Pros:', '- no commute', '- flexible hours']);
  });

  it('computes the Flesch reading ease of the prose, leaving code out', () => {
    // "The cat sat on the mat." 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1
    expect(fleschReadingEase(6, 1, 6)).toBeCloseTo(116.145, 3);
    const stats = textStats('Here it is:\n\n```python\ndef f(x):\n    return sorted(x)\n```\n\nIt sorts the list.');
    expect(stats).toMatchObject({ codeLines: 2, words: 7, sentences: ['Here it is:', 'It sorts the list.'] });
    expect(stats.totalWords).toBeGreaterThan(stats.words);
  });

  it('reads an unfenced reply that starts with def as code', () => {
    const stats = textStats('def sort_list(items):\n    return sorted(items)');
    expect(stats).toMatchObject({ codeLines: 2, words: 0, readingEase: null });
  });
});

describe('what a prompt asks', () => {
  it('reads sentence and word limits, plain words, lists, brevity and detail', () => {
    expect(formAsked('Explain edge AI in one sentence.')).toEqual({ maxSentences: 1 });
    expect(formAsked('Describe it in no more than 3 sentences')).toEqual({ maxSentences: 3 });
    expect(formAsked('Summarize this in under 50 words.')).toEqual({ maxWords: 50 });
    expect(formAsked('Explain quantum computing in simple terms.')).toEqual({ simple: true });
    expect(formAsked("Explain it like I'm five")).toEqual({ simple: true });
    expect(formAsked('Give me bullet points of the risks, briefly')).toEqual({ list: true, brief: true });
    expect(formAsked('Explain step by step how TCP works')).toEqual({ detailed: true });
    expect(formAsked('What are the pros and cons of remote work?')).toEqual({});
  });
});

describe('clarity', () => {
  it('gives 5 to a short plain answer in the form asked', () => {
    const score = scoreClarity('Explain edge AI in one sentence.', 'Edge AI runs models on your own device instead of the cloud.');
    expect(score).toMatchObject({ criterion: 'clarity', score: 5, scorer: 'readability', source: 'rules' });
    expect(score.reason).toContain('as asked (one sentence)');
  });

  it('takes 2 points for ignoring the form asked for', () => {
    const score = scoreClarity('Explain edge AI in one sentence.', 'Edge AI runs locally. It is private. It is fast.');
    expect(score.score).toBe(3);
    expect(score.reason).toBe('3 sentences where one was asked for');
    expect(scoreClarity('List three fruits as a list.', 'Apples, pears and plums.').score).toBe(3);
  });

  it('takes a point for a very long sentence, and one for hard words where plain ones were asked for', () => {
    const long = `Edge AI ${'runs a model on a local device and '.repeat(6)}keeps data close.`;
    expect(scoreClarity('What is edge AI?', long)).toMatchObject({ score: 4, reason: expect.stringMatching(/^a sentence of \d+ words$/) });
    const dense = 'Superconducting qubits necessitate cryogenic refrigeration infrastructure. Decoherence fundamentally constrains computational reliability.';
    expect(scoreClarity('Explain quantum computing in simple terms.', dense)).toMatchObject({ score: 4, reason: expect.stringContaining('where plain words were asked for') });
  });

  it('takes a point for an answer longer than the question needs, with more room for a list', () => {
    const sentence = 'Remote work saves the daily commute for most people. ';
    expect(scoreClarity('What is remote work like?', sentence.repeat(10)).reason).toBe('90 words, longer than the question needs (80)');
    const list = `Pros:\n${'- no daily commute for most of the people involved\n'.repeat(10)}`;
    expect(scoreClarity('What is remote work like?', list).score).toBe(5);
    expect(scoreClarity('Explain it in detail.', sentence.repeat(10)).score).toBe(5);
  });

  it('takes a point for code without a word of explanation and for a wall of text', () => {
    expect(scoreClarity('Write a Python function to sort a list.', 'def f(x):\n    return sorted(x)')).toMatchObject({ score: 4, reason: 'code without a word of explanation' });
    const wall = 'This is a plain sentence about the topic. '.repeat(20);
    expect(scoreClarity('Explain it in detail.', wall)).toMatchObject({ score: 4, reason: 'one block of 160 words without paragraphs' });
  });

  it('never goes below 1, and gives 1 to an empty answer', () => {
    const terrible = `${'Notwithstanding multifarious considerations, '.repeat(30)}conclusively.`;
    expect(scoreClarity('Explain it in one sentence, in simple terms.', `${terrible} ${terrible}`).score).toBeGreaterThanOrEqual(1);
    expect(scoreClarity('Hi', '   ')).toMatchObject({ score: 1, reason: 'the answer is empty' });
  });
});

describe('content words', () => {
  it('stems content words and drops stop words', () => {
    expect(contentWords('The benefits of running models locally')).toEqual(['benefit', 'run', 'model', 'locally']);
  });
});

describe('completeness', () => {
  it('maps the share of key points made onto 1-5', () => {
    expect([0, 0.25, 0.5, 0.75, 1].map(shareToScore)).toEqual([1, 2, 3, 4, 5]);
    const score = scoreCompletenessFromKeyPoints('Qubits use superposition.', ['qubit', { any: ['superposition', 'both 0 and 1'] }, 'entanglement', 'interference']);
    expect(score).toMatchObject({ criterion: 'completeness', score: 3, scorer: 'key-points', reason: '2 of 4 key points made; missing "entanglement", "interference"' });
  });

  it('measures a reference answer by the content words the answer uses', () => {
    const score = scoreCompletenessFromReference('Edge AI keeps data private.', 'Edge AI keeps data private and cuts latency.');
    expect(score).toMatchObject({ scorer: 'reference-answer', score: 4, reason: 'uses 5 of the reference answer\'s 7 content words; not "cut", "latency"' });
    expect(scoreCompletenessFromReference('anything', 'the of and')).toBeNull();
  });
});

describe('accuracy', () => {
  const myth = { any: ['try every possible answer', 'every possible answer at the same time'] };

  it('scores reference facts: missing ones by their share, a forbidden statement caps at 2', () => {
    expect(scoreAccuracyFromFacts('Qubits hold superpositions.', { mustState: ['qubit'], mustNotState: [myth] })).toMatchObject({ score: 5, scorer: 'reference-facts' });
    expect(scoreAccuracyFromFacts('Quantum computers try every possible answer at once with qubits.', { mustState: ['qubit'], mustNotState: [myth] })).toMatchObject({
      score: 2,
      reason: 'states what is wrong: "try every possible answer"; states 1 of 1 required facts',
    });
    expect(scoreAccuracyFromFacts('They are fast.', { mustState: ['qubit', 'superposition'] }).score).toBe(1);
    expect(scoreAccuracyFromFacts('Earth is flat and the moon is cheese.', { mustNotState: ['flat', 'cheese'] }).score).toBe(1);
  });

  it('scores code from its python check: 5 when every case passes, at most 3 otherwise', () => {
    const python = (score: number): AssertionResult => ({ type: 'python', pass: score === 1, score, reason: `${score * 4} of 4 cases` });
    expect(scoreAccuracyFromCode([python(1)])).toMatchObject({ score: 5, scorer: 'python' });
    expect([0.75, 0.5, 0.25, 0].map((share) => scoreAccuracyFromCode([python(share)])?.score)).toEqual([3, 2, 1, 1]);
    expect(scoreAccuracyFromCode([{ ...python(1), skipped: true }])).toBeNull();
    expect(scoreAccuracyFromCode([{ type: 'contains', pass: true, score: 1, reason: '' }])).toBeNull();
  });

  it('checks a short reference answer word for word, and leaves a long one to a judge', () => {
    expect(scoreAccuracyFromReferenceAnswer('The capital of France is Paris.', 'Paris')).toMatchObject({ score: 5, scorer: 'reference-answer' });
    expect(scoreAccuracyFromReferenceAnswer('It is Lyon.', 'Paris')?.score).toBe(1);
    expect(scoreAccuracyFromReferenceAnswer('…', 'A long reference answer with many more words than six')).toBeNull();
  });
});

describe('scoreAnswer', () => {
  const checks: AssertionResult[] = [];

  it('scores clarity always, completeness from key points, and accuracy only when there is something to check it against', () => {
    const scores = scoreAnswer({ prompt: 'What is edge AI?', reply: 'AI on your device.', expected: ['device', 'privacy'], checks });
    expect(scores.map((score) => [score.criterion, score.score])).toEqual([
      ['completeness', 3],
      ['clarity', 5],
    ]);
  });

  it('uses a short reference answer for accuracy and completeness', () => {
    const scores = scoreAnswer({ prompt: 'Capital of France?', reply: 'Paris.', expected: 'Paris', checks });
    expect(scores.map((score) => `${score.criterion}:${score.scorer}:${score.score}`)).toEqual(['accuracy:reference-answer:5', 'completeness:reference-answer:5', 'clarity:readability:5']);
  });

  it('takes the worse of code and facts, leaves out what the eval turns off, and states the form where the prompt does not', () => {
    const python: AssertionResult = { type: 'python', pass: true, score: 1, reason: '4 of 4' };
    const criteria = CriteriaSpec.parse({ accuracy: { mustNotState: ['bubble sort'] }, completeness: false, clarity: { maxSentences: 1 } });
    const scores = scoreAnswer({ prompt: 'Sort it.', reply: 'I wrote a bubble sort. It works.', expected: ['def'], criteria, checks: [python] });
    expect(scores.map((score) => `${score.criterion}:${score.score}`)).toEqual(['accuracy:2', 'clarity:3']);
  });

  it('gives 1 on every criterion to an empty answer', () => {
    const scores = scoreAnswer({ prompt: 'Hi', reply: '', expected: ['hello'], checks });
    expect(scores.every((score) => score.score === 1 && score.reason === 'the answer is empty')).toBe(true);
  });

  it('validates what an eval writes', () => {
    expect(CriteriaSpec.safeParse({ accuracy: {} }).success).toBe(false);
    expect(CriteriaSpec.safeParse({ clarity: { sentences: 1 } }).success).toBe(false);
    expect(CriteriaSpec.safeParse({ speed: false }).success).toBe(false);
  });
});
