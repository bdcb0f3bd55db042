// vitest matchers on a model's reply, for test bodies: `expect(reply).toMention('qubit')`,
// `expect(reply).toBeFasterThan({ ttftMs: 500 })`, `await expect(reply).toPass(check)`. Each
// records its check on the reply's case exactly as a declarative check is recorded (and `.not`
// records the `not-` form), so a test body's case looks like any other in the reports.
import { expect } from 'vitest';
import { AssertionSpecSchema, evaluateAssertions, evaluateAssertionNow, type AssertionSpec, type CheckSpec } from '../assertions/index.ts';
import type { AssertionResult, KeyPoint } from '../contract/results.ts';
import { REPLY_CASE, type Reply } from './reply.ts';
import { thresholdChecks } from './run-case.ts';
import type { Thresholds } from './thresholds.ts';

declare module 'vitest' {
  // `T = any` is vitest's own declaration, which an augmentation must repeat.
  interface Matchers<T = any> {
    /** Every point is in the reply: a phrase, or `{ any: [...] }` alternatives (as `key-points`). */
    toMention(...points: KeyPoint[]): void;
    /** The reply's metrics are within these limits (as `thresholds`). */
    toBeFasterThan(limits: Thresholds): void;
    /** Any check an eval can list, a defineCheck one included; asynchronous: `await expect(reply).toPass(...)`. */
    toPass(check: AssertionSpec): Promise<void>;
  }
}

interface MatcherOutcome {
  pass: boolean;
  message: () => string;
}

function isReply(received: unknown): received is Reply {
  return typeof received === 'object' && received !== null && REPLY_CASE in received;
}

function notAReply(matcher: string): MatcherOutcome {
  return { pass: false, message: () => `${matcher} expects a reply from ask(), e.g. expect(await ask('...')).${matcher}(...)` };
}

/**
 * vitest inverts `pass` for `.not`; the recorded check is already in the form that was asked
 * for (`not-x` for `.not`), so the matcher reports the plain check's outcome back. A skipped
 * check (content on a synthetic model) must not fail either way.
 */
function outcome(results: readonly AssertionResult[], isNot: boolean, reply: Reply): MatcherOutcome {
  const judged = results.filter((result) => result.skipped !== true);
  const failed = judged.filter((result) => !result.pass);
  const message = () =>
    failed.length === 0
      ? results.map((result) => `${result.type}: ${result.reason}`).join('\n')
      : failed.map((result) => `${result.type}: ${result.reason}`).join('\n');
  const passed = failed.length === 0;
  reply[REPLY_CASE].noteFailure(passed ? null : message());
  return { pass: isNot ? !passed : passed, message };
}

/** The check in the form `.not` asks for: `x` becomes `not-x`, and `not-x` becomes `x`. */
function negate(spec: CheckSpec, isNot: boolean): CheckSpec {
  if (!isNot) return spec;
  const type = spec.type.startsWith('not-') ? spec.type.slice('not-'.length) : `not-${spec.type}`;
  // Every type has a `not-` form (assertions/index.ts), and thresholds are only ever asked for plainly.
  return { ...spec, type } as CheckSpec;
}

expect.extend({
  toMention(received: unknown, ...points: KeyPoint[]) {
    if (!isReply(received)) return notAReply('toMention');
    const recorder = received[REPLY_CASE];
    const check = negate({ type: 'key-points' }, this.isNot);
    const result = evaluateAssertionNow(check, { ...recorder.assertionContext(), expected: points });
    recorder.recordChecks([result]);
    return outcome([result], this.isNot, received);
  },

  toBeFasterThan(received: unknown, limits: Thresholds) {
    if (!isReply(received)) return notAReply('toBeFasterThan');
    const recorder = received[REPLY_CASE];
    const results = thresholdChecks(limits).map((check) => evaluateAssertionNow(negate(check, this.isNot), recorder.assertionContext()));
    recorder.recordChecks(results);
    return outcome(results, this.isNot, received);
  },

  async toPass(received: unknown, check: AssertionSpec) {
    if (!isReply(received)) return notAReply('toPass');
    const parsed = AssertionSpecSchema.safeParse(check);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(check)'}: ${issue.message}`);
      return { pass: this.isNot, message: () => `toPass got an invalid check: ${problems.join('; ')}` };
    }
    const recorder = received[REPLY_CASE];
    const results = await evaluateAssertions([negate(parsed.data, this.isNot)], recorder.assertionContext());
    recorder.recordChecks(results);
    return outcome(results, this.isNot, received);
  },
});
