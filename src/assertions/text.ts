// Checks on the reply's text: contains, icontains, not-contains, regex, starts-with.
import { z } from 'zod';
import { excerpt, oneLine, replyExcerpt } from './excerpt.ts';
import { failed, passed, type AssertionHandler } from './types.ts';

const needle = z.string().min(1, 'expected a non-empty string');

export const ContainsSpec = z.object({ type: z.literal('contains'), value: needle }).strict();
export const IContainsSpec = z.object({ type: z.literal('icontains'), value: needle }).strict();
export const NotContainsSpec = z.object({ type: z.literal('not-contains'), value: needle }).strict();
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
export type NotContainsSpec = z.infer<typeof NotContainsSpec>;
export type StartsWithSpec = z.infer<typeof StartsWithSpec>;
export type RegexSpec = z.infer<typeof RegexSpec>;

const quoted = (value: string) => `"${oneLine(value)}"`;

export const contains: AssertionHandler<ContainsSpec> = {
  kind: 'content',
  evaluate: ({ value }, { response }) =>
    response.includes(value)
      ? passed(`the reply contains ${quoted(value)}`)
      : failed(`expected the reply to contain ${quoted(value)} (case-sensitive); it does not. ${replyExcerpt(response)}`),
};

export const icontains: AssertionHandler<IContainsSpec> = {
  kind: 'content',
  evaluate: ({ value }, { response }) =>
    response.toLowerCase().includes(value.toLowerCase())
      ? passed(`the reply contains ${quoted(value)} (ignoring case)`)
      : failed(`expected the reply to contain ${quoted(value)} in any case; it does not. ${replyExcerpt(response)}`),
};

export const notContains: AssertionHandler<NotContainsSpec> = {
  kind: 'content',
  evaluate: ({ value }, { response }) => {
    const at = response.indexOf(value);
    if (at === -1) return passed(`the reply does not contain ${quoted(value)}`);
    const around = response.slice(Math.max(0, at - 40), at + value.length + 40);
    return failed(
      `expected the reply not to contain ${quoted(value)}; it does at character ${at}: ${excerpt(around)}. ${replyExcerpt(response)}`,
    );
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
  evaluate: ({ pattern, flags }, { response }) => {
    const shown = `/${pattern}/${flags ?? ''}`;
    const match = new RegExp(pattern, flags).exec(response);
    return match === null
      ? failed(`expected the reply to match ${shown}; it does not. ${replyExcerpt(response)}`)
      : passed(`the reply matches ${shown} at character ${match.index}: ${excerpt(match[0], 60)}`);
  },
};
