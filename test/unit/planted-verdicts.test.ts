// Verdicts against the planted truth, without a model: which checks are marked with a planted
// defect, when the plant does not apply, and what fails a test.
import { describe, expect, it } from 'vitest';
import { AssertionSpecSchema } from '../../src/assertions/index.ts';
import type { AssertionResult } from '../../src/contract/results.ts';
import { PLANTED_ANSWERS } from '../../src/embedded/synthetic/answers/index.ts';
import { answerKnown, applyPlantedTruth, verdictProblems } from '../../src/suite/planted.ts';
import { statusOf } from '../../src/suite/run-case.ts';

const PROMPT = 'reasoning/remote-work-pros-cons';
const ANSWER = PLANTED_ANSWERS['fixture-tiny'].answers[PROMPT]?.text ?? '';
const SPECS = AssertionSpecSchema.array().parse([
  { type: 'regex', pattern: 'pros|benefits' },
  { type: 'regex', pattern: 'cons|drawbacks' },
  { type: 'length', maxChars: 4000 },
]);
const verdict = (type: string, pass: boolean): AssertionResult => ({ type, pass, score: pass ? 1 : 0, reason: pass ? 'ok' : 'no' });

describe('applyPlantedTruth', () => {
  it('marks the check a planted defect targets, and only it', () => {
    const checks = [verdict('regex', true), verdict('regex', false), verdict('length', true)];
    const applied = applyPlantedTruth('fixture-tiny', PROMPT, ANSWER, SPECS, checks);
    expect(applied.checks.map((check) => check.planted)).toEqual([undefined, 'only-pros', undefined]);
    expect(applied.note).toBeNull();
    expect(verdictProblems(applied.checks, applied.unknownChecks)).toEqual([]);
    // The case fails: the answer has a defect.
    expect(statusOf(null, applied.checks)).toBe('fail');
  });

  it('fails a test whose check misses its planted defect, or fails a correct answer', () => {
    const missed = applyPlantedTruth('fixture-tiny', PROMPT, ANSWER, SPECS, [verdict('regex', true), verdict('regex', true), verdict('length', false)]);
    expect(verdictProblems(missed.checks, missed.unknownChecks)).toEqual([
      'regex passed, but it should catch the planted defect only-pros: ok',
      'length: no',
    ]);
    expect(statusOf(null, missed.checks)).toBe('fail');
  });

  it('expects nothing of a reply that is not the planted answer, nor of a prompt the model has no plant for', () => {
    const checks = [verdict('regex', true), verdict('regex', false), verdict('length', true)];
    const truncated = applyPlantedTruth('fixture-tiny', PROMPT, ANSWER.slice(0, 10), SPECS, checks);
    expect(truncated.checks).toEqual(checks);
    expect(truncated.note).toContain('differs from its planted answer');
    expect(verdictProblems(truncated.checks, [])).toEqual(['regex: no']);
    expect(applyPlantedTruth('fixture-tiny', 'chat/my-own-prompt', ANSWER, SPECS, checks).note).toContain('has no planted answer for chat/my-own-prompt');
  });

  it('knows the answer only of a model with known answers, to a prompt it has a plant for', () => {
    expect(answerKnown({ alias: 'fixture-tiny', knownAnswers: true }, PROMPT)).toBe(true);
    expect(answerKnown({ alias: 'fixture-tiny', knownAnswers: true }, 'chat/my-own-prompt')).toBe(false);
    expect(answerKnown({ alias: 'fixture-tiny', knownAnswers: false }, PROMPT)).toBe(false);
    expect(answerKnown({ alias: 'qwen2.5-0.5b-instruct' }, PROMPT)).toBe(false);
  });

  it('reports a planted check the prompt no longer has', () => {
    const applied = applyPlantedTruth('fixture-tiny', PROMPT, ANSWER, SPECS.slice(0, 1), [verdict('regex', true)]);
    expect(applied.unknownChecks).toEqual(['regex#2']);
    expect(verdictProblems(applied.checks, applied.unknownChecks)).toEqual(['regex#2: planted, but the prompt has no such check']);
  });
});
