// The "knowledge" of the synthetic models: token-pair statistics of the corpus' answers,
// stored as a low-rank factorisation so that the embedding of the previous token, through the
// final norm and the output matrix, gives next-token logits close to the corpus' bigram
// log-probabilities. With the transformer blocks scaled down the model is, in effect, that
// bigram model: it writes corpus-like sentences and ends its turn with <|im_end|>, where the
// corpus' answers end.
//
// Greedy decoding of a bigram model follows one fixed chain from the last prompt token (the
// "\n" after "<|im_start|>assistant"): each token always has the same most likely successor,
// so a chain that repeats a token loops forever. The chain is therefore pinned to a chosen
// reply with no repeated token, ending in <|im_end|>: on each of its rows the successor on the
// reply is raised until it wins by a margin. Sampling still follows the corpus statistics
// (with the reply's transitions favoured).
import { IM_END, type ByteLevelBpeTokenizer } from '../tokenizer/index.ts';
import type { CorpusEntry } from './corpus.ts';
import { factorizeLowRank, type LowRankFactors, type SparseMatrix } from './low-rank.ts';

/** The token that ends the prompt and so starts every reply: the newline after "assistant". */
export const REPLY_START_TOKEN_TEXT = 'Ċ';

/** Log-odds of a seen successor over an unseen one, before the log-probability: log(n) + this. */
const SEEN_SUCCESSOR_BONUS = 5;
/** Logit offset of tokens that never follow anything in the answers (control tokens, unused bytes). */
const NEVER_SUCCESSOR_LOGIT = -10;

export interface BigramStatistics {
  vocabularySize: number;
  /** Per token id, its row and column in `matrix` if it occurs in the answers, else -1. */
  activeIndex: Int32Array;
  /** Shifted log-probabilities of the observed pairs, over active indices. */
  matrix: SparseMatrix;
  /** Per token id: whether it ever follows another token in the answers. */
  seenAsSuccessor: Uint8Array;
}

export function countBigrams(tokenizer: ByteLevelBpeTokenizer, entries: readonly CorpusEntry[]): BigramStatistics {
  const start = requireToken(tokenizer, REPLY_START_TOKEN_TEXT);
  const end = tokenizer.controlId(IM_END);
  const vocabularySize = tokenizer.vocabularySize;
  const pairCounts = new Map<number, number>();
  const rowTotals = new Float64Array(vocabularySize);
  const seen = new Uint8Array(vocabularySize);
  for (const { answer } of entries) {
    const sequence = [start, ...tokenizer.encode(answer), end];
    for (let i = 0; i + 1 < sequence.length; i++) {
      const previous = sequence[i] as number;
      const next = sequence[i + 1] as number;
      const key = previous * vocabularySize + next;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
      rowTotals[previous] = (rowTotals[previous] as number) + 1;
      seen[previous] = 1;
      seen[next] = 1;
    }
  }
  const activeIndex = new Int32Array(vocabularySize).fill(-1);
  let activeCount = 0;
  seen.forEach((flag, id) => {
    if (flag === 1) activeIndex[id] = activeCount++;
  });

  const keys = [...pairCounts.keys()].sort((a, b) => a - b);
  const rows = new Int32Array(keys.length);
  const cols = new Int32Array(keys.length);
  const values = new Float64Array(keys.length);
  const seenAsSuccessor = new Uint8Array(vocabularySize);
  const bonus = Math.log(activeCount) + SEEN_SUCCESSOR_BONUS;
  keys.forEach((key, e) => {
    const previous = Math.floor(key / vocabularySize);
    const next = key % vocabularySize;
    rows[e] = activeIndex[previous] as number;
    cols[e] = activeIndex[next] as number;
    values[e] = Math.log((pairCounts.get(key) as number) / (rowTotals[previous] as number)) + bonus;
    seenAsSuccessor[next] = 1;
  });
  return {
    vocabularySize,
    activeIndex,
    matrix: { size: activeCount, rows, cols, values },
    seenAsSuccessor,
  };
}

/**
 * Input and output vectors with logits(previous = a)[b] = input[a] · output[b]. Components:
 * [0, rank) the factorisation; rank: a constant 1 on the input side, a per-token offset on the
 * output side; then one component per pinned transition of the reply.
 */
