// The reply makes the expected key points: each point is a phrase, or `{ any: [...] }`
// alternatives of which one will do. Matching ignores case and runs of whitespace, and a phrase
// must start where a word starts: 'qubit' finds "qubits", 'con' does not find "icon". The score
// is the share of points made.
import { z } from 'zod';
import type { KeyPoint } from '../contract/results.ts';
import { replyExcerpt } from './excerpt.ts';
import { failed, passed, type AssertionHandler } from './types.ts';

export const KeyPointsSpec = z
  .object({
    type: z.literal('key-points'),
    /** How many key points must be made; default: all of them. */
    min: z.number().int().positive().optional(),
  })
  .strict();
export type KeyPointsSpec = z.infer<typeof KeyPointsSpec>;

/**
 * The phrase, its words apart by any whitespace, ignoring case. Where a word starts is checked
 * apart (startsWord): a lookbehind for a letter or digit in this case-insensitive Unicode
 * pattern made each new pattern cost about 0.35 ms to compile, ten times the pattern itself.
 */
function phrasePattern(phrase: string): RegExp {
  const words = phrase.trim().split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(words.join('\\s+'), 'giu');
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Whether a word starts at `index`: no letter or digit right before it (a code point, not half of one). */
function startsWord(text: string, index: number): boolean {
  if (index === 0) return true;
  const last = text.charCodeAt(index - 1);
  const pair = last >= 0xdc00 && last <= 0xdfff && index >= 2 && text.charCodeAt(index - 2) >= 0xd800 && text.charCodeAt(index - 2) <= 0xdbff;
  return !LETTER_OR_DIGIT.test(text.slice(pair ? index - 2 : index - 1, index));
}

/** Whether the pattern matches somewhere a word starts. */
function matchesAtWordStart(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (startsWord(text, match.index)) return true;
    // On from the next code point: a match may start inside this one ('aa' in 'aaa').
    pattern.lastIndex = match.index + ((text.codePointAt(match.index) ?? 0) > 0xffff ? 2 : 1);
  }
  return false;
}

/**
 * Whether the reply holds the phrase. The key-points check and the completeness and accuracy
 * criteria search one reply for the same phrases, test after test: the patterns are compiled
 * once, and the last reply's answers kept.
 */
const patterns = new Map<string, RegExp>();
/** Bounds what a run with many data rows (each with its own phrases) keeps. */
const MAX_PATTERNS = 10_000;
let lastReply: { reply: string; found: Map<string, boolean> } = { reply: '', found: new Map() };

function holds(reply: string, phrase: string): boolean {
  if (lastReply.reply !== reply) lastReply = { reply, found: new Map() };
  let found = lastReply.found.get(phrase);
  if (found === undefined) {
    let pattern = patterns.get(phrase);
    if (pattern === undefined) {
      if (patterns.size >= MAX_PATTERNS) patterns.clear();
      pattern = phrasePattern(phrase);
      patterns.set(phrase, pattern);
    }
    found = matchesAtWordStart(pattern, reply);
    lastReply.found.set(phrase, found);
  }
  return found;
}

/** The phrase of the point that the reply makes, or null when it makes none of them. */
export function mentioned(reply: string, point: KeyPoint): string | null {
  const phrases = typeof point === 'string' ? [point] : point.any;
  return phrases.find((phrase) => holds(reply, phrase)) ?? null;
}

export function describeKeyPoint(point: KeyPoint): string {
  return typeof point === 'string' ? `"${point}"` : point.any.map((phrase) => `"${phrase}"`).join(' or ');
}

export const keyPoints: AssertionHandler<KeyPointsSpec> = {
  kind: 'content',
  evaluate: ({ min }, { response, expected }) => {
    if (!Array.isArray(expected)) {
      const given = expected === undefined ? 'none' : 'a reference answer';
      return failed(`key-points needs \`expected\` key points (a list) on the prompt or its data row; it has ${given}`);
    }
    const made = expected.filter((point) => mentioned(response, point) !== null);
    const missing = expected.filter((point) => mentioned(response, point) === null);
    const needed = Math.min(min ?? expected.length, expected.length);
    const summary = `${made.length} of ${expected.length} key points made`;
    const score = made.length / expected.length;
    if (missing.length === 0) return passed(summary);
    if (made.length >= needed) {
      return { pass: true, score, reason: `${summary} (at least ${needed} needed); missing ${missing.map(describeKeyPoint).join(', ')}` };
    }
    return failed(`expected at least ${needed} of ${expected.length} key points; ${summary}, missing ${missing.map(describeKeyPoint).join(', ')}. ${replyExcerpt(response)}`, score);
  },
};
