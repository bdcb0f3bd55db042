// What the judge model is asked: one criterion at a time, with a rubric that anchors every
// point of the 1-5 scale (as Prometheus does), the question, the answer, and what the eval
// knows a good answer contains (its key points, reference answer or reference facts). The
// judge writes a one-sentence reason first, then the score: a small model scores better after
// saying why (G-Eval's chain of thought, in one sentence).
import type { ChatMessage } from '../contract/chat.ts';
import type { TextCriterion } from '../contract/criteria.ts';

/** Part of every verdict's cache key: change it whenever a rubric or the prompt around it changes. */
export const RUBRIC_VERSION = 1;

export const RUBRICS: Readonly<Record<TextCriterion, { question: string; anchors: readonly [string, string, string, string, string] }>> = {
  accuracy: {
    question: 'Is what the answer states correct?',
    anchors: [
      'mostly wrong, or the code does not work',
      'a central claim is wrong, or the code fails on common inputs',
      'partly right: a notable error or a misleading simplification',
      'right, with a minor imprecision',
      'entirely correct; code works on every input',
    ],
  },
  completeness: {
    question: 'Does the answer address every part of the question and the points a good answer makes?',
    anchors: [
      'misses the question, or answers a small part of it',
      'covers one point; the main parts are missing',
      'covers about half of what a good answer says',
      'covers nearly everything; one point is missing',
      'answers every part of the question, with the points a good answer makes',
    ],
  },
  clarity: {
    question: 'Is the answer easy to read and in the form the question asked for?',
    anchors: [
      'hard to follow, or ignores the form asked for entirely',
      'confusing in places, or clearly ignores the form asked for (length, sentences, format)',
      'understandable with effort: long-winded, badly structured or too technical for the question',
      'clear, with a small flaw: somewhat longer or denser than needed',
      'plain, well organised, exactly as long as the question needs',
    ],
  },
};

export interface JudgeSubject {
  /** The conversation the answer replies to; its last message is the question. */
  messages: readonly ChatMessage[];
  answer: string;
  /** Key points a complete answer makes, or a reference answer. */
  expected?: string | readonly (string | { any: readonly string[] })[];
  /** Facts a correct answer states, and statements it must not make. */
  facts?: { mustState?: readonly (string | { any: readonly string[] })[]; mustNotState?: readonly (string | { any: readonly string[] })[] };
}

const SYSTEM =
  'You are a strict, fair grader of answers written by AI assistants. You grade one criterion at a time on a scale of 1 to 5, ' +
  'using only the rubric given. You reply with a JSON object and nothing else: {"reason": "<one sentence>", "score": <1-5>}.';

function point(item: string | { any: readonly string[] }): string {
  return typeof item === 'string' ? item : item.any.join(' / ');
}

function context(subject: JudgeSubject, criterion: TextCriterion): string[] {
  const lines: string[] = [];
  if (typeof subject.expected === 'string') lines.push(`A reference answer (it need not be matched word for word):\n${subject.expected}`);
  else if (subject.expected !== undefined && criterion !== 'clarity') lines.push(`Key points a complete answer makes:\n${subject.expected.map((item) => `- ${point(item)}`).join('\n')}`);
  if (criterion === 'accuracy' && subject.facts?.mustState !== undefined) lines.push(`A correct answer states:\n${subject.facts.mustState.map((item) => `- ${point(item)}`).join('\n')}`);
  if (criterion === 'accuracy' && subject.facts?.mustNotState !== undefined) lines.push(`A correct answer does not claim:\n${subject.facts.mustNotState.map((item) => `- ${point(item)}`).join('\n')}`);
  return lines;
}

function conversation(messages: readonly ChatMessage[]): string {
  const earlier = messages.slice(0, -1).filter((message) => message.role !== 'system');
  const question = messages.at(-1)?.content ?? '';
  if (earlier.length === 0) return `Question:\n${question}`;
  const shown = earlier.map((message) => `${message.role === 'user' ? 'User' : 'Assistant'}: ${message.content}`).join('\n');
  return `Conversation so far:\n${shown}\n\nQuestion:\n${question}`;
}

/** The chat a judge is sent to score one criterion of one answer. */
export function judgeMessages(criterion: TextCriterion, subject: JudgeSubject): ChatMessage[] {
  const rubric = RUBRICS[criterion];
  const anchors = rubric.anchors.map((anchor, index) => `${index + 1}: ${anchor}`).join('\n');
  const parts = [
    `Criterion: ${criterion}. ${rubric.question}`,
    `Rubric:\n${anchors}`,
    conversation(subject.messages),
    ...context(subject, criterion),
    `Answer to grade:\n<<<\n${subject.answer}\n>>>`,
    `Grade the answer's ${criterion} only. Reply with {"reason": "<one sentence>", "score": <1-5>}.`,
  ];
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: parts.join('\n\n') },
  ];
}

/** The JSON Schema of a verdict, for servers that constrain their output to it. */
export const VERDICT_SCHEMA = {
  type: 'object',
  properties: {
    reason: { type: 'string', maxLength: 300 },
    score: { type: 'integer', enum: [1, 2, 3, 4, 5] },
  },
  required: ['reason', 'score'],
  additionalProperties: false,
} as const;
