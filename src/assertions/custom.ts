// Checks written in code. `defineCheck` names and types one for reuse in any eval or test
// body; what it returns is a `custom` spec, which can also be written inline. A check sees the
// prompt, the reply, the reasoning, the metrics, and the data row's variables and expected
// answer; it returns a boolean, a score in 0..1, or {pass, score?, reason?}, normalised here.
import { z } from 'zod';
import type { ChatMessage } from '../contract/chat.ts';
import type { Expected, RequestMetrics, TemplateVars } from '../contract/results.ts';
import { oneLine, replyExcerpt } from './excerpt.ts';
import { failed, passed, type AssertionContext, type AssertionHandler, type AssertionKind, type AssertionOutcome } from './types.ts';

/** A returned score passes at this value unless the check sets its own `threshold`. */
const DEFAULT_THRESHOLD = 0.5;

export interface CheckContext {
  /** The last message sent: the question the reply answers. */
  prompt: string;
  /** The whole conversation sent, system message included. */
  messages: readonly ChatMessage[];
  /** The reply without inline `<think>` blocks. */
  reply: string;
  /** The model's reasoning; empty when it gave none. */
  reasoning: string;
  metrics: RequestMetrics | null;
  model: string;
  /** True for a synthetic model, whose text means nothing (content checks are skipped for it). */
  synthetic: boolean;
  vars: TemplateVars;
  expected: Expected | undefined;
}

export type CheckVerdict = boolean | number | { pass: boolean; score?: number; reason?: string };
export type CheckFunction = (context: CheckContext) => CheckVerdict | Promise<CheckVerdict>;

const Kind = z.enum(['content', 'format', 'performance']);

export const CustomSpec = z
  .object({
    type: z.literal('custom'),
    /** Shown in reasons, e.g. "names-benefits". */
    name: z.string().min(1).optional(),
    /** What it judges; `content` (the default) is skipped on synthetic models. */
    kind: Kind.optional(),
    /** A returned score passes at this value or above (default 0.5). */
    threshold: z.number().min(0).max(1).optional(),
    check: z.custom<CheckFunction>(
      (value) => typeof value === 'function',
      'expected a function ({ prompt, reply, reasoning, metrics, ... }) => boolean | score | {pass, score?, reason?}',
    ),
  })
  .strict();
export type CustomSpec = z.infer<typeof CustomSpec>;

export interface CheckDefinition<Options> {
  name: string;
  kind?: AssertionKind;
  threshold?: number;
  check: (context: CheckContext, options: Options) => CheckVerdict | Promise<CheckVerdict>;
}

/**
 * A named, typed, reusable check: `const namesBenefits = defineCheck({ name, check })`, then
 * `assert: [namesBenefits({ atLeast: 2 })]` in an eval, or `expect(reply).toPass(...)` in a test body.
 */
export function defineCheck<Options = undefined>(
  definition: CheckDefinition<Options>,
): (...options: undefined extends Options ? [options?: Options] : [options: Options]) => CustomSpec {
  return (...options) => ({
    type: 'custom',
    name: definition.name,
    ...(definition.kind === undefined ? {} : { kind: definition.kind }),
    ...(definition.threshold === undefined ? {} : { threshold: definition.threshold }),
    check: (context) => definition.check(context, options[0] as Options),
  });
}

function validScore(score: number): boolean {
  return Number.isFinite(score) && score >= 0 && score <= 1;
}

/** The one place where what a check returned becomes {pass, score, reason}. */
export function normalizeVerdict(verdict: CheckVerdict, label: string, response: string, threshold = DEFAULT_THRESHOLD): AssertionOutcome {
  if (typeof verdict === 'boolean') {
    return verdict ? passed(`${label} returned true`) : failed(`${label} returned false. ${replyExcerpt(response)}`);
  }
  if (typeof verdict === 'number') {
    if (!validScore(verdict)) return failed(`${label} returned score ${verdict}; expected 0..1`);
    const reason = `${label} scored ${verdict.toFixed(2)} (passes at ${threshold})`;
    return verdict >= threshold ? { pass: true, score: verdict, reason } : failed(`${reason}. ${replyExcerpt(response)}`, verdict);
  }
  if (typeof verdict !== 'object' || verdict === null || typeof verdict.pass !== 'boolean') {
    return failed(`${label} returned ${oneLine(String(JSON.stringify(verdict)))}; expected a boolean, a score in 0..1 or {pass, score?, reason?}`);
  }
  const score = verdict.score ?? (verdict.pass ? 1 : 0);
  if (!validScore(score)) return failed(`${label} returned score ${score}; expected 0..1`);
  const reason = `${label}: ${verdict.reason ?? (verdict.pass ? 'passed' : 'failed')}`;
  return verdict.pass ? { pass: true, score, reason } : failed(`${reason}. ${replyExcerpt(response)}`, score);
}

export function checkContext(context: AssertionContext): CheckContext {
  const messages = context.messages ?? [];
  return {
    prompt: messages.at(-1)?.content ?? '',
    messages,
    reply: context.response,
    reasoning: context.reasoning ?? '',
    metrics: context.metrics,
    model: context.model,
    synthetic: context.synthetic,
    vars: context.vars ?? {},
    expected: context.expected,
  };
}

export const custom: AssertionHandler<CustomSpec> = {
  kind: (spec) => spec.kind ?? 'content',
  evaluate: async ({ name, check, threshold }, context) => {
    const label = name === undefined ? 'the custom check' : `check "${name}"`;
    try {
      return normalizeVerdict(await check(checkContext(context)), label, context.response, threshold);
    } catch (error) {
      return failed(`${label} threw: ${error instanceof Error ? error.message : String(error)}. ${replyExcerpt(context.response)}`);
    }
  },
};
