// The regex matcher's worker: shared by the checks, one match at a time, replaced after a
// deadline, each deadline counted from the start of its own match.
import { describe, expect, it } from 'vitest';
import { matchWithDeadline } from '../../src/assertions/regex-deadline.ts';

const BACKTRACKS = { pattern: '^(a+)+$', text: `${'a'.repeat(40)}!` };

describe('matchWithDeadline', () => {
  it('answers checks one after another and at once, each with its own match', async () => {
    expect(await matchWithDeadline('def\\s+(\\w+)', undefined, 'here: def sort_list(x)')).toEqual({ match: { index: 6, text: 'def sort_list' } });
    expect(await matchWithDeadline('PROS', 'i', 'no such word')).toEqual({ match: null });
    const texts = Array.from({ length: 20 }, (_, index) => `${'x'.repeat(index)}edge`);
    const outcomes = await Promise.all(texts.map((text) => matchWithDeadline('edge', undefined, text)));
    expect(outcomes).toEqual(texts.map((_, index) => ({ match: { index, text: 'edge' } })));
  });

  it('stops a match at its deadline; the check queued behind it gets its whole deadline on a new worker', async () => {
    const started = performance.now();
    const [stuck, behind] = await Promise.all([
      matchWithDeadline(BACKTRACKS.pattern, undefined, BACKTRACKS.text, 300),
      matchWithDeadline('b+', undefined, 'abbbc', 300),
    ]);
    expect(stuck).toEqual({ timedOut: true });
    expect(behind).toEqual({ match: { index: 1, text: 'bbb' } });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await matchWithDeadline('c$', undefined, 'abc')).toEqual({ match: { index: 2, text: 'c' } });
  });

  it('rejects a pattern that is not a regular expression, and goes on', async () => {
    await expect(matchWithDeadline('(unclosed', undefined, 'text')).rejects.toThrow(/Invalid regular expression/);
    expect(await matchWithDeadline('t', undefined, 'text')).toEqual({ match: { index: 0, text: 't' } });
  });
});
