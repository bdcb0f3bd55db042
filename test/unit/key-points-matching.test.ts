// Where a key point's phrase counts as made: at the start of a word, ignoring case and runs of
// whitespace. The matcher checks the start of the word apart from its pattern (cheaper to
// compile); it must say what one case-insensitive Unicode pattern with a lookbehind says, on
// random text built from the characters where the two could part: letters and digits of other
// scripts, characters outside the BMP, case pairs and folds (ſ, K, ß), whitespace and punctuation.
import { describe, expect, it } from 'vitest';
import { mentioned } from '../../src/assertions/key-points.ts';
import { seededRandom } from '../../src/stats/random.ts';

/** The definition: a lookbehind for a letter or digit, the phrase's words apart by any whitespace. */
function reference(reply: string, phrase: string): boolean {
  const words = phrase.trim().split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])${words.join('\\s+')}`, 'iu').test(reply);
}

const PIECES = ['a', 'A', 'b', 'S', 's', 'ſ', 'k', 'K', 'ß', 'é', 'É', '1', '٣', ' ', '  ', '\n', '\t', '.', '-', "'", '(', '𝐀', '𐐀', '𐐨', '中', '_', 'ab', 'ba'];
const PHRASES = ['a', 'ab', 'ba', 'a b', 'aa', 's', 'k', 'é', '1', '𐐨', 'ab ba', '(a', 'a.', 'ss', '中a', 'ß'];

describe('key points: a phrase at the start of a word', () => {
  it('agrees with the lookbehind pattern on random text', () => {
    const next = seededRandom(1201);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    let made = 0;
    for (let sample = 0; sample < 3000; sample++) {
      const reply = Array.from({ length: 1 + Math.floor(next() * 12) }, () => pick(PIECES)).join('');
      const phrase = pick(PHRASES);
      const expected = reference(reply, phrase);
      if (expected) made++;
      expect(mentioned(reply, phrase) !== null, `${JSON.stringify(phrase)} in ${JSON.stringify(reply)}`).toBe(expected);
    }
    // Both outcomes came up often enough for the comparison to mean something.
    expect(made).toBeGreaterThan(200);
    expect(made).toBeLessThan(2800);
  });

  it('finds a phrase past an earlier match inside a word', () => {
    expect(mentioned('icon con', 'con')).toBe('con');
    expect(mentioned('icon', 'con')).toBeNull();
    expect(mentioned('baaa', 'aa')).toBeNull();
    expect(mentioned('baaa aa', 'aa')).toBe('aa');
    expect(mentioned('𝐀𐐨', '𐐨')).toBeNull();
    expect(mentioned('𝐀𐐨 𐐨', '𐐨')).toBe('𐐨');
    expect(mentioned('Superposition and\n  QUBITS', 'and qubit')).toBe('and qubit');
  });
});
