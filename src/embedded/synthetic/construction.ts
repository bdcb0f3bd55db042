// The constructed part of a synthetic model: the embedding, the output matrix, one attention
// head and a few feed-forward units of the first block. Everything else is seeded random
// weights scaled down (model.ts), there for the compute they cost, not for what they say.
//
// The residual stream (width d) is split into named dimensions (Layout). Every token's
// embedding has RMS 1, so the first RMS norm changes nothing, and holds:
// - successor: one dimension ("slot") per answer chunk and one for <|im_end|>. A chunk's
//   embedding holds the slot of the token that follows it in its answer; every other token
//   holds the slot of the default answer's first chunk. The output matrix reads slot i into
//   the logit of token i only, so the next token is the slot the stream holds: a chain.
// - bias: a constant; prompt: set on every token that is not an answer chunk;
//   keyStrength and ownTopic: set on topic keywords (their score, and their topic).
// - topic: what the topic head found in the prompt; padding: brings the RMS to 1.
//
// Block 0, head 0, the topic head: its query is a constant and a key is the keyword's score,
// both in the head's last rotary pair, which a huge rope.freq_base leaves unrotated at any
// position: so attention goes to the keywords wherever they stand, and each keyword's topic
// (its value) arrives in `topic` weighted by softmax share. With no keyword in the prompt the
// shares go to tokens whose value is zero and `topic` stays empty.
//
// Block 0, feed-forward: two units per topic detect "this is a prompt token and topic k holds
// more than half of the attention" (a SiLU gate that opens past that threshold; the second
// unit, shifted, caps the output, so a clear majority and a bare one write the same amount)
// and move the stream's successor from the default answer's first chunk to topic k's. Answer
// chunks are far below the threshold, so once the reply has started it follows its chain.
import { IM_END } from '../tokenizer/index.ts';
import { DEFAULT_ANSWER, TOPICS, type ModelAnswers } from './answers/index.ts';
import type { SharedVocabulary, ModelVocabulary } from './vocabulary.ts';

/** Each component's share of a row of RMS 1, in units of sqrt(d). */
const BIAS = 0.25;
const PROMPT = 0.25;
const KEY_STRENGTH = 0.25;
const OWN_TOPIC = 0.25;
const SUCCESSOR = 0.7;
/** The topic head's output: small, so it hardly changes the stream's RMS. */
const TOPIC = 0.1;
/** The next token's logit; every other token's is 0. */
const NEXT_TOKEN_LOGIT = 30;
/** The topic head's query, in its last rotary dimension. */
const QUERY = 8;
/** Gate slope: at a 0.55 share the gate is 5, fully open. */
const GATE_SLOPE = 100;
/** How far below the threshold an answer chunk's gate is, in gate units per unit of slope. */
const CHUNK_GATE_OFFSET = 2;
/** The cap on a unit pair's output, in gate units. */
const GATE_CAP = 4;

export interface Layout {
  width: number;
  /** Dimensions [0, successorSlots): one per answer chunk, then one for <|im_end|>. */
  successorSlots: number;
  bias: number;
  prompt: number;
  keyStrength: number;
  /** ownTopic + k: the token is a keyword of topic k. */
  ownTopic: number;
  /** topic + k: the topic head's weight on topic k. */
  topic: number;
  padding: number;
}

export function layoutFor(width: number, successorSlots: number): Layout {
  const topics = TOPICS.length;
  const reserved = 4 + 2 * topics;
  if (successorSlots + reserved > width) {
    throw new RangeError(`${successorSlots} answer tokens need ${successorSlots + reserved} dimensions; the model has ${width}: shorten the answers`);
  }
  const first = width - reserved;
  return {
    width,
    successorSlots,
    bias: first,
    prompt: first + 1,
    keyStrength: first + 2,
    ownTopic: first + 3,
    topic: first + 3 + topics,
    padding: first + 3 + 2 * topics,
  };
}

/** Sparse changes to one weight matrix of rows x columns (ggml: `columns` varies fastest). */
export interface MatrixPatch {
  /** Rows and columns set to zero before `entries` are written. */
  clearRows: readonly number[];
  clearColumns: readonly number[];
  entries: ReadonlyArray<readonly [row: number, column: number, value: number]>;
}

export interface Construction {
  layout: Layout;
  tokenEmbedding: () => Float32Array;
  output: () => Float32Array;
  /** Block 0's constructed head and units, by tensor name suffix (`attn_q`, ...). */
  firstBlock: Readonly<Record<'attn_q' | 'attn_k' | 'attn_v' | 'attn_output' | 'ffn_gate' | 'ffn_up' | 'ffn_down', MatrixPatch>>;
}

