// The synthetic models' vocabulary, in two layers.
//
// Shared by the three models: byte-level BPE merges trained on the corpus, so that prompts
// tokenize into ordinary word pieces (the same count on every model), plus one token for each
// form of each topic keyword ("sort", " sort", "Sort", " Sort"), so that the topic head sees a
// keyword as one token wherever it stands.
//
// Per model: one extra token per chunk of its answers. An answer is cut into chunks of about
// two words; each chunk is a token of its own, spelled differently from every other token of
// the model, and no merge builds it, so prompts never contain one. Within a model each chunk
// therefore stands in exactly one place of one answer and has exactly one successor, which is
// what lets a token's embedding name the token that follows it (construction.ts).
import { ByteLevelBpeTokenizer, CONTROL_TOKENS, pretokenize, trainBpe, type BpeMerges } from '../tokenizer/index.ts';
import { toByteChars } from '../tokenizer/byte-level.ts';
import { keywordForms, KEYWORD_SCORE, TIE_BREAK, TOPICS, type AnswerKey, type KeywordStrength, type ModelAnswers } from './answers/index.ts';
import type { Corpus } from './corpus.ts';

/** Every merge the corpus supports (pairs seen at least twice). */
const MAX_MERGES = 65_536;
/** Pre-tokenizer pieces per answer chunk, at least; more when the shorter chunk is already spelled. */
const PIECES_PER_CHUNK = 2;

export interface KeywordToken {
  /** Index into TOPICS. */
  topic: number;
  /** The attention score of this keyword, tie-break included. */
  score: number;
}

/** What the corpus and the topic list give all three models. */
export class SharedVocabulary {
  readonly merges: BpeMerges;
  readonly tokenizer: ByteLevelBpeTokenizer;
  /** Token id -> the topic it signals. */
  readonly keywords: ReadonlyMap<number, KeywordToken>;
  readonly corpusSha256: string;

  constructor(corpus: Corpus) {
    const trained = trainBpe(
      // The text of each turn as ChatML shows it to the model (the control tokens are not
      // text): the role names become tokens too.
      corpus.entries.flatMap(({ question, answer }) => [`user\n${question}`, `assistant\n${answer}`]),
      { maxMerges: MAX_MERGES },
    );
    this.merges = withKeywordMerges(trained);
    this.tokenizer = new ByteLevelBpeTokenizer(this.merges);
    const keywords = new Map<number, KeywordToken>();
    TOPICS.forEach((topic, index) => {
      for (const [strength, words] of Object.entries(topic.keywords) as Array<[KeywordStrength, readonly string[]]>) {
        for (const form of words.flatMap(keywordForms)) {
          const [id, ...rest] = this.tokenizer.encode(form);
          if (id === undefined || rest.length > 0) throw new Error(`the keyword form ${JSON.stringify(form)} is not one token`);
          const claimed = keywords.get(id);
          if (claimed !== undefined && claimed.topic !== index) {
            throw new Error(`the keyword ${JSON.stringify(form)} belongs to two topics: ${TOPICS[claimed.topic]?.prompt} and ${topic.prompt}`);
          }
          keywords.set(id, { topic: index, score: KEYWORD_SCORE[strength] + TIE_BREAK * index });
        }
      }
    });
    this.keywords = keywords;
    this.corpusSha256 = corpus.sha256;
  }

  /** The tokenizer of one model: the shared vocabulary plus the chunks of its answers. */
  forModel(answers: ModelAnswers): ModelVocabulary {
    const taken = new Set(this.tokenizer.tokens);
    const chunks = new Map<AnswerKey, string[]>();
    for (const [key, answer] of Object.entries(answers.answers)) chunks.set(key, chunkAnswer(answer.text, taken));
    const tokenizer = new ByteLevelBpeTokenizer(this.merges, [...chunks.values()].flat());
    const answerTokens = new Map([...chunks].map(([key, texts]) => [key, texts.map((text) => tokenizer.tokenId(text) as number)]));
    return { tokenizer, answerTokens, firstChunkToken: this.tokenizer.vocabularySize };
  }
}

export interface ModelVocabulary {
  tokenizer: ByteLevelBpeTokenizer;
  /** Each answer as its chunk tokens (without <|im_end|>). */
  answerTokens: ReadonlyMap<AnswerKey, readonly number[]>;
  /** Ids from here on are answer chunks; below, the shared vocabulary. */
  firstChunkToken: number;
}

/**
 * Merges that make each keyword form one token, appended after the trained ones: each form is
 * encoded with the merges so far, and its pieces are joined left to right. A later merge never
 * applies inside an earlier form, which is one token by then.
 */
function withKeywordMerges(trained: BpeMerges): BpeMerges {
  const merges = [...trained];
  const forms = [...new Set(TOPICS.flatMap((topic) => Object.values(topic.keywords).flat().flatMap(keywordForms)))];
  for (const form of forms) {
    const tokenizer = new ByteLevelBpeTokenizer(merges);
    const pieces = tokenizer.encode(form).map((id) => tokenizer.tokens[id] as string);
    let joined = pieces[0] ?? '';
    for (const piece of pieces.slice(1)) {
      merges.push([joined, piece]);
      joined += piece;
    }
  }
  return merges;
}

/**
 * Cuts an answer into chunk texts (byte characters) of PIECES_PER_CHUNK pre-tokenizer pieces,
 * extended piece by piece while the text is already taken (by the vocabulary or an earlier
 * chunk of the same model). A last chunk that stays taken is joined to the one before.
 */
export function chunkAnswer(text: string, taken: Set<string>): string[] {
  const pieces = pretokenize(text).map((piece) => toByteChars(piece).join(''));
  if (pieces.join('') !== toByteChars(text).join('')) throw new Error(`the pre-tokenizer lost part of the answer ${JSON.stringify(text.slice(0, 40))}`);
  const chunks: string[] = [];
  let current = '';
  let count = 0;
  for (const piece of pieces) {
    current += piece;
    count += 1;
    if (count >= PIECES_PER_CHUNK && !taken.has(current) && !isControlText(current)) {
      chunks.push(current);
      taken.add(current);
      current = '';
      count = 0;
    }
  }
  if (current !== '') {
    const last = chunks.pop();
    if (last !== undefined) taken.delete(last);
    const joined = (last ?? '') + current;
    if (taken.has(joined) || isControlText(joined)) throw new Error(`cannot give the end of the answer ${JSON.stringify(text.slice(-40))} a token of its own`);
    chunks.push(joined);
    taken.add(joined);
  }
  return chunks;
}

function isControlText(text: string): boolean {
  return (CONTROL_TOKENS as readonly string[]).includes(text);
}
