// What a prompt asks of the form of its answer, read from its wording: a number of sentences
// or words ("in one sentence", "in under 50 words"), plain words ("in simple terms", "like I'm
// five"), a list ("bullet points"), or detail ("step by step"). The clarity scorer holds the
// reply to these; an eval can state them instead (criteria.clarity).

export interface FormAsked {
  /** At most this many sentences. */
  maxSentences?: number;
  /** At most this many words. */
  maxWords?: number;
  /** Plain words for a general reader. */
  simple?: boolean;
  /** A list of items. */
  list?: boolean;
  /** Detail is welcome: a longer answer is not held against it. */
  detailed?: boolean;
  /** Brevity is asked for. */
  brief?: boolean;
}

const NUMBER_WORDS: Record<string, number> = { one: 1, a: 1, single: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };

function number(text: string): number | null {
  const lower = text.toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  return NUMBER_WORDS[lower] ?? null;
}

const COUNT = '(\\d+|one|a|single|two|three|four|five|six|seven|eight|nine|ten)';
const SENTENCES = new RegExp(`\\b(?:in|with|using|as)\\s+(?:(?:at\\s+most|no\\s+more\\s+than|up\\s+to|under|fewer\\s+than|less\\s+than)\\s+)?${COUNT}\\s+(?:short\\s+)?sentences?\\b`, 'i');
const WORDS = new RegExp(`\\b(?:in|with|using)\\s+(?:(?:at\\s+most|no\\s+more\\s+than|up\\s+to|under|fewer\\s+than|less\\s+than)\\s+)?${COUNT}\\s+words?\\b`, 'i');
const SIMPLE = /\b(?:in\s+simple\s+(?:terms|words|language)|simply|plain\s+(?:english|language|words)|like\s+i'?m\s+(?:five|5|a\s+child)|eli5|for\s+(?:a\s+)?(?:beginners?|children|kids|a\s+child|non-?experts?|laypeople|a\s+layperson)|non-?technical)\b/i;
const LIST = /\b(?:bullet(?:ed)?\s+(?:points?|list)|as\s+a\s+list|in\s+a\s+list|list\s+(?:the|some|\d+|three|five)|numbered\s+list)\b/i;
const DETAILED = /\b(?:in\s+(?:detail|depth)|detailed|step\s+by\s+step|thoroughly|comprehensive|elaborate|essay)\b/i;
const BRIEF = /\b(?:briefly|brief|short(?:ly)?|concise(?:ly)?|in\s+a\s+nutshell|tl;?dr|one-liner)\b/i;

/** The form the prompt asks for; an empty object when it asks for none. */
export function formAsked(prompt: string): FormAsked {
  const asked: FormAsked = {};
  const sentences = SENTENCES.exec(prompt);
  if (sentences?.[1] !== undefined) {
    const count = number(sentences[1]);
    if (count !== null && count > 0) asked.maxSentences = count;
  }
  const wordLimit = WORDS.exec(prompt);
  if (wordLimit?.[1] !== undefined) {
    const count = number(wordLimit[1]);
    if (count !== null && count > 0) asked.maxWords = count;
  }
  if (SIMPLE.test(prompt)) asked.simple = true;
  if (LIST.test(prompt)) asked.list = true;
  if (DETAILED.test(prompt)) asked.detailed = true;
  if (BRIEF.test(prompt)) asked.brief = true;
  return asked;
}

/** `one sentence, plain words`: what was asked, for reasons. */
export function describeForm(asked: FormAsked): string {
  const parts: string[] = [];
  if (asked.maxSentences !== undefined) parts.push(asked.maxSentences === 1 ? 'one sentence' : `at most ${asked.maxSentences} sentences`);
  if (asked.maxWords !== undefined) parts.push(`at most ${asked.maxWords} words`);
  if (asked.simple === true) parts.push('plain words');
  if (asked.list === true) parts.push('a list');
  if (asked.brief === true) parts.push('brevity');
  if (asked.detailed === true) parts.push('detail');
  return parts.join(', ');
}
