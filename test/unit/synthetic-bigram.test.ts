import { describe, expect, it } from 'vitest';
import { buildBigramEmbedding, countBigrams, factorizeBigrams, REPLY_START_TOKEN_TEXT } from '../../src/embedded/synthetic/bigram.ts';
import { parseCorpusFile } from '../../src/embedded/synthetic/corpus.ts';
import { factorizeLowRank, type SparseMatrix } from '../../src/embedded/synthetic/low-rank.ts';
import { SeededRandom } from '../../src/embedded/synthetic/random.ts';
import { ByteLevelBpeTokenizer, IM_END, trainBpe } from '../../src/embedded/tokenizer/index.ts';

describe('parseCorpusFile', () => {
  it('reads question/answer entries, keeping blank lines and indentation inside answers', () => {
    const text = 'Q: First?\nA: One line.\n\nQ: Code?\nA: Here:\n\ndef f():\n    return 1\n\nDone.\n';
    expect(parseCorpusFile(text, 'x.txt')).toEqual([
      { question: 'First?', answer: 'One line.' },
      { question: 'Code?', answer: 'Here:\n\ndef f():\n    return 1\n\nDone.' },
    ]);
  });

  it('says which file and entry is malformed', () => {
    expect(() => parseCorpusFile('Q: No answer here\n', 'bad.txt')).toThrow(/bad\.txt: the entry "Q: No answer here" has no "A: " line/);
    expect(() => parseCorpusFile('just prose\n', 'prose.txt')).toThrow(/prose\.txt: expected entries starting with "Q: "/);
  });
});

describe('factorizeLowRank', () => {
  it('recovers a sparse matrix of low rank exactly, deterministically', () => {
    // W = sum of 3 sparse outer products: rank 3.
    const size = 40;
    const dense = new Float64Array(size * size);
    const random = new SeededRandom(3);
    for (let term = 0; term < 3; term++) {
      const u = new Float64Array(size);
      const v = new Float64Array(size);
      for (let i = 0; i < 6; i++) {
        u[random.nextUint32() % size] = 1 + (random.nextUint32() % 5);
        v[random.nextUint32() % size] = 1 + (random.nextUint32() % 5);
      }
      for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) dense[a * size + b] = (dense[a * size + b] as number) + (u[a] as number) * (v[b] as number);
    }
    const entries = [...dense.keys()].filter((index) => dense[index] !== 0);
    const matrix: SparseMatrix = {
      size,
      rows: Int32Array.from(entries, (index) => Math.floor(index / size)),
      cols: Int32Array.from(entries, (index) => index % size),
      values: Float64Array.from(entries, (index) => dense[index] as number),
    };
    const factors = factorizeLowRank(matrix, 5, { seed: 1, powerIterations: 1 });
    let worst = 0;
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < size; b++) {
        let approximation = 0;
        for (let j = 0; j < factors.rank; j++) approximation += (factors.left[a * 5 + j] as number) * (factors.right[b * 5 + j] as number);
        worst = Math.max(worst, Math.abs(approximation - (dense[a * size + b] as number)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    expect(factorizeLowRank(matrix, 5, { seed: 1, powerIterations: 1 })).toEqual(factors);
  });
});

describe('bigram embedding', () => {
  const answers = [
    'The model runs on the device.',
    'The device keeps the data private.',
    'A small model answers quickly.',
    'The data stays on the device, so the model answers quickly.',
  ];
  const entries = answers.map((answer) => ({ question: 'Q?', answer }));
  const tokenizer = new ByteLevelBpeTokenizer(trainBpe(answers.flatMap((answer) => [answer, answer]), { maxMerges: 200 }));
  const statistics = countBigrams(tokenizer, entries);
  const start = tokenizer.tokenId(REPLY_START_TOKEN_TEXT) as number;
  const end = tokenizer.controlId(IM_END);

  it('pins a reply as the greedy chain from the reply start to <|im_end|>, by the margin', () => {
    const reply = tokenizer.encode('A small model runs on the device.');
    const embedding = buildBigramEmbedding(statistics, factorizeBigrams(statistics, 4), { tokens: reply, margin: 2 }, start, end);
    const { width, input, output } = embedding;
    const logits = (previous: number) =>
      Array.from({ length: tokenizer.vocabularySize }, (_, token) => {
        let sum = 0;
        for (let j = 0; j < width; j++) sum += (input[previous * width + j] as number) * (output[token * width + j] as number);
        return sum;
      });
    const chain = [start, ...reply, end];
    for (let i = 0; i + 1 < chain.length; i++) {
      const row = logits(chain[i] as number);
      const next = chain[i + 1] as number;
      const rival = Math.max(...row.filter((_, token) => token !== next));
      expect((row[next] as number) - rival).toBeGreaterThanOrEqual(2 - 1e-9);
    }
  });

  it('keeps control tokens far below every token seen in the answers', () => {
    const embedding = buildBigramEmbedding(statistics, factorizeBigrams(statistics, 4), { tokens: [], margin: 2 }, start, end);
    const { width, input, output } = embedding;
    const startControl = tokenizer.controlId('<|im_start|>');
    let controlLogit = 0;
    for (let j = 0; j < width; j++) controlLogit += (input[start * width + j] as number) * (output[startControl * width + j] as number);
    expect(controlLogit).toBeLessThan(-5);
  });
});
