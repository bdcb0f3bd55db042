// A deterministic byte-level BPE trainer (the algorithm of GPT-2 and Hugging Face's
// BpeTrainer): words from the GPT-2 pre-tokenizer, as byte characters, are merged pair by
// pair, always the most frequent adjacent pair. Ties go to the pair whose left symbol came
// first, then whose right symbol came first (symbols are numbered in the order they were
// created, bytes in GPT-2's byte order), so the same corpus always gives the same merges,
// and training to N merges gives a prefix of training to M > N merges.
import { BYTE_ORDER, BYTE_TO_CHAR, toByteChars } from './byte-level.ts';
import { pretokenize } from './pretokenize.ts';

export interface BpeTrainingOptions {
  /** Stop after this many merges. */
  maxMerges: number;
  /** Stop when the most frequent pair occurs fewer times than this (default 2). */
  minPairCount?: number;
}

/** Merges in rank order, each a pair of token texts (byte characters). */
export type BpeMerges = ReadonlyArray<readonly [string, string]>;

interface Word {
  symbols: number[];
  count: number;
}

const SYMBOL_LIMIT = 1 << 20;
const pairKey = (left: number, right: number) => left * SYMBOL_LIMIT + right;

export function trainBpe(texts: Iterable<string>, options: BpeTrainingOptions): BpeMerges {
  const minPairCount = options.minPairCount ?? 2;
  const symbolTexts: string[] = BYTE_ORDER.map((byte) => BYTE_TO_CHAR[byte] ?? '');
  const symbolIds = new Map(symbolTexts.map((text, id) => [text, id]));
  const words = countWords(texts).map(([word, count]): Word => ({
    symbols: toByteChars(word).map((char) => symbolIds.get(char) ?? -1),
    count,
  }));

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wordIndex: number, sign: 1 | -1, touched: Set<number>) => {
    const { symbols, count } = words[wordIndex] as Word;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = pairKey(symbols[i] as number, symbols[i + 1] as number);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * count);
      touched.add(key);
      if (sign === 1) {
        let holders = pairWords.get(key);
        if (holders === undefined) pairWords.set(key, (holders = new Set()));
        holders.add(wordIndex);
      }
    }
  };
  const initial = new Set<number>();
  words.forEach((_, index) => addPairs(index, 1, initial));
  const queue = new PairQueue();
  for (const key of initial) queue.push(pairCounts.get(key) ?? 0, key);

  const merges: Array<readonly [string, string]> = [];
  while (merges.length < options.maxMerges) {
    const best = queue.popValid(pairCounts);
    if (best === undefined || best.count < minPairCount) break;
    const left = Math.floor(best.key / SYMBOL_LIMIT);
    const right = best.key % SYMBOL_LIMIT;
    const leftText = symbolTexts[left] ?? '';
    const rightText = symbolTexts[right] ?? '';
    merges.push([leftText, rightText]);
    // Two different merges can spell the same text ("a"+"bc", "ab"+"c"): one symbol for both,
    // as llama.cpp looks tokens up by text.
    const mergedText = leftText + rightText;
    let merged = symbolIds.get(mergedText);
    if (merged === undefined) {
      merged = symbolTexts.length;
      if (merged >= SYMBOL_LIMIT) throw new RangeError(`BPE training exceeded ${SYMBOL_LIMIT} symbols`);
      symbolTexts.push(mergedText);
      symbolIds.set(mergedText, merged);
    }
    const touched = new Set<number>();
    for (const wordIndex of pairWords.get(best.key) ?? []) {
      const word = words[wordIndex] as Word;
      if (!containsPair(word.symbols, left, right)) continue; // the word lost the pair to an earlier merge
      addPairs(wordIndex, -1, touched);
      word.symbols = mergePair(word.symbols, left, right, merged);
      addPairs(wordIndex, 1, touched);
    }
    pairWords.delete(best.key);
    for (const key of touched) queue.push(pairCounts.get(key) ?? 0, key);
  }
  return merges;
}

/** Word frequencies in first-seen order (a Map keeps insertion order: deterministic). */
function countWords(texts: Iterable<string>): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const word of pretokenize(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts];
}

function containsPair(symbols: readonly number[], left: number, right: number): boolean {
  for (let i = 0; i + 1 < symbols.length; i++) if (symbols[i] === left && symbols[i + 1] === right) return true;
  return false;
}

/** Left to right, non-overlapping: "a a a" merged on (a, a) is "aa a". */
export function mergePair(symbols: readonly number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i] as number);
    }
  }
  return out;
}

/**
 * A max-heap of (count, pair) with lazy deletion: a pair is pushed again whenever its count
 * changes, and entries whose count is no longer current are skipped when popped.
 */
class PairQueue {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  push(count: number, key: number): void {
    if (count <= 0) return;
    this.counts.push(count);
    this.keys.push(key);
    let child = this.counts.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(child, parent)) break;
      this.swap(child, parent);
      child = parent;
    }
  }

  popValid(current: ReadonlyMap<number, number>): { count: number; key: number } | undefined {
    while (this.counts.length > 0) {
      const count = this.counts[0] as number;
      const key = this.keys[0] as number;
      this.removeTop();
      if (current.get(key) === count) return { count, key };
    }
    return undefined;
  }

  /** Higher count first; on equal counts the smaller pair key (left symbol, then right). */
  private before(a: number, b: number): boolean {
    const countA = this.counts[a] as number;
    const countB = this.counts[b] as number;
    return countA !== countB ? countA > countB : (this.keys[a] as number) < (this.keys[b] as number);
  }

  private swap(a: number, b: number): void {
    [this.counts[a], this.counts[b]] = [this.counts[b] as number, this.counts[a] as number];
    [this.keys[a], this.keys[b]] = [this.keys[b] as number, this.keys[a] as number];
  }

  private removeTop(): void {
    const lastCount = this.counts.pop() as number;
    const lastKey = this.keys.pop() as number;
    if (this.counts.length === 0) return;
    this.counts[0] = lastCount;
    this.keys[0] = lastKey;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let top = parent;
      if (left < this.counts.length && this.before(left, top)) top = left;
      if (right < this.counts.length && this.before(right, top)) top = right;
      if (top === parent) return;
      this.swap(parent, top);
      parent = top;
    }
  }
}
