// What every assertion handler is: a kind, and a function from its spec (validated by the zod
// schema next to it) and the reply to {pass, score, reason}. Handlers are pure except `python`, which runs
// the reply's code in a subprocess.
import type { ChatMessage } from '../contract/chat.ts';
import type { Expected, RequestMetrics, TemplateVars } from '../contract/results.ts';

/**
 * - `content`: judges what the reply says; skipped on synthetic models without known answers
 *   (their text means nothing), run on those with planted answers
 * - `format`: a property any reply can be held to (its length), synthetic ones included
 * - `performance`: judges the request's metrics; always run
 */
export type AssertionKind = 'content' | 'format' | 'performance';

export interface AssertionContext {
  /** The text content checks judge: the reply without inline `<think>` blocks (ChatOutcome.answer). */
  response: string;
  /** The request's metrics; null when the request produced none. */
  metrics: RequestMetrics | null;
  /** The model's alias, for reasons. */
  model: string;
  synthetic: boolean;
  /** A synthetic model whose answer to this prompt is planted: content checks run (absent: false). */
  knownAnswers?: boolean;
  /** The model's reasoning (reasoning deltas and inline `<think>` blocks); empty when it gave none. */
  reasoning?: string;
  /** The conversation that was sent; its last message is the prompt. */
  messages?: readonly ChatMessage[];
  /** The reference answer or key points of the prompt (or of its data row). */
  expected?: Expected;
  /** The data row's variables, for checks that depend on them. */
  vars?: TemplateVars;
  /**
   * `require`: a python check refuses to run code it cannot sandbox; `prefer` (the default) runs
   * it with the reason saying it was not sandboxed, and why (EVAL_PYTHON_SANDBOX).
   */
  pythonSandbox?: 'prefer' | 'require';
}

export interface AssertionOutcome {
  pass: boolean;
  /** 0..1: the share of the check that passed (cases for `python`, key points), else 0 or 1. */
  score: number;
  reason: string;
}

export interface AssertionHandler<Spec extends { type: string }> {
  /** Fixed per type, or chosen by the spec (a custom check says what it judges). */
  kind: AssertionKind | ((spec: Spec) => AssertionKind);
  evaluate(spec: Spec, context: AssertionContext): AssertionOutcome | Promise<AssertionOutcome>;
}

export function passed(reason: string): AssertionOutcome {
  return { pass: true, score: 1, reason };
}

export function failed(reason: string, score = 0): AssertionOutcome {
  return { pass: false, score, reason };
}
