// Reading judge replies: what a tolerant parser accepts, what it refuses and why, and the
// probability-weighted score from the logprobs of the score token.
import { describe, expect, it } from 'vitest';
import { judgeMessages, RUBRICS } from '../../src/judge/rubrics.ts';
import { readVerdict, weightedScore, type TokenLogprob } from '../../src/judge/verdict.ts';

describe('readVerdict', () => {
  it('reads the JSON verdict, in either order, inside fences or chatter', () => {
    expect(readVerdict('{"reason": "Correct and complete.", "score": 5}')).toMatchObject({ ok: true, score: 5, reason: 'Correct and complete.' });
    expect(readVerdict('Here is my grade:\n```json\n{"score": 3, "explanation": "Half of it."}\n```')).toMatchObject({ ok: true, score: 3, reason: 'Half of it.' });
    expect(readVerdict('{"Rating": "4/5", "Reasoning": "Minor slip."}')).toMatchObject({ ok: true, score: 4, reason: 'Minor slip.' });
    expect(readVerdict('{"score": 2.0}')).toMatchObject({ ok: true, score: 2, reason: '(the judge gave no reason)' });
  });

  it('reads a plain "Score: N" line when there is no JSON', () => {
    expect(readVerdict('The answer misses the cons.\nScore: 2/5')).toMatchObject({ ok: true, score: 2, reason: 'The answer misses the cons.' });
    expect(readVerdict('{"reason": "Right, but terse.", "score": 4')).toMatchObject({ ok: true, score: 4, reason: 'Right, but terse.' });
  });

  it('refuses scores out of range, fractions, malformed JSON and refusals, saying why', () => {
    expect(readVerdict('{"reason": "great", "score": 7}')).toEqual({ ok: false, error: 'score 7 is outside the scale 1-5' });
    expect(readVerdict('{"reason": "ok", "score": 3.5}')).toEqual({ ok: false, error: 'score 3.5 is not a whole number from 1 to 5' });
    expect(readVerdict('{"reason": "ok", "score": "excellent"}')).toEqual({ ok: false, error: 'the "score" field is "excellent", not a score from 1 to 5' });
    expect(readVerdict('{"reason": "ok", "score": }')).toEqual({ ok: false, error: 'the reply is not valid JSON and has no score' });
    expect(readVerdict("I'm sorry, but I cannot grade this answer.")).toEqual({ ok: false, error: 'the judge refused to grade' });
    expect(readVerdict('   ')).toEqual({ ok: false, error: 'the judge replied with nothing' });
    expect(readVerdict('Looks fine to me.')).toEqual({ ok: false, error: 'the reply has no score' });
  });

  it('finds where the score digit stands in the reply', () => {
    const reply = '{"reason": "a 1 in here", "score": 4}';
    const reading = readVerdict(reply);
    expect(reading.ok && reply[reading.scoreOffset]).toBe('4');
  });
});

describe('weightedScore', () => {
  const tokens = (reply: string[], alternatives: Record<number, [string, number][]>): TokenLogprob[] =>
    reply.map((token, index) => ({
      token,
      logprob: Math.log(alternatives[index]?.find(([candidate]) => candidate === token)?.[1] ?? 1),
      top_logprobs: (alternatives[index] ?? []).map(([candidate, probability]) => ({ token: candidate, logprob: Math.log(probability) })),
    }));

  it('is the probability-weighted mean of the score tokens at the score', () => {
    const reply = ['{"', 'reason', '":"', 'ok', '","', 'score', '":', '4', '}'];
    const logprobs = tokens(reply, { 7: [['4', 0.6], ['5', 0.3], ['3', 0.1]] });
    const offset = reply.join('').indexOf('4');
    expect(weightedScore(logprobs, offset)).toBeCloseTo(4.2, 10);
  });

  it('ignores alternatives that are not scores, and renormalises over those that are', () => {
    const reply = ['Score', ': ', ' 2'];
    const logprobs = tokens(reply, { 2: [[' 2', 0.5], [' 1', 0.25], ['two', 0.25]] });
    expect(weightedScore(logprobs, 'Score:  2'.indexOf('2'))).toBeCloseTo((2 * 0.5 + 1 * 0.25) / 0.75, 10);
  });

  it('is null when the logprobs do not reach the score', () => {
    expect(weightedScore(tokens(['{"score": '], {}), 11)).toBeNull();
    expect(weightedScore([], 0)).toBeNull();
    expect(weightedScore(tokens(['x'], {}), -1)).toBeNull();
  });
});

describe('judge prompts', () => {
  it('anchor every point of the scale, and give the reference only where it helps', () => {
    const subject = {
      messages: [{ role: 'user' as const, content: 'Explain quantum computing in simple terms.' }],
      answer: 'Qubits.',
      expected: ['qubits', { any: ['superposition', 'both 0 and 1'] }],
      facts: { mustNotState: ['tries every answer at once'] },
    };
    const accuracy = judgeMessages('accuracy', subject)[1]?.content ?? '';
    for (const anchor of RUBRICS.accuracy.anchors) expect(accuracy).toContain(anchor);
    expect(accuracy).toContain('A correct answer does not claim:\n- tries every answer at once');
    expect(accuracy).toContain('- superposition / both 0 and 1');
    expect(accuracy).toContain('<<<\nQubits.\n>>>');
    const clarity = judgeMessages('clarity', subject)[1]?.content ?? '';
    expect(clarity).not.toContain('Key points');
    expect(clarity).not.toContain('does not claim');
  });
});
