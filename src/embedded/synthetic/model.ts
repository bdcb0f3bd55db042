// Assembles a synthetic llama model: the tokenizer and bigram statistics learned from the
// corpus, the bigram factorisation in token_embd/output, and seeded random transformer blocks
// whose contribution to the residual stream is scaled down so the bigram survives them.
// Pure: it returns the GGUF contents, with tensors produced lazily while the file is written.
import { gguf, type GgufFileContents, type GgufTensor } from '../gguf/writer.ts';
import { ByteLevelBpeTokenizer, IM_END, trainBpe } from '../tokenizer/index.ts';
import {
  buildBigramEmbedding,
  countBigrams,
  factorizeBigrams,
  pinnedComponents,
  REPLY_START_TOKEN_TEXT,
  type BigramStatistics,
} from './bigram.ts';
import type { Corpus } from './corpus.ts';
import type { LowRankFactors } from './low-rank.ts';
import { SeededRandom } from './random.ts';
import type { SyntheticModelSpec } from './specs.ts';

/** Every merge the corpus supports (pairs seen at least twice). */
const MAX_MERGES = 65_536;
/** The pinned reply's successor beats every other token by this many logits. */
const PINNED_MARGIN = 2;
const ROPE_FREQ_BASE = 10_000;
const RMS_NORM_EPSILON = 1e-5;
/** llama.cpp's general.file_type values. */
const FILE_TYPE = { F32: 0, F16: 1 } as const;

/** What the corpus teaches, shared by the three models. */
export class SyntheticVocabulary {
  readonly tokenizer: ByteLevelBpeTokenizer;
  readonly statistics: BigramStatistics;
  readonly corpusSha256: string;
  private readonly factorizations = new Map<number, LowRankFactors>();

  constructor(corpus: Corpus) {
    this.tokenizer = new ByteLevelBpeTokenizer(
      trainBpe(
        // The text of each turn as ChatML shows it to the model (the control tokens are not
        // text): the role names become tokens too.
        corpus.entries.flatMap(({ question, answer }) => [`user\n${question}`, `assistant\n${answer}`]),
        { maxMerges: MAX_MERGES },
      ),
    );
    this.statistics = countBigrams(this.tokenizer, corpus.entries);
    this.corpusSha256 = corpus.sha256;
  }

  factorization(rank: number): LowRankFactors {
    let factors = this.factorizations.get(rank);
    if (factors === undefined) {
      factors = factorizeBigrams(this.statistics, rank);
      this.factorizations.set(rank, factors);
    }
    return factors;
  }
}

export interface SyntheticModelContents {
  contents: GgufFileContents;
  parameters: number;
}

