// The content words of a text, for comparing an answer with a reference answer word by word
// (key points are matched by the key-points check's own matching, assertions/key-points.ts).
import { words } from './text-stats.ts';

const STOP_WORDS = new Set(
  (
    'a an the and or but if then so of to in on at by for with from as into about over under than that this these those it its ' +
    'is are was were be been being am do does did has have had can could will would shall should may might must not no nor ' +
    'i you he she we they me him her us them my your his our their what which who whom whose when where why how all any both ' +
    'each few more most other some such only own same very just also there here out up down off again further once'
  ).split(' '),
);

/** A crude English stem: plural and verb endings off, so "benefits" meets "benefit" and "running" meets "run". */
export function stem(word: string): string {
  const lower = word.toLowerCase().replace(/['’]s$/, '');
  if (lower.length <= 3) return lower;
  if (lower.length === 4) return lower.replace(/([^s])s$/, '$1');
  return lower.replace(/(?:ies)$/, 'y').replace(/(?:ing|ed|es|s)$/, '').replace(/(.)\1$/, '$1');
}

/** The stems of a text's words that carry meaning (stop words and one-letter words left out). */
export function contentWords(text: string): string[] {
  return words(text)
    .map((word) => word.toLowerCase())
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word))
    .map(stem);
}
