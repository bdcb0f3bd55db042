// How a synthetic model decides what was asked: each shipped prompt is a topic with keywords,
// and a prompt gets the answer of the topic whose keywords weigh most in it, wherever they
// stand. Strong keywords name the subject (quantum, Python, remote), medium ones the task
// (summarize, benefits, introduce), weak ones what several prompts share (edge, AI, hello).
// A prompt with no keyword gets the default answer.
//
// The weights are attention scores (construction.ts): a topic wins when its keywords hold more
// than half of the attention, so one strong word outweighs many weaker ones (e^3 = 20 times
// each), and among keywords of one strength the topic with more of them wins. On an exact tie
// the topic listed later wins (each topic adds TIE_BREAK per place in this list).

export type KeywordStrength = 'weak' | 'medium' | 'strong';

export const KEYWORD_SCORE: Readonly<Record<KeywordStrength, number>> = { weak: 10, medium: 13, strong: 16 };

/** Added to a topic's keyword scores per place in TOPICS, so that no two topics tie exactly. */
export const TIE_BREAK = 0.25;

export interface Topic {
  /** The shipped prompt this topic answers, `<category>/<id>`. */
  prompt: string;
  /** Whole words; each is matched as written and capitalized, with or without a leading space. */
  keywords: Readonly<Partial<Record<KeywordStrength, readonly string[]>>>;
}

export const TOPICS: readonly Topic[] = [
  {
    prompt: 'chat/introduce-yourself',
    keywords: { medium: ['introduce', 'yourself', 'yourselves'], weak: ['hello', 'Hi', 'who', 'name'] },
  },
  {
    prompt: 'chat/edge-ai-one-sentence',
    keywords: { medium: ['sentence'], weak: ['edge', 'AI', 'device', 'devices'] },
  },
  {
    prompt: 'summary/edge-ai-benefits',
    keywords: { medium: ['summarize', 'summarise', 'summary', 'benefits', 'benefit', 'advantages', 'advantage'] },
  },
  {
    prompt: 'reasoning/remote-work-pros-cons',
    keywords: {
      strong: ['remote', 'remotely', 'telework', 'teleworking'],
      medium: ['home', 'office', 'commute', 'commuting'],
      weak: ['pros', 'cons', 'drawbacks', 'disadvantages'],
    },
  },
  {
    prompt: 'reasoning/quantum-computing',
    keywords: { strong: ['quantum', 'qubit', 'qubits', 'superposition', 'entanglement'] },
  },
  {
    prompt: 'code/sort-function',
    keywords: { strong: ['sort', 'sorts', 'sorted', 'sorting', 'python'], medium: ['function', 'code', 'algorithm'] },
  },
];

/**
 * The texts a keyword is matched as: as written and capitalized, each bare (the prompt's first
 * word) and after a space. Not lower-cased: "ai" or "hi" would also be the first piece of
 * other words ("aim", "high").
 */
export function keywordForms(keyword: string): string[] {
  const spellings = [...new Set([keyword, keyword.charAt(0).toUpperCase() + keyword.slice(1)])];
  return spellings.flatMap((spelling) => [spelling, ` ${spelling}`]);
}
