// Clarity without a model: readability (sentence length, word length through the Flesch
// reading ease) judged against what the prompt asks ("in one sentence", "in simple terms").
// An answer starts at 5 and loses points for what makes it harder to use, each at most once:
//   - it ignores a form the prompt asked for (sentences, words, a list): 2 points;
//   - it is hard to read (a sentence over 40 words, sentences of 25 words on average, a reading
//     ease under 30, or under 50 where plain words were asked for): 1 point;
//   - it is longer than the question needs (over 80 words, 120 with a list, 240 where detail
//     was asked for, 40 where brevity was): 1 point;
//   - it is one block of over 150 words, no paragraphs and no list: 1 point;
//   - it is code without a word of explanation: 1 point.
import type { CriterionScore } from '../contract/criteria.ts';
import { describeForm, formAsked, type FormAsked } from './asks.ts';
import { textStats, type TextStats } from './text-stats.ts';

export const CLARITY_LIMITS = {
  longSentenceWords: 40,
  meanSentenceWords: 25,
  minReadingEase: 30,
  minReadingEaseSimple: 50,
  wordBudget: 80,
  wordBudgetList: 120,
  wordBudgetDetailed: 240,
  wordBudgetBrief: 40,
  wallOfTextWords: 150,
  /** List items that make a reply a list. */
  listItems: 3,
} as const;

interface Deduction {
  points: number;
  why: string;
}

function formDeduction(asked: FormAsked, stats: TextStats): Deduction | null {
  const problems: string[] = [];
  if (asked.maxSentences !== undefined && stats.sentences.length > asked.maxSentences) {
    problems.push(`${stats.sentences.length} sentences where ${asked.maxSentences === 1 ? 'one was' : `at most ${asked.maxSentences} were`} asked for`);
  }
  if (asked.maxWords !== undefined && stats.totalWords > asked.maxWords) problems.push(`${stats.totalWords} words where at most ${asked.maxWords} were asked for`);
  if (asked.list === true && stats.listItems < 2) problems.push('no list where one was asked for');
  return problems.length === 0 ? null : { points: 2, why: problems.join(', ') };
}

function readabilityDeduction(asked: FormAsked, stats: TextStats): Deduction | null {
  const longest = Math.max(0, ...stats.sentenceWords);
  const mean = stats.sentences.length === 0 ? 0 : stats.words / stats.sentences.length;
  const ease = stats.readingEase;
  const minEase = asked.simple === true ? CLARITY_LIMITS.minReadingEaseSimple : CLARITY_LIMITS.minReadingEase;
  if (longest > CLARITY_LIMITS.longSentenceWords) return { points: 1, why: `a sentence of ${longest} words` };
  if (mean > CLARITY_LIMITS.meanSentenceWords) return { points: 1, why: `sentences of ${Math.round(mean)} words on average` };
  if (ease !== null && stats.words >= 10 && ease < minEase) {
    const wanted = asked.simple === true ? ', where plain words were asked for' : '';
    return { points: 1, why: `hard words (reading ease ${Math.round(ease)}${wanted})` };
  }
  return null;
}

function budget(asked: FormAsked, stats: TextStats): number {
  if (asked.maxWords !== undefined) return asked.maxWords;
  if (asked.brief === true) return CLARITY_LIMITS.wordBudgetBrief;
  if (asked.detailed === true) return CLARITY_LIMITS.wordBudgetDetailed;
  return stats.listItems >= CLARITY_LIMITS.listItems ? CLARITY_LIMITS.wordBudgetList : CLARITY_LIMITS.wordBudget;
}

function lengthDeduction(asked: FormAsked, stats: TextStats): Deduction | null {
  // A word limit the prompt set is judged as a form it asked for, not twice.
  if (asked.maxWords !== undefined) return null;
  const limit = budget(asked, stats);
  return stats.totalWords > limit ? { points: 1, why: `${stats.totalWords} words, longer than the question needs (${limit})` } : null;
}

function layoutDeduction(stats: TextStats): Deduction | null {
  if (stats.words > CLARITY_LIMITS.wallOfTextWords && stats.paragraphs <= 1 && stats.listItems === 0) {
    return { points: 1, why: `one block of ${stats.words} words without paragraphs` };
  }
  if (stats.codeLines > 0 && stats.words === 0) return { points: 1, why: 'code without a word of explanation' };
  return null;
}

function strengths(asked: FormAsked, stats: TextStats): string {
  const parts: string[] = [];
  const count = stats.sentences.length;
  if (count === 1) parts.push(`one sentence of ${stats.words} words`);
  if (count > 1) parts.push(`${count} sentences of ${Math.round(stats.words / count)} words on average`);
  if (stats.readingEase !== null) parts.push(`reading ease ${Math.round(stats.readingEase)}`);
  if (stats.listItems >= CLARITY_LIMITS.listItems) parts.push(`a list of ${stats.listItems} items`);
  const form = describeForm(asked);
  if (form !== '') parts.push(`as asked (${form})`);
  return parts.join(', ');
}

/** Clarity of `reply` as an answer to `prompt`; `asked` overrides what is read from the prompt. */
export function scoreClarity(prompt: string, reply: string, asked: FormAsked = formAsked(prompt)): CriterionScore {
  const base = { criterion: 'clarity', source: 'rules', scorer: 'readability' } as const;
  if (reply.trim() === '') return { ...base, score: 1, reason: 'the answer is empty' };
  const stats = textStats(reply);
  const deductions = [formDeduction(asked, stats), readabilityDeduction(asked, stats), lengthDeduction(asked, stats), layoutDeduction(stats)].filter(
    (deduction): deduction is Deduction => deduction !== null,
  );
  const score = Math.max(1, 5 - deductions.reduce((sum, deduction) => sum + deduction.points, 0));
  const reason = deductions.length === 0 ? `clear: ${strengths(asked, stats)}` : deductions.map((deduction) => deduction.why).join('; ');
  return { ...base, score, reason };
}
