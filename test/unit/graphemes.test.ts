// The grapheme count against Intl.Segmenter (the reference) on random text built from the
// characters Unicode's cluster rules treat specially, and its speed on replies of megabytes.
import { describe, expect, it } from 'vitest';
import { graphemeCount } from '../../src/assertions/graphemes.ts';

const reference = (text: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;

const PIECES = [
  'a', 'Z', ' ', '.', '\r', '\n', '\r\n', '\t', '\u0301', '\u200d', '\ufe0f', '👍', '🏽', '👨‍👩‍👧', '🇫🇷', '🇩', '🇪',
  'ᄀ', 'ᅡ', 'ᆨ', '한', '中', 'क', '्', 'ष', 'ि', '\u0600', '\u0d4e', 'é', '©', '1', '#', '\u20e3', '\u{1f3fb}',
  '®', 'ñ', '\u00ad', '\u02bc', '\u02ff', '\u0300',
];

/** A deterministic pseudo-random generator (mulberry32), so that a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

describe('graphemeCount', () => {
  it('agrees with Intl.Segmenter on random text made of the characters the rules treat specially', () => {
    const next = random(2024);
    for (let sample = 0; sample < 300; sample++) {
      const length = Math.floor(next() * (sample % 10 === 0 ? 6000 : 80));
      // Mostly simple characters (below U+0300) with bursts of the special ones, like real
      // replies, or all special.
      const simpleShare = sample % 3 === 0 ? 0 : 0.7;
      const simple = 'abc déø\r\n';
      let text = '';
      while (text.length < length) text += next() < simpleShare ? simple[Math.floor(next() * simple.length)] : PIECES[Math.floor(next() * PIECES.length)];
      expect(graphemeCount(text), JSON.stringify(text.slice(0, 200))).toBe(reference(text));
    }
  });

  it('counts a cluster longer than its window, and the edges of the text', () => {
    for (const text of ['', 'a', '\r\n', 'e\u0301', `x${'\u0301'.repeat(3000)}y`, `${'中'.repeat(2500)}\u0301`, `\u0301${'a'.repeat(2000)}\r`, '🇫🇷🇩🇪🇫']) {
      expect(graphemeCount(text)).toBe(reference(text));
    }
  });

  it('counts a 5 MB reply in a few seconds at most (Intl.Segmenter alone takes minutes)', () => {
    const reply = `${'The edge runs models near the data, café au lait. '.repeat(100_000)}👍🏽`;
    const started = performance.now();
    expect(graphemeCount(reply)).toBe(reply.length - 3);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