export function construct(
  shared: SharedVocabulary,
  vocabulary: ModelVocabulary,
  answers: ModelAnswers,
  shape: { width: number; headDimension: number; feedForwardLength: number },
): Construction {
  const { tokenizer, answerTokens, firstChunkToken } = vocabulary;
  const vocabularySize = tokenizer.vocabularySize;
  const chunkCount = vocabularySize - firstChunkToken;
  const endSlot = chunkCount;
  const layout = layoutFor(shape.width, chunkCount + 1);
  const root = Math.sqrt(shape.width);
  const slotOf = (token: number) => (token === tokenizer.controlId(IM_END) ? endSlot : token - firstChunkToken);

  const successor = new Int32Array(vocabularySize);
  const firstTokenOf = (key: string) => {
    const tokens = answerTokens.get(key);
    if (tokens === undefined || tokens.length === 0) throw new Error(`the model has no answer for ${key}`);
    return tokens[0] as number;
  };
  const defaultFirst = firstTokenOf(DEFAULT_ANSWER);
  successor.fill(slotOf(defaultFirst));
  for (const tokens of answerTokens.values()) {
    tokens.forEach((token, index) => {
      successor[token] = index + 1 < tokens.length ? slotOf(tokens[index + 1] as number) : endSlot;
    });
  }
  const topScore = Math.max(...[...shared.keywords.values()].map((keyword) => keyword.score));

  const tokenEmbedding = () => {
    const values = new Float32Array(vocabularySize * shape.width);
    for (let token = 0; token < vocabularySize; token++) {
      const row = token * shape.width;
      const set = (dimension: number, share: number) => (values[row + dimension] = share * root);
      set(successor[token] as number, SUCCESSOR);
      set(layout.bias, BIAS);
      let squares = SUCCESSOR ** 2 + BIAS ** 2;
      if (token < firstChunkToken) {
        set(layout.prompt, PROMPT);
        squares += PROMPT ** 2;
        const keyword = shared.keywords.get(token);
        if (keyword !== undefined) {
          set(layout.keyStrength, (KEY_STRENGTH * keyword.score) / topScore);
          set(layout.ownTopic + keyword.topic, OWN_TOPIC);
          squares += (KEY_STRENGTH * keyword.score / topScore) ** 2 + OWN_TOPIC ** 2;
        }
      }
      set(layout.padding, Math.sqrt(1 - squares));
    }
    return values;
  };

  const outputScale = NEXT_TOKEN_LOGIT / (SUCCESSOR * root);
  const output = () => {
    const values = new Float32Array(vocabularySize * shape.width);
    for (let token = firstChunkToken; token < vocabularySize; token++) values[token * shape.width + slotOf(token)] = outputScale;
    values[tokenizer.controlId(IM_END) * shape.width + endSlot] = outputScale;
    return values;
  };

  return { layout, tokenEmbedding, output, firstBlock: firstBlockPatches(layout, shape, root, topScore, (key) => slotOf(firstTokenOf(key)), answers) };
}

function firstBlockPatches(
  layout: Layout,
  shape: { width: number; headDimension: number; feedForwardLength: number },
  root: number,
  topScore: number,
  firstSlotOf: (key: string) => number,
  answers: ModelAnswers,
): Construction['firstBlock'] {
  const head = Array.from({ length: shape.headDimension }, (_, index) => index);
  const rotaryLast = shape.headDimension - 2;
  const topics = TOPICS.length;
  // llama.cpp scales scores by 1/sqrt(head dimension): the key carries that factor back.
  const keyScale = (topScore * Math.sqrt(shape.headDimension)) / QUERY / (KEY_STRENGTH * root);
  const onlyHead = (entries: MatrixPatch['entries']): MatrixPatch => ({ clearRows: head, clearColumns: [], entries });

  const units = Array.from({ length: 2 * topics }, (_, index) => index);
  if (units.length > shape.feedForwardLength) throw new RangeError(`${units.length} topic units do not fit in ${shape.feedForwardLength}`);
  const gate: Array<readonly [number, number, number]> = [];
  const up: Array<readonly [number, number, number]> = [];
  const down: Array<readonly [number, number, number]> = [];
  const defaultSlot = firstSlotOf(DEFAULT_ANSWER);
  const moved = (SUCCESSOR * root) / GATE_CAP;
  TOPICS.forEach((topic, k) => {
    if (answers.answers[topic.prompt] === undefined) throw new Error(`the model has no answer for ${topic.prompt}`);
    const topicSlot = firstSlotOf(topic.prompt);
    const chunkOffset = CHUNK_GATE_OFFSET * GATE_SLOPE;
    for (const [unit, cap] of [[2 * k, 0], [2 * k + 1, GATE_CAP]] as const) {
      gate.push(
        [unit, layout.topic + k, GATE_SLOPE / (TOPIC * root)],
        [unit, layout.prompt, chunkOffset / (PROMPT * root)],
        [unit, layout.bias, (-chunkOffset - GATE_SLOPE / 2 - cap) / (BIAS * root)],
      );
      up.push([unit, layout.bias, 1 / (BIAS * root)]);
      const sign = cap === 0 ? 1 : -1;
      down.push([topicSlot, unit, sign * moved], [defaultSlot, unit, -sign * moved]);
    }
  });

  return {
    attn_q: onlyHead([[rotaryLast, layout.bias, QUERY / (BIAS * root)]]),
    attn_k: onlyHead([[rotaryLast, layout.keyStrength, keyScale]]),
    attn_v: onlyHead(Array.from({ length: topics }, (_, k) => [k, layout.ownTopic + k, 1 / (OWN_TOPIC * root)] as const)),
    attn_output: { clearRows: [], clearColumns: head, entries: Array.from({ length: topics }, (_, k) => [layout.topic + k, k, TOPIC * root] as const) },
    ffn_gate: { clearRows: units, clearColumns: [], entries: gate },
    ffn_up: { clearRows: units, clearColumns: [], entries: up },
    ffn_down: { clearRows: [], clearColumns: units, entries: down },
  };
}
