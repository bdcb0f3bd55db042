// The byte-level BPE vocabulary of the synthetic models: 256 byte tokens in GPT-2 order, one
// token per merge result, the ChatML control tokens, then any extra tokens a model adds (its
// answer chunks: ordinary tokens that encoding never produces, because no merge builds them).
// The encoder reproduces llama.cpp's "gpt2" tokenizer (GPT-2 pre-tokenizer, then merges
// applied lowest rank first, leftmost on ties), so counts taken with it are counts of the
// tokens the model will see.
import { gguf, type GgufMetadataValue } from '../gguf/writer.ts';
import { BYTE_ORDER, BYTE_TO_CHAR, byteCharsToBytes, toByteChars } from './byte-level.ts';
import type { BpeMerges } from './bpe-trainer.ts';
import { CHATML_TEMPLATE } from './chat-template.ts';
import { pretokenize } from './pretokenize.ts';

const utf8 = new TextEncoder();

export const END_OF_TEXT = '<|endoftext|>';
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
export const CONTROL_TOKENS = [END_OF_TEXT, IM_START, IM_END] as const;

/** llama.cpp's token types (llama_token_type). */
export const TokenType = { normal: 1, control: 3 } as const;

export interface EncodeOptions {
  /** Turn control-token text such as "<|im_end|>" into the control token (default false, like llama.cpp). */
  parseControlTokens?: boolean;
}

export class ByteLevelBpeTokenizer {
  readonly tokens: readonly string[];
  readonly tokenTypes: readonly number[];
  readonly merges: BpeMerges;
  private readonly ids: ReadonlyMap<string, number>;
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly controlIds: ReadonlyMap<string, number>;
  private readonly controlPattern: RegExp;
  private readonly wordCache = new Map<string, readonly number[]>();

  /**
   * @param extraTokens texts (in byte characters) of ordinary tokens appended after the control
   *   tokens; each must differ from every other token, as llama.cpp looks tokens up by text.
   */
  constructor(merges: BpeMerges, extraTokens: readonly string[] = []) {
    const tokens: string[] = BYTE_ORDER.map((byte) => BYTE_TO_CHAR[byte] ?? '');
    const ids = new Map(tokens.map((text, id) => [text, id]));
    for (const [left, right] of merges) {
      const text = left + right;
      if (!ids.has(text)) {
        ids.set(text, tokens.length);
        tokens.push(text);
      }
    }
    const controlIds = new Map<string, number>();
    for (const control of CONTROL_TOKENS) {
      controlIds.set(control, tokens.length);
      tokens.push(control);
    }
    const firstExtra = tokens.length;
    for (const text of extraTokens) {
      if (ids.has(text) || controlIds.has(text)) throw new Error(`the extra token ${JSON.stringify(text)} duplicates a token of the vocabulary`);
      if (byteCharsToBytes(text) === undefined) throw new Error(`the extra token ${JSON.stringify(text)} is not byte-level text`);
      ids.set(text, tokens.length);
      tokens.push(text);
    }
    this.tokens = tokens;
    this.tokenTypes = tokens.map((_, id) => (id >= firstExtra - CONTROL_TOKENS.length && id < firstExtra ? TokenType.control : TokenType.normal));
    this.merges = merges;
    this.ids = ids;
    this.ranks = new Map(merges.map(([left, right], rank) => [pairText(left, right), rank]));
    this.controlIds = controlIds;
    this.controlPattern = new RegExp(`(${CONTROL_TOKENS.map(escapeRegExp).join('|')})`);
  }

  get vocabularySize(): number {
    return this.tokens.length;
  }

  /** The id of a control token. */
  controlId(token: (typeof CONTROL_TOKENS)[number]): number {
    const id = this.controlIds.get(token);
    if (id === undefined) throw new Error(`${token} is not a control token of this tokenizer`);
    return id;
  }

  /** The id of a normal token given as its text in byte characters ("Ċ" is the newline). */
  tokenId(tokenText: string): number | undefined {
    return this.ids.get(tokenText);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const parts = options.parseControlTokens === true ? text.split(this.controlPattern) : [text];
    for (const part of parts) {
      const control = options.parseControlTokens === true ? this.controlIds.get(part) : undefined;
      if (control !== undefined) {
        out.push(control);
        continue;
      }
      for (const word of pretokenize(part)) out.push(...this.encodeWord(word));
    }
    return out;
  }

  /** Control tokens decode to their text; invalid UTF-8 (a token sequence cut mid-character) to U+FFFD. */
  decode(ids: Iterable<number>): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const text = this.tokens[id];
      if (text === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.tokens.length - 1})`);
      const tokenBytes = this.tokenTypes[id] === TokenType.control ? Array.from(utf8.encode(text)) : byteCharsToBytes(text);
      if (tokenBytes === undefined) throw new Error(`token ${id} (${JSON.stringify(text)}) is not byte-level text`);
      bytes.push(...tokenBytes);
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }

  /** The `tokenizer.*` metadata llama.cpp needs for this vocabulary. */
  ggufMetadata(): Array<[string, GgufMetadataValue]> {
    const endOfText = this.controlId(END_OF_TEXT);
    return [
      ['tokenizer.ggml.model', gguf.string('gpt2')],
      ['tokenizer.ggml.pre', gguf.string('gpt-2')],
      ['tokenizer.ggml.tokens', gguf.stringArray(this.tokens)],
      ['tokenizer.ggml.token_type', gguf.numberArray('i32', this.tokenTypes)],
      ['tokenizer.ggml.merges', gguf.stringArray(this.merges.map(([left, right]) => pairText(left, right)))],
      ['tokenizer.ggml.bos_token_id', gguf.u32(endOfText)],
      // The end of a ChatML turn is the end of generation, so the model stops on its own.
      ['tokenizer.ggml.eos_token_id', gguf.u32(this.controlId(IM_END))],
      ['tokenizer.ggml.padding_token_id', gguf.u32(endOfText)],
      ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
      ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
      ['tokenizer.chat_template', gguf.string(CHATML_TEMPLATE)],
    ];
  }

  /** One pre-tokenized word: merge the lowest-ranked adjacent pair until none is left. */
  private encodeWord(word: string): readonly number[] {
    const cached = this.wordCache.get(word);
    if (cached !== undefined) return cached;
    const symbols = toByteChars(word);
    for (;;) {
      let bestRank = Infinity;
      let bestIndex = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(pairText(symbols[i] as string, symbols[i + 1] as string));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) break;
      symbols.splice(bestIndex, 2, (symbols[bestIndex] as string) + (symbols[bestIndex + 1] as string));
    }
    const ids = symbols.map((symbol) => {
      const id = this.ids.get(symbol);
      if (id === undefined) throw new Error(`BPE produced ${JSON.stringify(symbol)}, which is not in the vocabulary`);
      return id;
    });
    this.wordCache.set(word, ids);
    return ids;
  }
}

/** The merge as llama.cpp stores it: the two token texts separated by one space (never inside byte-level text). */
function pairText(left: string, right: string): string {
  return `${left} ${right}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
