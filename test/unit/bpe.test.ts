import { describe, expect, it } from 'vitest';
import { BYTE_ORDER, BYTE_TO_CHAR, CHAR_TO_BYTE } from '../../src/embedded/tokenizer/byte-level.ts';
import { mergePair } from '../../src/embedded/tokenizer/bpe-trainer.ts';
import {
  ByteLevelBpeTokenizer,
  CHATML_TEMPLATE,
  END_OF_TEXT,
  IM_END,
  IM_START,
  pretokenize,
  TokenType,
  trainBpe,
} from '../../src/embedded/tokenizer/index.ts';
import { loadCorpus } from '../../src/embedded/synthetic/corpus.ts';
import { SeededRandom } from '../../src/embedded/synthetic/random.ts';

const corpusTexts = loadCorpus().entries.flatMap(({ question, answer }) => [question, answer]);

describe('GPT-2 byte mapping', () => {
  it('maps the 256 bytes to 256 distinct characters, printable ones to themselves', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_ORDER.slice(0, 3)).toEqual([0x21, 0x22, 0x23]);
    for (let byte = 0; byte < 256; byte++) expect(CHAR_TO_BYTE.get(BYTE_TO_CHAR[byte] ?? '')).toBe(byte);
  });
});

describe('pretokenize (GPT-2 split)', () => {
  it('splits words, numbers, punctuation, contractions and whitespace like GPT-2', () => {
    expect(pretokenize("Hello, world! It's 2024.")).toEqual(['Hello', ',', ' world', '!', ' It', "'s", ' 2024', '.']);
    expect(pretokenize('a  b\n\n    return x')).toEqual(['a', ' ', ' b', '\n\n   ', ' return', ' x']);
    expect(pretokenize('assistant\n')).toEqual(['assistant', '\n']);
  });

  it('loses nothing: the pieces concatenate back to the input', () => {
    for (const text of ['', ' ', 'tabs\tand\r\nCRLF', 'émoji 🙂 and 中文 mixed', "we'll they'VE", ...corpusTexts.slice(0, 50)]) {
      expect(pretokenize(text).join('')).toBe(text);
    }
  });
});

