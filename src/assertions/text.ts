// Checks on the reply's text: contains, icontains, regex, starts-with (and their `not-` forms).
import { z } from 'zod';
import { excerpt, oneLine, replyExcerpt } from './excerpt.ts';
import { matchWithDeadline, REGEX_DEADLINE_MS } from './regex-deadline.ts';
import { failed, passed, type AssertionHandler } from './types.ts';

const needle = z.string().min(1, 'expected a non-empty string');

export const ContainsSpec = z.object({ type: z.literal('contains'), value: needle }).strict();
export const IContainsSpec = z.object({ type: z.literal('icontains'), value: needle }).strict();
export const StartsWithSpec = z.object({ type: z.literal('starts-with'), value: needle }).strict();
export const RegexSpec = z
  .object({
    type: z.literal('regex'),
    /** A JavaScript regular expression source, e.g. `\\b(qubits?|superposition)\\b`. */
    pattern: z.string().min(1, 'expected a non-empty pattern'),
    /** JavaScript flags, e.g. `i`. */
    flags: z.string().regex(/^[dgimsuvy]*$/, 'expected JavaScript regex flags (d g i m s u v y)').optional(),
  })
  .strict()
  .superRefine((spec, context) => {
    try {
      new RegExp(spec.pattern, spec.flags);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${(error as Error).message}` });
    }
  });

export type ContainsSpec = z.infer<typeof ContainsSpec>;
export type IContainsSpec = z.infer<typeof IContainsSpec>;
export type StartsWithSpec = z.infer<typeof StartsWithSpec>;
export type RegexSpec = z.infer<typeof RegexSpec>;

const quoted = (value: string) => `"${oneLine(value)}"`;

/** Where a found value sits in the reply: its offset and the text around it. */
function foundAt(response: string, at: number, length: number): string {
  return `at character ${at}: ${excerpt(response.slice(Math.max(0, at - 40), at + length + 40))}`;
}

export const contains: AssertionHandler<ContainsSpec> = {
  kind: 'content',
  evaluate: ({ value }, { response }) => {
    const at = response.indexOf(value);
    return at === -1
      ? failed(`expected the reply to contain ${quoted(value)} (case-sensitive); it does not. ${replyExcerpt(response)}`)
      : passed(`the reply contains ${quoted(value)} ${foundAt(response, at, value.length)}`);
  },
};

export const icontains: AssertionHandler<IContainsSpec> = {
  kind: 'content',
  evaluate: ({ value }, { response }) => {
    const at = response.toLowerCase().indexOf(value.toLowerCase());
    return at === -1
      ? failed(`expected the reply to contain ${quoted(value)} in any case; it does not. ${replyExcerpt(response)}`)
      : passed(`the reply contains ${quoted(value)} (ignoring case) ${foundAt(response, at, value.length)}`);
  },
};

export const startsWith: AssertionHandler<StartsWithSpec> = {
  kind: 'content',
  // Leading whitespace is layout, never what a prompt asks the reply to start with.
  evaluate: ({ value }, { response }) =>
    response.trimStart().startsWith(value)
      ? passed(`the reply starts with ${quoted(value)}`)
      : failed(`expected the reply to start with ${quoted(value)}; it does not. ${replyExcerpt(response)}`),
};

export const regex: AssertionHandler<RegexSpec> = {
  kind: 'content',
  evaluate: async ({ pattern, flags }, { response }) => {
    const shown = `/${pattern}/${flags ?? ''}`;
    const outcome = await matchWithDeadline(pattern, flags, response);
    if ('timedOut' in outcome) {
      return failed(
        `${shown} did not finish within ${REGEX_DEADLINE_MS / 1000} s on this reply: the pattern backtracks without end on it; ` +
          `simplify it (nested quantifiers such as (a+)+ are the usual cause). ${replyExcerpt(response)}`,
      );
    }
    const { match } = outcome;
    return match === null
      ? failed(`expected the reply to match ${shown}; it does not. ${replyExcerpt(response)}`)
      : passed(`the reply matches ${shown} at character ${match.index}: ${excerpt(match.text, 60)}`);
  },
};
