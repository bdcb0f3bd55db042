// The regex matcher's worker: shared by the checks, one match at a time, replaced after a
// deadline, each deadline counted from the start of its own match; and which patterns are
// bounded enough to be matched in place instead.
import { describe, expect, it } from 'vitest';
import { regexSteps } from '../../src/assertions/regex-cost.ts';
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

describe('regexSteps', () => {
  it("bounds the shipped prompts' patterns and other loop-free ones by their ways through the pattern", () => {
    // 6 alternatives, at most 9 atoms each, between two word boundaries: 6 ways, 11 atoms wide.
    expect(regexSteps("\\b(I|I'm|I am|my name|assistant|model)\\b", 'i', 999)).toBe(1000 * 6 * 11);
    // Each alternative with an optional last letter: 2 + 2 + 2 ways.
    expect(regexSteps('\\b(pros?|advantages?|benefits?)\\b', 'i', 99)).toBe(100 * 6 * 12);
    expect(regexSteps('\\b(cons?|disadvantages?|drawbacks?|challenges?)\\b', 'i', 0)).toBe(8 * 15);
    expect(regexSteps('edge', undefined, 9)).toBe(10 * 4);
    expect(regexSteps('[\\]a-z]\\d{2,3}(?:x|y)?(?<=q)\\u{1F600}\\p{L}', 'u', 0)).toBe((2 * 3) * (1 + 3 + 1 + 1 + 1 + 1));
    expect(regexSteps('', undefined, 5)).toBe(6);
  });

  it('gives no bound to loops, back-references, syntax it does not read, or too many ways', () => {
    for (const pattern of ['^(a+)+$', 'def\\s+(\\w+)', 'a*', '(a|aa){2,}', '(x)\\1', '(?<n>x)\\k<n>', 'a{', 'a}', '(unclosed', 'a)', '*a', '(a|a){30}', '(?i:a)']) {
      expect(regexSteps(pattern, undefined, 10), pattern).toBeNull();
    }
    expect(regexSteps('[a&&b]', 'v', 10)).toBeNull();
  });

  it('matches a bounded pattern in place as the worker does, its errors included', async () => {
    expect(await matchWithDeadline("\\b(I|I'm|I am|my name|assistant|model)\\b", 'i', "Hello! I'm an assistant.")).toEqual({ match: { index: 7, text: 'I' } });
    expect(await matchWithDeadline('\\b(cons?|drawbacks?)\\b', 'i', 'Pros: flexible.')).toEqual({ match: null });
    await expect(matchWithDeadline('[z-a]', undefined, 'text')).rejects.toThrow(/Invalid regular expression: \/\[z-a\]\/: Range out of order in character class/);
    // A bounded pattern on a reply too long for its bound goes to the worker, with the same answer.
    const long = `${'x '.repeat(200_000)}model`;
    expect(regexSteps('\\b(I|model)\\b', 'i', long.length)).toBeGreaterThan(1_000_000);
    expect(await matchWithDeadline('\\b(I|model)\\b', 'i', long)).toEqual({ match: { index: 400_000, text: 'model' } });
  });
});
