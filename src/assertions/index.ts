// The assertion registry: every check type, the zod schema of the specs eval files write,
// and evaluateAssertions, which runs specs against a reply (promptfoo's shape: one small
// handler per type, a typed map from type to handler). `not-` before any type inverts it,
// handled once here; `weight` on any spec sets its share of the case's score.
// Latency and throughput limits are written as `thresholds` (suite/thresholds.ts), which
// become the performance checks at the bottom of this file; eval files do not name them.
import { z } from 'zod';
import type { AssertionResult } from '../contract/results.ts';
import { closestNames } from '../util/suggest.ts';
import { custom, CustomSpec } from './custom.ts';
import { json, JsonSpec } from './json.ts';
import { keyPoints, KeyPointsSpec } from './key-points.ts';
import { length, LengthSpec } from './length.ts';
import { maxE2e, MaxE2eSpec, maxTpot, MaxTpotSpec, maxTtft, MaxTtftSpec, minTokensPerSec, MinTokensPerSecSpec } from './performance.ts';
import { python, PythonSpec } from './python.ts';
import { contains, ContainsSpec, icontains, IContainsSpec, regex, RegexSpec, startsWith, StartsWithSpec } from './text.ts';
import type { AssertionContext, AssertionHandler, AssertionKind, AssertionOutcome } from './types.ts';

export type { AssertionContext, AssertionKind } from './types.ts';
export { defineCheck, type CheckContext, type CheckDefinition, type CheckFunction, type CheckVerdict } from './custom.ts';

const NEGATION = 'not-';

const CHECK_SCHEMAS = [ContainsSpec, IContainsSpec, RegexSpec, StartsWithSpec, LengthSpec, JsonSpec, KeyPointsSpec, CustomSpec, PythonSpec] as const;
const CHECK_TYPES = CHECK_SCHEMAS.map((schema) => schema.shape.type.value);

type PlainSpec = z.infer<(typeof CHECK_SCHEMAS)[number]>;
type Negated<Spec> = Spec extends { type: infer Type extends string } ? Omit<Spec, 'type'> & { type: `${typeof NEGATION}${Type}` } : never;
/** One check as an eval file writes it, e.g. `{ type: 'icontains', value: 'edge' }` or `{ type: 'not-regex', ... }`. */
export type AssertionSpec = (PlainSpec | Negated<PlainSpec>) & {
  /** The check's share of the case's score (default 1). */
  weight?: number;
};

const Weight = z.number().positive('expected a positive weight (default 1)').optional();

type SpecSchema = z.ZodObject<{ type: z.ZodLiteral<string> }, z.core.$strict>;

/** Each check type as written and in its `not-` form, both taking a `weight`. */
const SPEC_VARIANTS = CHECK_SCHEMAS.flatMap((schema: SpecSchema) => {
  const weighted = schema.safeExtend({ weight: Weight });
  return [weighted, weighted.safeExtend({ type: z.literal(`${NEGATION}${schema.shape.type.value}`) })];
}) as unknown as [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]];

const THRESHOLD_TYPES: Record<string, string> = {
  'max-ttft': 'ttftMs',
  'max-e2e': 'e2eMs',
  'max-tpot': 'tpotMs',
  'min-tokens-per-sec': 'tokensPerSec',
};

function unknownTypeMessage(input: unknown): string {
  const type = typeof input === 'object' && input !== null && 'type' in input ? input.type : undefined;
  const known = `known types: ${CHECK_TYPES.join(', ')} (each also as not-<type>)`;
  if (typeof type !== 'string') return `expected a "type"; ${known}`;
  const limit = THRESHOLD_TYPES[type.startsWith(NEGATION) ? type.slice(NEGATION.length) : type];
  if (limit !== undefined) return `"${type}" is written as a threshold: thresholds: { ${limit}: ... } on the eval or the prompt`;
  const base = type.startsWith(NEGATION) ? type.slice(NEGATION.length) : type;
  const suggestions = closestNames(base, CHECK_TYPES).map((name) => (base === type ? name : `${NEGATION}${name}`));
  const hint = suggestions.length === 0 ? '' : ` (did you mean ${suggestions.map((name) => `"${name}"`).join(' or ')}?)`;
  return `unknown assertion type "${type}"${hint}; ${known}`;
}

// zod cannot type a list built by flatMap member by member; AssertionSpec above says what it accepts.
export const AssertionSpecSchema = z.discriminatedUnion('type', SPEC_VARIANTS, {
  error: (issue) => (issue.code === 'invalid_union' ? unknownTypeMessage(issue.input) : undefined),
}) as unknown as z.ZodType<AssertionSpec, AssertionSpec>;

/** The latency and throughput limits, as checks (from `thresholds`). */
export type ThresholdSpec = MaxTtftSpec | MaxE2eSpec | MaxTpotSpec | MinTokensPerSecSpec;
export type CheckSpec = AssertionSpec | ThresholdSpec;
type BaseSpec = PlainSpec | ThresholdSpec;
type BaseType = BaseSpec['type'];

type HandlerRegistry = { [Type in BaseType]: AssertionHandler<Extract<BaseSpec, { type: Type }>> };

const HANDLERS: HandlerRegistry = {
  contains,
  icontains,
  regex,
  'starts-with': startsWith,
  length,
  json,
  'key-points': keyPoints,
  custom,
  python,
  'max-ttft': maxTtft,
  'max-e2e': maxE2e,
  'max-tpot': maxTpot,
  'min-tokens-per-sec': minTokensPerSec,
};

