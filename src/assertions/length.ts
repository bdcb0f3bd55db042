// Bounds on the reply's length in characters and/or words.
import { z } from 'zod';
import { replyExcerpt } from './excerpt.ts';
import { graphemeCount } from './graphemes.ts';
import { failed, passed, type AssertionHandler } from './types.ts';

const bound = z.number().int().nonnegative();

export const LengthSpec = z
  .object({
    type: z.literal('length'),
    minChars: bound.optional(),
    maxChars: bound.optional(),
    minWords: bound.optional(),
    maxWords: bound.optional(),
  })
  .strict()
  .superRefine((spec, context) => {
    if (spec.minChars === undefined && spec.maxChars === undefined && spec.minWords === undefined && spec.maxWords === undefined) {
      context.addIssue({ code: 'custom', message: 'expected at least one of minChars, maxChars, minWords, maxWords' });
    }
    if (spec.minChars !== undefined && spec.maxChars !== undefined && spec.minChars > spec.maxChars) {
      context.addIssue({ code: 'custom', path: ['minChars'], message: `minChars ${spec.minChars} is above maxChars ${spec.maxChars}` });
    }
    if (spec.minWords !== undefined && spec.maxWords !== undefined && spec.minWords > spec.maxWords) {
      context.addIssue({ code: 'custom', path: ['minWords'], message: `minWords ${spec.minWords} is above maxWords ${spec.maxWords}` });
    }
  });
export type LengthSpec = z.infer<typeof LengthSpec>;

function wordCount(text: string): number {
  let count = 0;
  const word = /\S+/g;
  while (word.exec(text) !== null) count++;
  return count;
}

export const length: AssertionHandler<LengthSpec> = {
  kind: 'format',
  evaluate: (spec, { response }) => {
    const chars = graphemeCount(response);
    const words = wordCount(response);
    const problems: string[] = [];
    if (spec.minChars !== undefined && chars < spec.minChars) problems.push(`at least ${spec.minChars} characters, got ${chars}`);
    if (spec.maxChars !== undefined && chars > spec.maxChars) problems.push(`at most ${spec.maxChars} characters, got ${chars}`);
    if (spec.minWords !== undefined && words < spec.minWords) problems.push(`at least ${spec.minWords} words, got ${words}`);
    if (spec.maxWords !== undefined && words > spec.maxWords) problems.push(`at most ${spec.maxWords} words, got ${words}`);
    return problems.length === 0
      ? passed(`the reply has ${chars} characters and ${words} words, within bounds`)
      : failed(`expected ${problems.join('; ')}. ${replyExcerpt(response)}`);
  },
};