describe('trainBpe', () => {
  it('merges the most frequent pair first and breaks ties by symbol order', () => {
    expect(trainBpe(['ab', 'ab', 'cd', 'cd', 'cd'], { maxMerges: 10 })).toEqual([
      ['c', 'd'],
      ['a', 'b'],
    ]);
    // Equal counts: "a" comes before "c" in GPT-2's byte order.
    expect(trainBpe(['cd', 'ab', 'cd', 'ab'], { maxMerges: 10 })).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('stops at pairs seen fewer than minPairCount times', () => {
    expect(trainBpe(['ab', 'cd'], { maxMerges: 10 })).toEqual([]);
    expect(trainBpe(['ab', 'cd'], { maxMerges: 10, minPairCount: 1 })).toHaveLength(2);
  });

  it('is deterministic, and shorter training is a prefix of longer training', () => {
    const long = trainBpe(corpusTexts, { maxMerges: 800 });
    expect(trainBpe(corpusTexts, { maxMerges: 800 })).toEqual(long);
    expect(trainBpe(corpusTexts, { maxMerges: 300 })).toEqual(long.slice(0, 300));
    expect(long).toHaveLength(800);
    // The first merge is the corpus' most frequent adjacent byte pair, counted naively.
    const pairCounts = new Map<string, number>();
    for (const word of corpusTexts.flatMap(pretokenize)) {
      const chars = Array.from(new TextEncoder().encode(word), (byte) => BYTE_TO_CHAR[byte] ?? '');
      for (let i = 0; i + 1 < chars.length; i++) {
        const key = `${chars[i]} ${chars[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
      }
    }
    const [mostFrequent] = [...pairCounts].sort((a, b) => b[1] - a[1])[0] ?? [''];
    expect(long[0]?.join(' ')).toBe(mostFrequent);
  });

  it('merges left to right without overlap', () => {
    expect(mergePair([1, 1, 1], 1, 1, 9)).toEqual([9, 1]);
    expect(mergePair([1, 2, 1, 2, 3], 1, 2, 9)).toEqual([9, 9, 3]);
  });
});

describe('ByteLevelBpeTokenizer', () => {
  const tokenizer = new ByteLevelBpeTokenizer(trainBpe(corpusTexts, { maxMerges: 2000 }));

  it('lays out bytes, merges, then the three control tokens', () => {
    const { tokens, tokenTypes } = tokenizer;
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens.slice(-3)).toEqual([END_OF_TEXT, IM_START, IM_END]);
    expect(tokenTypes.slice(-3)).toEqual([TokenType.control, TokenType.control, TokenType.control]);
    expect(tokenTypes.slice(0, -3).every((type) => type === TokenType.normal)).toBe(true);
    expect(tokens.slice(0, 256)).toEqual(BYTE_ORDER.map((byte) => BYTE_TO_CHAR[byte]));
  });

  it('encodes corpus words to few tokens and decodes them back', () => {
    const text = 'Edge AI runs a small model on your own device.';
    const ids = tokenizer.encode(text);
    expect(ids.length).toBeLessThan(15);
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('round-trips arbitrary UTF-8', () => {
    const random = new SeededRandom(7);
    const samples = ['', '\u0000\u0001\u007f', 'naïve café', '日本語のテキスト', '👩‍💻 emoji zwj', '\t\r\n  \u00a0x', 'ĠĊ literal'];
    for (let i = 0; i < 200; i++) {
      let text = '';
      const length = random.nextUint32() % 40;
      for (let c = 0; c < length; c++) {
        // Mostly ASCII, sometimes any code point outside the surrogate range.
        const codePoint = random.nextUint32() % 4 === 0 ? random.nextUint32() % 0x110000 : 0x20 + (random.nextUint32() % 0x5f);
        text += String.fromCodePoint(codePoint >= 0xd800 && codePoint <= 0xdfff ? 0xfffd : codePoint);
      }
      samples.push(text);
    }
    for (const text of samples) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('recognizes control tokens only when asked to', () => {
    const text = `${IM_START}user\nHi${IM_END}\n`;
    const parsed = tokenizer.encode(text, { parseControlTokens: true });
    expect(parsed[0]).toBe(tokenizer.controlId(IM_START));
    expect(parsed).toContain(tokenizer.controlId(IM_END));
    expect(tokenizer.decode(parsed)).toBe(text);
    const plain = tokenizer.encode(text);
    expect(plain).not.toContain(tokenizer.controlId(IM_START));
    expect(plain.length).toBeGreaterThan(parsed.length);
    expect(tokenizer.decode(plain)).toBe(text);
  });

  it('describes itself in the tokenizer.* metadata llama.cpp reads', () => {
    const metadata = new Map(tokenizer.ggufMetadata());
    expect(metadata.get('tokenizer.ggml.model')).toEqual({ type: 'string', value: 'gpt2' });
    expect(metadata.get('tokenizer.ggml.pre')).toEqual({ type: 'string', value: 'gpt-2' });
    expect(metadata.get('tokenizer.ggml.eos_token_id')).toEqual({ type: 'u32', value: tokenizer.controlId(IM_END) });
    expect(metadata.get('tokenizer.ggml.bos_token_id')).toEqual({ type: 'u32', value: tokenizer.controlId(END_OF_TEXT) });
    expect(metadata.get('tokenizer.ggml.add_bos_token')).toEqual({ type: 'bool', value: false });
    expect(metadata.get('tokenizer.chat_template')).toEqual({ type: 'string', value: CHATML_TEMPLATE });
    const merges = metadata.get('tokenizer.ggml.merges');
    expect(merges?.type === 'array' && merges.value[0]).toBe(tokenizer.merges[0]?.join(' '));
  });
});