export function buildSyntheticModel(spec: SyntheticModelSpec, vocabulary: SyntheticVocabulary): SyntheticModelContents {
  const { tokenizer } = vocabulary;
  const d = spec.embeddingLength;
  const ff = spec.feedForwardLength;
  const vocabularySize = tokenizer.vocabularySize;
  if (d % spec.headCount !== 0) throw new RangeError(`${spec.alias}: ${d} dimensions do not split into ${spec.headCount} heads`);

  const start = tokenizer.tokenId(REPLY_START_TOKEN_TEXT) as number;
  const end = tokenizer.controlId(IM_END);
  const reply = pinnedReplyTokens(spec, vocabulary, start, end);
  const needed = spec.bigramRank + 1 + pinnedComponents({ tokens: reply, margin: PINNED_MARGIN }) + 1;
  if (needed > d) {
    throw new RangeError(`${spec.alias}: rank ${spec.bigramRank}, the reply's ${reply.length + 1} pins and 2 more components need ${needed} dimensions, the model has ${d}`);
  }
  const { token_embd, output } = embeddingTensors(spec, vocabulary, reply, start, end);

  const tensors: GgufTensor[] = [{ name: 'token_embd.weight', type: spec.weightType, dimensions: [d, vocabularySize], data: token_embd }];
  const ones = (length: number) => () => new Float32Array(length).fill(1);
  const random = (name: string, length: number, scale: number) => () => {
    const generator = new SeededRandom(tensorSeed(spec, name));
    if (spec.weightType === 'F16') {
      const halves = new Uint16Array(length);
      generator.fillUniformFloat16(halves, scale);
      return halves;
    }
    const values = new Float32Array(length);
    generator.fillUniform(values, scale);
    return values;
  };
  // Uniform weights: std 1/sqrt(fan-in) for the projections that read the residual stream,
  // and for the two that write to it a std that makes each block add about blockScale RMS.
  const readScale = Math.sqrt(3 / d);
  const attentionWriteScale = Math.sqrt(3) * spec.blockScale / Math.sqrt(d);
  const ffnWriteScale = (Math.sqrt(3) * 2 * spec.blockScale) / Math.sqrt(ff);
  for (let block = 0; block < spec.blockCount; block++) {
    const name = (part: string) => `blk.${block}.${part}.weight`;
    tensors.push(
      { name: name('attn_norm'), type: 'F32', dimensions: [d], data: ones(d) },
      { name: name('attn_q'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_q'), d * d, readScale) },
      { name: name('attn_k'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_k'), d * d, readScale) },
      { name: name('attn_v'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_v'), d * d, readScale) },
      { name: name('attn_output'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_output'), d * d, attentionWriteScale) },
      { name: name('ffn_norm'), type: 'F32', dimensions: [d], data: ones(d) },
      { name: name('ffn_gate'), type: spec.weightType, dimensions: [d, ff], data: random(name('ffn_gate'), d * ff, readScale) },
      { name: name('ffn_up'), type: spec.weightType, dimensions: [d, ff], data: random(name('ffn_up'), d * ff, readScale) },
      { name: name('ffn_down'), type: spec.weightType, dimensions: [ff, d], data: random(name('ffn_down'), ff * d, ffnWriteScale) },
    );
  }
  tensors.push(
    { name: 'output_norm.weight', type: 'F32', dimensions: [d], data: ones(d) },
    { name: 'output.weight', type: spec.weightType, dimensions: [d, vocabularySize], data: output },
  );
  const parameters = tensors.reduce((sum, tensor) => sum + tensor.dimensions.reduce((product, size) => product * size, 1), 0);

  return {
    parameters,
    contents: {
      metadata: [
        ['general.architecture', gguf.string('llama')],
        ['general.name', gguf.string(spec.alias)],
        ['general.description', gguf.string(spec.description)],
        ['general.license', gguf.string('MIT')],
        ['general.file_type', gguf.u32(FILE_TYPE[spec.weightType])],
        ['llama.vocab_size', gguf.u32(vocabularySize)],
        ['llama.context_length', gguf.u32(spec.contextLength)],
        ['llama.embedding_length', gguf.u32(d)],
        ['llama.block_count', gguf.u32(spec.blockCount)],
        ['llama.feed_forward_length', gguf.u32(ff)],
        ['llama.attention.head_count', gguf.u32(spec.headCount)],
        ['llama.attention.head_count_kv', gguf.u32(spec.headCount)],
        ['llama.rope.dimension_count', gguf.u32(d / spec.headCount)],
        ['llama.rope.freq_base', gguf.f32(ROPE_FREQ_BASE)],
        ['llama.attention.layer_norm_rms_epsilon', gguf.f32(RMS_NORM_EPSILON)],
        ...tokenizer.ggufMetadata(),
      ],
      tensors,
    },
  };
}

/** The reply's tokens, checked: each must be a seen successor and none may repeat (or greedy decoding would loop). */
function pinnedReplyTokens(spec: SyntheticModelSpec, vocabulary: SyntheticVocabulary, start: number, end: number): number[] {
  const { tokenizer, statistics } = vocabulary;
  const tokens = tokenizer.encode(spec.greedyReply);
  const seen = new Set([start, end]);
  for (const token of tokens) {
    const text = JSON.stringify(tokenizer.decode([token]));
    if (seen.has(token)) throw new Error(`${spec.alias}: the greedy reply repeats the token ${text}; a bigram model would loop on it`);
    if (statistics.seenAsSuccessor[token] !== 1) throw new Error(`${spec.alias}: the greedy reply's token ${text} never occurs in the corpus answers`);
    seen.add(token);
  }
  return tokens;
}

/**
 * token_embd and output from the bigram embedding. Each input row is padded to the same length
 * R with one extra component, then scaled to RMS 1: the final RMS norm, which would otherwise
 * erase each row's length, is then a no-op, and output rows are scaled by R/sqrt(d) so the
 * logits are exactly input · output.
 */
function embeddingTensors(
  spec: SyntheticModelSpec,
  vocabulary: SyntheticVocabulary,
  reply: readonly number[],
  start: number,
  end: number,
): { token_embd: () => Float32Array; output: () => Float32Array } {
  const d = spec.embeddingLength;
  const vocabularySize = vocabulary.tokenizer.vocabularySize;
  const embedding = buildBigramEmbedding(
    vocabulary.statistics,
    vocabulary.factorization(spec.bigramRank),
    { tokens: reply, margin: PINNED_MARGIN },
    start,
    end,
  );
  const { width } = embedding;
  const squaredNorms = new Float64Array(vocabularySize);
  let longest = 0;
  for (let token = 0; token < vocabularySize; token++) {
    let sum = 0;
    for (let j = 0; j < width; j++) sum += (embedding.input[token * width + j] as number) ** 2;
    squaredNorms[token] = sum;
    longest = Math.max(longest, sum);
  }
  const length = Math.sqrt(longest);
  const inputScale = Math.sqrt(d) / length;
  const outputScale = length / Math.sqrt(d);
  return {
    token_embd: () => {
      const values = new Float32Array(d * vocabularySize);
      for (let token = 0; token < vocabularySize; token++) {
        for (let j = 0; j < width; j++) values[token * d + j] = (embedding.input[token * width + j] as number) * inputScale;
        values[token * d + width] = Math.sqrt(Math.max(0, longest - (squaredNorms[token] as number))) * inputScale;
      }
      return values;
    },
    output: () => {
      const values = new Float32Array(d * vocabularySize);
      for (let token = 0; token < vocabularySize; token++) {
        for (let j = 0; j < width; j++) values[token * d + j] = (embedding.output[token * width + j] as number) * outputScale;
      }
      return values;
    },
  };
}

/** FNV-1a of "alias/tensor", mixed with the model's seed: each tensor its own stream. */
function tensorSeed(spec: SyntheticModelSpec, tensorName: string): number {
  let hash = 0x811c9dc5 ^ spec.seed;
  for (const char of `${spec.alias}/${tensorName}`) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return hash;
}
