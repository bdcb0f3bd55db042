// Reusable checks, shared by the examples: defineCheck names and types a check once, and any
// eval or test body uses it. A check sees the prompt, the reply, the reasoning, the metrics,
// the data row's vars and expected answer, and returns a boolean, a score in 0..1, or
// { pass, score?, reason? }. (A plain module, not an eval file: importing it registers nothing.)
import { defineCheck } from 'edge-evals';

/** At least `atLeast` of `words` appear in the reply; scored by the share found. */
export const mentionsAtLeast = defineCheck({
  name: 'mentions-at-least',
  check: ({ reply }, { words, atLeast }: { words: string[]; atLeast: number }) => {
    const found = words.filter((word) => reply.toLowerCase().includes(word));
    return { pass: found.length >= atLeast, score: found.length / words.length, reason: `found ${found.join(', ') || 'none'}` };
  },
});

/** The reply is in its own words rather than the prompt's: a score, passing at 0.5 (its threshold). */
export const answersInOwnWords = defineCheck({
  name: 'answers-in-own-words',
  threshold: 0.5,
  check: ({ prompt, reply }) => {
    const promptWords = new Set(prompt.toLowerCase().split(/\W+/).filter((word) => word.length > 3));
    const replyWords = reply.toLowerCase().split(/\W+/).filter((word) => word.length > 3);
    if (replyWords.length === 0) return 0;
    return replyWords.filter((word) => !promptWords.has(word)).length / replyWords.length;
  },
});

/** A check on the metrics: `kind: 'performance'` runs on synthetic models too (content checks do not). */
export const streamsSteadily = defineCheck({
  name: 'streams-steadily',
  kind: 'performance',
  check: ({ metrics }) => metrics !== null && metrics.interChunkGapsMs.every((gap) => gap < 2_000),
});
