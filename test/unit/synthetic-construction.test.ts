// The synthetic models' construction without the engine: the corpus format, the vocabulary
// (keywords as single tokens, answers as chunks no prompt can contain), the embedding and output
// matrices (each chunk's logits point at the next token of its answer), and the planted answers'
// own consistency. test/integration/synthetic-models.test.ts runs the real files in llama.cpp.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ANSWER, PLANTED_ANSWERS, TOPICS } from '../../src/embedded/synthetic/answers/index.ts';
import { construct, layoutFor } from '../../src/embedded/synthetic/construction.ts';
import { loadCorpus, parseCorpusFile } from '../../src/embedded/synthetic/corpus.ts';
import { chunkAnswer, SharedVocabulary } from '../../src/embedded/synthetic/vocabulary.ts';
import { IM_END } from '../../src/embedded/tokenizer/index.ts';
import { toByteChars } from '../../src/embedded/tokenizer/byte-level.ts';

const shared = new SharedVocabulary(loadCorpus());

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

describe('chunkAnswer', () => {
  it('cuts an answer into two-piece chunks that spell it exactly, each new to the vocabulary', () => {
    const taken = new Set<string>();
    const chunks = chunkAnswer('The model runs on the device. The model runs fast.', taken);
    expect(chunks.join('')).toBe(toByteChars('The model runs on the device. The model runs fast.').join(''));
    expect(chunks.slice(0, 3)).toEqual(['TheĠmodel', 'ĠrunsĠon', 'ĠtheĠdevice']);
    // " The model" is new; " runs fast" too; nothing repeats.
    expect(new Set(chunks).size).toBe(chunks.length);
    expect([...taken].sort()).toEqual([...chunks].sort());
  });

  it('grows a chunk while its text is taken, and joins a short end to the chunk before', () => {
    expect(chunkAnswer('ab cd ef gh ij', new Set())).toEqual(['abĠcd', 'ĠefĠghĠij']);
    expect(chunkAnswer('ab cd ef gh ij', new Set(['abĠcd']))).toEqual(['abĠcdĠef', 'ĠghĠij']);
  });

  it('refuses an answer whose end cannot get a token of its own', () => {
    expect(() => chunkAnswer('x y', new Set(['xĠy']))).toThrow(/cannot give the end of the answer/);
  });
});

describe('the shared vocabulary', () => {
  it('makes every form of every keyword one token of its topic, wherever it stands', () => {
    const topicOf = (text: string) => {
      const ids = shared.tokenizer.encode(text);
      return ids.map((id) => shared.keywords.get(id)).filter((keyword) => keyword !== undefined).map((keyword) => TOPICS[keyword.topic]?.prompt);
    };
    expect(topicOf('Sort this, then sort that')).toEqual(['code/sort-function', 'code/sort-function']);
    expect(topicOf('Quantum computing, explained: what is quantum?')).toEqual(['reasoning/quantum-computing', 'reasoning/quantum-computing']);
    expect(topicOf('Summarize the benefits of edge AI.')).toEqual(['summary/edge-ai-benefits', 'summary/edge-ai-benefits', 'chat/edge-ai-one-sentence', 'chat/edge-ai-one-sentence']);
    expect(topicOf('What is the capital of France?')).toEqual([]);
  });

  it('scores subject words over task words over shared words', () => {
    const score = (word: string) => shared.keywords.get(shared.tokenizer.encode(word)[0] as number)?.score ?? 0;
    expect(score(' quantum')).toBeGreaterThan(score(' benefits'));
    expect(score(' benefits')).toBeGreaterThan(score(' edge'));
  });
});

describe('a model vocabulary and its construction', () => {
  for (const [alias, answers] of Object.entries(PLANTED_ANSWERS)) {
    it(`${alias}: answers are chunk tokens that decode to the text, never produced by encoding it, none repeated`, () => {
      const vocabulary = shared.forModel(answers);
      const all = [...vocabulary.answerTokens.values()].flat();
      expect(new Set(all).size).toBe(all.length);
      for (const [key, tokens] of vocabulary.answerTokens) {
        const text = answers.answers[key]?.text ?? '';
        expect(vocabulary.tokenizer.decode(tokens)).toBe(text);
        expect(vocabulary.tokenizer.encode(text).some((id) => id >= vocabulary.firstChunkToken)).toBe(false);
      }
    });

    it(`${alias}: rows of RMS 1 whose logits name the next token of the answer, and the default answer after a prompt token`, () => {
      const width = 512;
      const vocabulary = shared.forModel(answers);
      const { tokenizer, answerTokens } = vocabulary;
      const construction = construct(shared, vocabulary, answers, { width, headDimension: 64, feedForwardLength: 64 });
      const embedding = construction.tokenEmbedding();
      const output = construction.output();
      // Output rows are sparse: keep each one's non-zero entries, then a row's logits are cheap.
      const outputEntries = Array.from({ length: tokenizer.vocabularySize }, (_, candidate) =>
        [...output.subarray(candidate * width, (candidate + 1) * width).entries()].filter(([, value]) => value !== 0),
      );
      const next = (token: number) => {
        const logits = outputEntries.map((entries) => entries.reduce((sum, [j, value]) => sum + (embedding[token * width + j] as number) * value, 0));
        const best = logits.indexOf(Math.max(...logits));
        return { token: best, margin: (logits[best] as number) - Math.max(...logits.filter((_, candidate) => candidate !== best)) };
      };
      for (let token = 0; token < tokenizer.vocabularySize; token += 97) {
        let squares = 0;
        for (let j = 0; j < width; j++) squares += (embedding[token * width + j] as number) ** 2;
        expect(Math.sqrt(squares / width)).toBeCloseTo(1, 5);
      }
      const end = tokenizer.controlId(IM_END);
      for (const tokens of answerTokens.values()) {
        const chain = [...tokens, end];
        for (let i = 0; i + 1 < chain.length; i++) {
          const step = next(chain[i] as number);
          expect(step.token).toBe(chain[i + 1]);
          expect(step.margin).toBeGreaterThan(25);
        }
      }
      expect(next(tokenizer.encode(' the')[0] as number).token).toBe(answerTokens.get(DEFAULT_ANSWER)?.[0]);
    });
  }

  it('says how many dimensions the answers need when they do not fit', () => {
    expect(() => layoutFor(64, 60)).toThrow(/60 answer tokens need 76 dimensions; the model has 64/);
  });
});

describe('the planted answers', () => {
  it('answer every topic and the default, and name their defects and the checks they fail', () => {
    for (const { answers } of Object.values(PLANTED_ANSWERS)) {
      expect(Object.keys(answers).sort()).toEqual([...TOPICS.map((topic) => topic.prompt), DEFAULT_ANSWER].sort());
      for (const answer of Object.values(answers)) {
        for (const defect of answer.defects) {
          expect(defect.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
          expect(defect.fails.length).toBeGreaterThan(0);
          for (const check of defect.fails) expect(check).toMatch(/^(custom:.+|[a-z-]+(#\d+)?)$/);
        }
      }
    }
  });
});
