// A user function judges the reply: `(response, context) => boolean | {pass, score?, reason?}`.
import { z } from 'zod';
import { oneLine, replyExcerpt } from './excerpt.ts';
import { failed, passed, type AssertionContext, type AssertionHandler, type AssertionOutcome } from './types.ts';

export type CustomVerdict = boolean | { pass: boolean; score?: number; reason?: string };
export type CustomCheck = (response: string, context: AssertionContext) => CustomVerdict | Promise<CustomVerdict>;

export const CustomSpec = z
  .object({
    type: z.literal('custom'),
    /** Shown in reasons, e.g. "mentions-both-sides". */
    name: z.string().min(1).optional(),
    check: z.custom<CustomCheck>((value) => typeof value === 'function', 'expected a function (response, context) => boolean | {pass, score?, reason?}'),
  })
  .strict();
export type CustomSpec = z.infer<typeof CustomSpec>;

function verdictOutcome(verdict: CustomVerdict, label: string, response: string): AssertionOutcome {
  if (typeof verdict === 'boolean') {
    return verdict ? passed(`${label} returned true`) : failed(`${label} returned false. ${replyExcerpt(response)}`);
  }
  if (typeof verdict !== 'object' || verdict === null || typeof verdict.pass !== 'boolean') {
    return failed(`${label} returned ${oneLine(String(JSON.stringify(verdict)))}; expected a boolean or {pass, score?, reason?}`);
  }
  const score = verdict.score ?? (verdict.pass ? 1 : 0);
  if (!Number.isFinite(score) || score < 0 || score > 1) return failed(`${label} returned score ${score}; expected 0..1`);
  const reason = verdict.reason ?? (verdict.pass ? 'passed' : 'failed');
  return verdict.pass ? passed(`${label}: ${reason}`) : failed(`${label}: ${reason}. ${replyExcerpt(response)}`, score);
}

export const custom: AssertionHandler<CustomSpec> = {
  kind: 'content',
  evaluate: async ({ name, check }, context) => {
    const label = name === undefined ? 'the custom check' : `custom check "${name}"`;
    try {
      return verdictOutcome(await check(context.response, context), label, context.response);
    } catch (error) {
      return failed(`${label} threw: ${error instanceof Error ? error.message : String(error)}. ${replyExcerpt(context.response)}`);
    }
  },
};
