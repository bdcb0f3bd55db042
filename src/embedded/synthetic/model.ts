// Assembles a synthetic llama model: the vocabulary (shared, plus the model's answer chunks),
// the constructed embedding, output matrix and topic head (construction.ts), and seeded random
// weights everywhere else, scaled down so they cost their compute without changing the answer.
// Pure: it returns the GGUF contents, with tensors produced lazily while the file is written.
import { float32ToFloat16Bits } from '../gguf/float16.ts';
import { gguf, type GgufFileContents, type GgufTensor, type GgufTensorValues } from '../gguf/writer.ts';
import { PLANTED_ANSWERS } from './answers/index.ts';
import { construct, type MatrixPatch } from './construction.ts';
import { SeededRandom } from './random.ts';
import type { SyntheticModelSpec } from './specs.ts';
import type { ModelVocabulary, SharedVocabulary } from './vocabulary.ts';

/**
 * Large enough that the last rotary pairs of a head do not turn at any position of the context
 * (base^(-62/64) radians a position for the last pair of a 64-dimension head), which the topic
 * head relies on; the random heads do not care.
 */
const ROPE_FREQ_BASE = 1e12;
const RMS_NORM_EPSILON = 1e-5;
/** llama.cpp's general.file_type values. */
const FILE_TYPE = { F32: 0, F16: 1 } as const;

export interface SyntheticModelContents {
  contents: GgufFileContents;
  parameters: number;
  vocabulary: ModelVocabulary;
}

export function buildSyntheticModel(spec: SyntheticModelSpec, shared: SharedVocabulary): SyntheticModelContents {
  const d = spec.embeddingLength;
  const ff = spec.feedForwardLength;
  if (d % spec.headCount !== 0) throw new RangeError(`${spec.alias}: ${d} dimensions do not split into ${spec.headCount} heads`);
  const answers = PLANTED_ANSWERS[spec.alias];
  const vocabulary = shared.forModel(answers);
  const vocabularySize = vocabulary.tokenizer.vocabularySize;
  const construction = construct(shared, vocabulary, answers, { width: d, headDimension: d / spec.headCount, feedForwardLength: ff });

  const random = (name: string, rows: number, columns: number, scale: number, patch?: MatrixPatch) => (): GgufTensorValues => {
    const generator = new SeededRandom(tensorSeed(spec, name));
    const length = rows * columns;
    if (spec.weightType === 'F16') {
      const halves = new Uint16Array(length);
      generator.fillUniformFloat16(halves, scale);
      if (patch !== undefined) applyPatch(halves, columns, patch, float32ToFloat16Bits);
      return halves;
    }
    const values = new Float32Array(length);
    generator.fillUniform(values, scale);
    if (patch !== undefined) applyPatch(values, columns, patch, Math.fround);
    return values;
  };
  // Uniform weights: std 1/sqrt(fan-in) for the projections that read the residual stream,
  // and for the two that write to it a std that makes each block add about blockScale RMS.
  const readScale = Math.sqrt(3 / d);
  const attentionWriteScale = Math.sqrt(3) * spec.blockScale / Math.sqrt(d);
  const ffnWriteScale = (Math.sqrt(3) * 2 * spec.blockScale) / Math.sqrt(ff);
  const tensors: GgufTensor[] = [{ name: 'token_embd.weight', type: spec.weightType, dimensions: [d, vocabularySize], data: construction.tokenEmbedding }];
  const ones = (length: number) => () => new Float32Array(length).fill(1);
  for (let block = 0; block < spec.blockCount; block++) {
    const name = (part: string) => `blk.${block}.${part}.weight`;
    const patch = (part: keyof typeof construction.firstBlock) => (block === 0 ? construction.firstBlock[part] : undefined);
    tensors.push(
      { name: name('attn_norm'), type: 'F32', dimensions: [d], data: ones(d) },
      { name: name('attn_q'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_q'), d, d, readScale, patch('attn_q')) },
      { name: name('attn_k'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_k'), d, d, readScale, patch('attn_k')) },
      { name: name('attn_v'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_v'), d, d, readScale, patch('attn_v')) },
      { name: name('attn_output'), type: spec.weightType, dimensions: [d, d], data: random(name('attn_output'), d, d, attentionWriteScale, patch('attn_output')) },
      { name: name('ffn_norm'), type: 'F32', dimensions: [d], data: ones(d) },
      { name: name('ffn_gate'), type: spec.weightType, dimensions: [d, ff], data: random(name('ffn_gate'), ff, d, readScale, patch('ffn_gate')) },
      { name: name('ffn_up'), type: spec.weightType, dimensions: [d, ff], data: random(name('ffn_up'), ff, d, readScale, patch('ffn_up')) },
      { name: name('ffn_down'), type: spec.weightType, dimensions: [ff, d], data: random(name('ffn_down'), d, ff, ffnWriteScale, patch('ffn_down')) },
    );
  }
  tensors.push(
    { name: 'output_norm.weight', type: 'F32', dimensions: [d], data: ones(d) },
    { name: 'output.weight', type: spec.weightType, dimensions: [d, vocabularySize], data: construction.output },
  );
  const parameters = tensors.reduce((sum, tensor) => sum + tensor.dimensions.reduce((product, size) => product * size, 1), 0);

  return {
    parameters,
    vocabulary,
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
        ...vocabulary.tokenizer.ggufMetadata(),
      ],
      tensors,
    },
  };
}

/** Writes a patch into a row-major matrix of `columns` columns, values converted by `encode`. */
function applyPatch<T extends Float32Array | Uint16Array>(matrix: T, columns: number, patch: MatrixPatch, encode: (value: number) => number): void {
  const zero = encode(0);
  for (const row of patch.clearRows) matrix.fill(zero, row * columns, (row + 1) * columns);
  const rows = matrix.length / columns;
  for (const column of patch.clearColumns) for (let row = 0; row < rows; row++) matrix[row * columns + column] = zero;
  for (const [row, column, value] of patch.entries) matrix[row * columns + column] = encode(value);
}

/** FNV-1a of "alias/tensor", mixed with the model's seed: each tensor its own stream. */
function tensorSeed(spec: SyntheticModelSpec, tensorName: string): number {
  let hash = 0x811c9dc5 ^ spec.seed;
  for (const char of `${spec.alias}/${tensorName}`) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return hash;
}
