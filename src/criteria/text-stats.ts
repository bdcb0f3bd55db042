// What a reader sees in a reply, measured: its prose apart from its code, sentences, words,
// syllables, lists and paragraphs, and the Flesch reading ease of the prose. English-centred
// (syllables are counted by vowel groups), as the readability formulas themselves are.

/** A fenced code block; an unclosed fence runs to the end of the reply. */
const FENCED_CODE = /```[^\n]*\n[\s\S]*?(?:```|$)/g;
const LIST_ITEM = /^\s*(?:[-*•]|\d+[.)])\s+\S/;
/** A sentence ends at . ! ? (or …) followed by a space and an upper-case letter, a digit or a quote. */
const SENTENCE_END = /(?<=[.!?…])["')\]]?\s+(?=["'(\[]?[\p{Lu}\p{N}])/u;
/** Abbreviations whose full stop ends no sentence. */
const ABBREVIATIONS = /\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|Prof|approx|no|fig)\.$/i;
const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

export interface TextStats {
  /** The reply without its code blocks, whitespace collapsed per line. */
  prose: string;
  /** Lines of code in fenced blocks (or the whole reply when it reads as bare code). */
  codeLines: number;
  /** Words of the whole reply, code included: what a reader scrolls through. */
  totalWords: number;
  /** Words of the prose. */
  words: number;
  sentences: string[];
  /** Words of each prose sentence. */
  sentenceWords: number[];
  syllables: number;
  /** Lines that are list items (`-`, `*`, `1.`). */
  listItems: number;
  /** Blocks of prose separated by blank lines. */
  paragraphs: number;
  /** Flesch reading ease of the prose (higher is easier; 60-70 is plain English); null without prose. */
  readingEase: number | null;
}

/** Lines a reply writes as bare code (no fences): a def, class or import, then indented lines. */
const BARE_CODE_START = /^(?:def |class |import |from \S+ import |function |const |let |#include)/;

function splitCode(reply: string): { prose: string; codeLines: number } {
  let codeLines = 0;
  const withoutFences = reply.replace(FENCED_CODE, (block) => {
    codeLines += Math.max(0, block.split('\n').length - 2);
    return '\n\n';
  });
  // A reply that is nothing but code, unfenced: every line counts as code.
  const lines = withoutFences.split('\n');
  const firstLine = lines.find((line) => line.trim() !== '') ?? '';
  if (codeLines === 0 && BARE_CODE_START.test(firstLine.trim())) {
    const proseLines = lines.filter((line) => line.trim() !== '' && !/^\s/.test(line) && !BARE_CODE_START.test(line.trim()) && !/[;{}()=:]\s*$/.test(line));
    codeLines = lines.filter((line) => line.trim() !== '').length - proseLines.length;
    return { prose: proseLines.join('\n'), codeLines };
  }
  return { prose: withoutFences, codeLines };
}

export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Syllables of an English word by vowel groups, with the usual corrections (silent e, -le, -ed). */
export function syllableCount(word: string): number {
  const lower = word.toLowerCase().replace(/[^a-z]/g, '');
  if (lower === '') return 1;
  if (lower.length <= 3) return 1;
  const trimmed = lower.replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, '').replace(/^y/, '');
  const groups = trimmed.match(/[aeiouy]{1,2}/g)?.length ?? 0;
  return Math.max(1, groups);
}

/** Prose sentences: list items and lines that end without punctuation (headings) count as sentences of their own. */
export function splitSentences(prose: string): string[] {
  const sentences: string[] = [];
  for (const block of prose.split(/\n\s*\n/)) {
    for (const line of block.split('\n')) {
      const text = line.trim();
      if (text === '') continue;
      const pieces = text.split(SENTENCE_END);
      let pending = '';
      for (const piece of pieces) {
        pending = pending === '' ? piece : `${pending} ${piece}`;
        if (!ABBREVIATIONS.test(pending)) {
          sentences.push(pending);
          pending = '';
        }
      }
      if (pending !== '') sentences.push(pending);
    }
  }
  // A paragraph wrapped over several lines is one run of text: join lines that end mid-sentence.
  return joinWrappedLines(sentences);
}

function joinWrappedLines(pieces: readonly string[]): string[] {
  const joined: string[] = [];
  for (const piece of pieces) {
    const previous = joined.at(-1);
    const continues = previous !== undefined && !/[.!?…:"')\]]$/.test(previous) && !LIST_ITEM.test(piece) && /^[\p{Ll}]/u.test(piece);
    if (continues) joined[joined.length - 1] = `${previous} ${piece}`;
    else joined.push(piece);
  }
  return joined.filter((sentence) => words(sentence).length > 0);
}

/** Flesch reading ease: 206.835 - 1.015 (words / sentence) - 84.6 (syllables / word). */
export function fleschReadingEase(wordCount: number, sentenceCount: number, syllables: number): number | null {
  if (wordCount === 0 || sentenceCount === 0) return null;
  return 206.835 - 1.015 * (wordCount / sentenceCount) - 84.6 * (syllables / wordCount);
}

export function textStats(reply: string): TextStats {
  const { prose, codeLines } = splitCode(reply);
  const sentences = splitSentences(prose);
  const sentenceWords = sentences.map((sentence) => words(sentence).length);
  const proseWords = words(prose);
  const syllables = proseWords.reduce((sum, word) => sum + syllableCount(word), 0);
  const lines = prose.split('\n');
  return {
    prose: prose.trim(),
    codeLines,
    totalWords: words(reply).length,
    words: proseWords.length,
    sentences,
    sentenceWords,
    syllables,
    listItems: lines.filter((line) => LIST_ITEM.test(line)).length,
    paragraphs: prose.split(/\n\s*\n/).filter((block) => block.trim() !== '').length,
    readingEase: fleschReadingEase(proseWords.length, sentences.length, syllables),
  };
}