/** The spec without its `not-`, and whether it had one. */
function splitNegation(spec: CheckSpec): { base: BaseSpec; negated: boolean } {
  if (!spec.type.startsWith(NEGATION)) return { base: spec as BaseSpec, negated: false };
  // The schema guarantees that a `not-x` spec has exactly the fields of an `x` spec.
  return { base: { ...spec, type: spec.type.slice(NEGATION.length) } as BaseSpec, negated: true };
}

function handlerOf<Type extends BaseType>(spec: Extract<BaseSpec, { type: Type }>): AssertionHandler<Extract<BaseSpec, { type: Type }>> {
  return HANDLERS[spec.type as Type];
}

export function assertionKind(spec: CheckSpec): AssertionKind {
  const { base } = splitNegation(spec);
  const handler = handlerOf(base);
  return typeof handler.kind === 'function' ? handler.kind(base) : handler.kind;
}

function weightOf(spec: CheckSpec): { weight?: number } {
  return 'weight' in spec && spec.weight !== undefined ? { weight: spec.weight } : {};
}

/** A content check on a synthetic model without known answers: neither passed nor failed. */
function skippedResult(spec: CheckSpec, context: AssertionContext): AssertionResult | null {
  if (assertionKind(spec) !== 'content' || !context.synthetic || context.knownAnswers === true) return null;
  return { type: spec.type, pass: true, score: 1, reason: `skipped: ${context.model} is synthetic, content is not judged`, skipped: true, ...weightOf(spec) };
}

/** The handler's outcome as the spec asked for it: inverted for `not-`, with its weight. */
function resultOf(spec: CheckSpec, negated: boolean, baseType: string, outcome: AssertionOutcome): AssertionResult {
  if (!negated) return { type: spec.type, ...outcome, ...weightOf(spec) };
  const reason = outcome.pass ? `expected "${baseType}" to fail; it passed: ${outcome.reason}` : `"${baseType}" failed, as required: ${outcome.reason}`;
  return { type: spec.type, pass: !outcome.pass, score: 1 - outcome.score, reason, ...weightOf(spec) };
}

function couldNotRun(spec: CheckSpec, error: unknown): AssertionResult {
  return { type: spec.type, pass: false, score: 0, reason: `the check could not run: ${error instanceof Error ? error.message : String(error)}`, ...weightOf(spec) };
}

async function evaluateOne(spec: CheckSpec, context: AssertionContext): Promise<AssertionResult> {
  const skipped = skippedResult(spec, context);
  if (skipped !== null) return skipped;
  const { base, negated } = splitNegation(spec);
  try {
    return resultOf(spec, negated, base.type, await handlerOf(base).evaluate(base, context));
  } catch (error) {
    return couldNotRun(spec, error);
  }
}

/**
 * One check, synchronously, for a matcher that cannot wait (`expect(reply).toMention(...)`); a
 * check whose handler is asynchronous (python, a custom one) goes through evaluateAssertions.
 */
export function evaluateAssertionNow(spec: CheckSpec, context: AssertionContext): AssertionResult {
  const skipped = skippedResult(spec, context);
  if (skipped !== null) return skipped;
  const { base, negated } = splitNegation(spec);
  try {
    const outcome = handlerOf(base).evaluate(base, context);
    if (outcome instanceof Promise) throw new Error(`"${base.type}" is asynchronous: use \`await expect(reply).toPass(...)\``);
    return resultOf(spec, negated, base.type, outcome);
  } catch (error) {
    return couldNotRun(spec, error);
  }
}

/**
 * Runs each check in order (python checks start processes: one at a time). Content checks on a
 * synthetic model without known answers come back `skipped: true` with pass true: they neither
 * pass nor fail a test, and count in no pass total.
 */
export async function evaluateAssertions(specs: readonly CheckSpec[], context: AssertionContext): Promise<AssertionResult[]> {
  const results: AssertionResult[] = [];
  for (const spec of specs) results.push(await evaluateOne(spec, context));
  return results;
}

/** The weighted mean score of the checks that ran; null when none did. */
export function caseScore(checks: readonly AssertionResult[]): number | null {
  const judged = checks.filter((check) => check.skipped !== true);
  const total = judged.reduce((sum, check) => sum + (check.weight ?? 1), 0);
  if (total === 0) return null;
  return judged.reduce((sum, check) => sum + check.score * (check.weight ?? 1), 0) / total;
}

/**
 * Names for a prompt's checks that stay put when checks are added elsewhere: `custom:<name>` for
 * a named custom check; else the type, with `#n` (1-based, in order) when the prompt has several
 * checks of that type, e.g. `regex#2`. The planted truth of the synthetic models uses them.
 */
export function checkIds(specs: readonly CheckSpec[]): string[] {
  const named = (spec: CheckSpec) => (spec.type === 'custom' && 'name' in spec && spec.name !== undefined ? `custom:${spec.name}` : null);
  const counts = new Map<string, number>();
  for (const spec of specs) if (named(spec) === null) counts.set(spec.type, (counts.get(spec.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  return specs.map((spec) => {
    const name = named(spec);
    if (name !== null) return name;
    const index = (seen.get(spec.type) ?? 0) + 1;
    seen.set(spec.type, index);
    return (counts.get(spec.type) ?? 0) > 1 ? `${spec.type}#${index}` : spec.type;
  });
}