export interface BigramEmbedding {
  width: number;
  /** Row-major vocabularySize x width. */
  input: Float64Array;
  /** Row-major vocabularySize x width. */
  output: Float64Array;
}

export interface PinnedReply {
  /** Token ids of the reply, without the start token and without <|im_end|>; none may repeat. */
  tokens: readonly number[];
  /** How much the pinned successor must beat every other token by, in logits. */
  margin: number;
}

/** The rank-k factorisation of the statistics (the expensive part: shared by models of equal rank). */
export function factorizeBigrams(statistics: BigramStatistics, rank: number): LowRankFactors {
  return factorizeLowRank(statistics.matrix, rank, { seed: 0x5eed, powerIterations: 1 });
}

/** Components a pinned reply needs: one per transition, including the one into <|im_end|>. */
export function pinnedComponents(pinned: PinnedReply): number {
  return pinned.tokens.length + 1;
}

export function buildBigramEmbedding(
  statistics: BigramStatistics,
  factors: LowRankFactors,
  pinned: PinnedReply,
  startToken: number,
  endToken: number,
): BigramEmbedding {
  const { vocabularySize, activeIndex } = statistics;
  const { rank } = factors;
  const width = rank + 1 + pinnedComponents(pinned);
  const input = new Float64Array(vocabularySize * width);
  const output = new Float64Array(vocabularySize * width);
  const startIndex = activeIndex[startToken] as number;
  for (let token = 0; token < vocabularySize; token++) {
    // A token never seen before another one (the end of turn, question-only words) borrows
    // the reply start's distribution: after it, the model begins an answer-like sentence.
    const index = activeIndex[token] as number;
    const rowSource = index >= 0 ? index : startIndex;
    input.set(factors.left.subarray(rowSource * rank, rowSource * rank + rank), token * width);
    input[token * width + rank] = 1;
    if (index >= 0) output.set(factors.right.subarray(index * rank, index * rank + rank), token * width);
    output[token * width + rank] = statistics.seenAsSuccessor[token] === 1 ? 0 : NEVER_SUCCESSOR_LOGIT;
  }

  // Pinning: transition i (a -> b) gets its own component p, non-zero only in input[a] and
  // output[b]. It raises exactly one logit, b's after a, by the amount b lacks to win by the
  // margin; every other logit of every row is untouched (the reply's tokens are distinct, so
  // no row holds two pins). The input side gets the longest row length so far, so the pins do
  // not dominate the rows' common length (see model.ts), and the output side the rest.
  let longest = 0;
  for (let token = 0; token < vocabularySize; token++) longest = Math.max(longest, rowLength(input, token, width));
  const chain = [startToken, ...pinned.tokens, endToken];
  const logits = new Float64Array(vocabularySize);
  for (let i = 0; i + 1 < chain.length; i++) {
    const previous = chain[i] as number;
    const next = chain[i + 1] as number;
    rowLogits(input, output, previous, width, logits);
    let rival = -Infinity;
    for (let token = 0; token < vocabularySize; token++) if (token !== next) rival = Math.max(rival, logits[token] as number);
    const missing = pinned.margin - ((logits[next] as number) - rival);
    if (missing <= 0) continue;
    const component = rank + 1 + i;
    input[previous * width + component] = longest;
    output[next * width + component] = missing / longest;
  }
  return { width, input, output };
}

function rowLength(matrix: Float64Array, row: number, width: number): number {
  let sum = 0;
  for (let j = 0; j < width; j++) sum += (matrix[row * width + j] as number) ** 2;
  return Math.sqrt(sum);
}

function rowLogits(input: Float64Array, output: Float64Array, previous: number, width: number, into: Float64Array): void {
  const row = previous * width;
  for (let token = 0; token < into.length; token++) {
    let sum = 0;
    const column = token * width;
    for (let j = 0; j < width; j++) sum += (input[row + j] as number) * (output[column + j] as number);
    into[token] = sum;
  }
}

function requireToken(tokenizer: ByteLevelBpeTokenizer, text: string): number {
  const id = tokenizer.tokenId(text);
  if (id === undefined) throw new Error(`the tokenizer has no token ${JSON.stringify(text)}`);
  return id;
}
