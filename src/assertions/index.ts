// The assertion registry: every assertion type, the zod schema of the specs eval files write,
// and evaluateAssertions, which runs specs against a reply (promptfoo's shape: one small
// handler per type, a typed map from type to handler).
import { z } from 'zod';
import type { AssertionResult } from '../contract/results.ts';
import { closestNames } from '../util/suggest.ts';
import { custom, CustomSpec } from './custom.ts';
import { json, JsonSpec } from './json.ts';
import { length, LengthSpec } from './length.ts';
import { maxE2e, MaxE2eSpec, maxTpot, MaxTpotSpec, maxTtft, MaxTtftSpec, minTokensPerSec, MinTokensPerSecSpec } from './performance.ts';
import { python, PythonSpec } from './python.ts';
import { contains, ContainsSpec, icontains, IContainsSpec, notContains, NotContainsSpec, regex, RegexSpec, startsWith, StartsWithSpec } from './text.ts';
import type { AssertionContext, AssertionHandler, AssertionKind } from './types.ts';

export type { AssertionContext, AssertionKind } from './types.ts';
export type { CustomCheck, CustomVerdict } from './custom.ts';

const SPEC_SCHEMAS = [
  ContainsSpec,
  IContainsSpec,
  NotContainsSpec,
  RegexSpec,
  StartsWithSpec,
  LengthSpec,
  JsonSpec,
  CustomSpec,
  PythonSpec,
  MaxTtftSpec,
  MaxE2eSpec,
  MaxTpotSpec,
  MinTokensPerSecSpec,
] as const;

export const ASSERTION_TYPES = SPEC_SCHEMAS.map((schema) => schema.shape.type.value);

function unknownTypeMessage(input: unknown): string {
  const type = typeof input === 'object' && input !== null && 'type' in input ? input.type : undefined;
  const known = `known types: ${ASSERTION_TYPES.join(', ')}`;
  if (typeof type !== 'string') return `expected a "type"; ${known}`;
  const suggestions = closestNames(type, ASSERTION_TYPES);
  const hint = suggestions.length === 0 ? '' : ` (did you mean ${suggestions.map((name) => `"${name}"`).join(' or ')}?)`;
  return `unknown assertion type "${type}"${hint}; ${known}`;
}

/** One check as an eval file writes it, e.g. `{ type: 'icontains', value: 'edge' }`. */
export const AssertionSpecSchema = z.discriminatedUnion('type', SPEC_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? unknownTypeMessage(issue.input) : undefined),
});
export type AssertionSpec = z.infer<typeof AssertionSpecSchema>;
export type AssertionType = AssertionSpec['type'];

type HandlerRegistry = { [Type in AssertionType]: AssertionHandler<Extract<AssertionSpec, { type: Type }>> };

const HANDLERS: HandlerRegistry = {
  contains,
  icontains,
  'not-contains': notContains,
  regex,
  'starts-with': startsWith,
  length,
  json,
  custom,
  python,
  'max-ttft': maxTtft,
  'max-e2e': maxE2e,
  'max-tpot': maxTpot,
  'min-tokens-per-sec': minTokensPerSec,
};

export function assertionKind(type: AssertionType): AssertionKind {
  return HANDLERS[type].kind;
}

async function evaluateOne<Type extends AssertionType>(spec: Extract<AssertionSpec, { type: Type }>, context: AssertionContext): Promise<AssertionResult> {
  const handler = HANDLERS[spec.type as Type];
  if (handler.kind === 'content' && context.synthetic) {
    return { type: spec.type, pass: true, score: 1, reason: `skipped: ${context.model} is synthetic, content is not judged`, skipped: true };
  }
  try {
    return { type: spec.type, ...(await handler.evaluate(spec, context)) };
  } catch (error) {
    return { type: spec.type, pass: false, score: 0, reason: `the check could not run: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Runs each check in order (python checks start processes: one at a time). Content checks on a
 * synthetic model come back `skipped: true` with pass true: they neither pass nor fail a test,
 * and count in no pass total.
 */
export async function evaluateAssertions(specs: readonly AssertionSpec[], context: AssertionContext): Promise<AssertionResult[]> {
  const results: AssertionResult[] = [];
  for (const spec of specs) results.push(await evaluateOne(spec, context));
  return results;
}
