// What `ask` gives a test body: the model's reply, with the case it belongs to attached (out of
// sight) so that the matchers can record their checks on it.
import type { AssertionContext } from '../assertions/index.ts';
import type { ChatMessage } from '../contract/chat.ts';
import type { AssertionResult, RequestMetrics } from '../contract/results.ts';

export const REPLY_CASE = Symbol('edge-evals.reply-case');

/** Where a reply's checks are recorded (a CaseRecorder, through run-case.ts). */
export interface ReplyCase {
  assertionContext(): AssertionContext;
  recordChecks(results: readonly AssertionResult[]): void;
  /** A matcher failed with this message (null: it passed). */
  noteFailure(message: string | null): void;
}

export interface Reply {
  /** The answer, without `<think>` blocks: what checks judge. */
  readonly text: string;
  /** The model's reasoning; empty when it gave none. */
  readonly reasoning: string;
  readonly metrics: RequestMetrics;
  /** The conversation, ending with this reply: add a user message to continue it. */
  readonly messages: readonly ChatMessage[];
  readonly [REPLY_CASE]: ReplyCase;
}

export function makeReply(fields: Omit<Reply, typeof REPLY_CASE>, replyCase: ReplyCase): Reply {
  // Not enumerable: vitest prints a reply in failure messages without its case.
  return Object.defineProperty({ ...fields }, REPLY_CASE, { value: replyCase, enumerable: false }) as Reply;
}
