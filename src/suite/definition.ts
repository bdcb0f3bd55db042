// What an eval file writes: the zod schema of `defineEval`'s argument, and its validation with
// errors that name the file, the line and the field.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AssertionSpecSchema, type AssertionSpec } from '../assertions/index.ts';
import type { ChatMessage } from '../contract/chat.ts';
import { Expected, TemplateVars } from '../contract/results.ts';
import { CriteriaSpec, EvalCriteriaSpec } from '../criteria/index.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { EvalFileError, type SourceLocation } from './location.ts';
import { ThresholdOverridesSchema } from './thresholds.ts';

const ID = /^[a-z0-9][a-z0-9-]*$/;
const id = (example: string) => z.string().regex(ID, `expected lower-case letters, digits and dashes, e.g. "${example}"`);

/** Settings an eval or one of its prompts may set apart from the run's (EVAL_REPEATS, ...). */
export const RequestSettings = {
  /** Requests per prompt (per data row); default EVAL_REPEATS. */
  repeats: z.number().int().positive().optional(),
  /** Sampling temperature, 0..2; default EVAL_TEMPERATURE. */
  temperature: z.number().min(0).max(2).optional(),
  /** At most this many tokens per answer; default EVAL_MAX_TOKENS. */
  maxTokens: z.number().int().positive().optional(),
  /** Leave out of the run. */
  skip: z.boolean().optional(),
  /** Run only this (and whatever else says `only`) in the files selected. */
  only: z.boolean().optional(),
};

const ChatMessageSchema = z
  .object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })
  .strict() satisfies z.ZodType<ChatMessage>;

export const DataRowSchema = z
  .object({
    /** Names the row in test names (`capitals/ask/france`); default: its 1-based position. */
    id: id('france').optional(),
    vars: TemplateVars.default({}),
    expected: Expected.optional(),
  })
  .strict();
export type DataRow = z.input<typeof DataRowSchema>;
export type DataLoader = () => readonly DataRow[] | Promise<readonly DataRow[]>;

const EvalPromptSchema = z
  .object({
    id: id('sort-function'),
    /** The prompt text; with `file`, it comes first, then the file's content. */
    prompt: z.string().min(1).optional(),
    /** A file under fixtures/prompts/ whose content is (part of) the prompt. */
    file: z.string().min(1).optional(),
    /** A conversation to continue, instead of `prompt`: the model answers its last (user) message. */
    messages: z.array(ChatMessageSchema).min(1).optional(),
    system: z.string().optional(),
    /** A reference answer, or key points (`['qubits', { any: ['superposition', 'both 0 and 1'] }]`). */
    expected: Expected.optional(),
    assert: z.array(AssertionSpecSchema).default([]),
    thresholds: ThresholdOverridesSchema.optional(),
    /** How the answer's criteria are scored: reference facts, the form asked for; `false` leaves one out. */
    criteria: CriteriaSpec.optional(),
    ...RequestSettings,
  })
  .strict()
  .superRefine((prompt, context) => {
    const hasText = prompt.prompt !== undefined || prompt.file !== undefined;
    if (prompt.messages === undefined && !hasText) context.addIssue({ code: 'custom', message: 'needs `prompt`, `file` or `messages`' });
    if (prompt.messages !== undefined && hasText) {
      context.addIssue({ code: 'custom', path: ['messages'], message: '`messages` replaces `prompt` and `file`: give one or the other' });
    }
    if (prompt.messages !== undefined && prompt.messages.at(-1)?.role !== 'user') {
      context.addIssue({ code: 'custom', path: ['messages', prompt.messages.length - 1, 'role'], message: 'the last message must be the user\'s: it is what the model answers' });
    }
  });

const DataSchema = z.union([
  z.array(DataRowSchema).min(1),
  z.string().regex(/\.(json|jsonl|csv)$/i, 'expected a .json, .jsonl or .csv file under fixtures/data/'),
  z.custom<DataLoader>((value) => typeof value === 'function', 'expected rows, a file name or a function returning rows'),
]);

const EvalDefinitionSchema = z
  .object({
    category: id('code'),
    description: z.string().optional(),
    system: z.string().optional(),
    /** Rows of `vars` and `expected`: every prompt runs once per row, with `{{var}}` filled in. */
    data: DataSchema.optional(),
    /** Checks applied to every prompt of this eval, before the prompt's own. */
    assert: z.array(AssertionSpecSchema).default([]),
    thresholds: ThresholdOverridesSchema.optional(),
    /** Criteria settings for every prompt, and the category's weights in the recommendation. */
    criteria: EvalCriteriaSpec.optional(),
    ...RequestSettings,
    prompts: z.array(EvalPromptSchema).min(1),
  })
  .strict();

export type EvalDefinition = z.input<typeof EvalDefinitionSchema>;
export type EvalPrompt = z.input<typeof EvalPromptSchema>;
export type ParsedDefinition = z.output<typeof EvalDefinitionSchema>;
export type ParsedPrompt = ParsedDefinition['prompts'][number];
export type { AssertionSpec };

/** The line of the first `text` at or after `fromLine` (1-based) in `source`, or null. */
function lineOf(source: readonly string[], text: string, fromLine: number): number | null {
  for (let index = Math.max(0, fromLine - 1); index < source.length; index++) {
    if (source[index]?.includes(text) === true) return index + 1;
  }
  return null;
}

/**
 * The line a problem is on, as near as the source shows it: the prompt's `id: '…'` line for a
 * problem inside a prompt, then the offending value's own line when it is a literal found there.
 */
function problemLine(issue: z.core.$ZodIssue, definition: unknown, source: readonly string[], callLine: number | null): number | null {
  if (callLine === null) return null;
  let line = callLine;
  const [first, index] = issue.path;
  const prompts = typeof definition === 'object' && definition !== null ? (definition as { prompts?: unknown }).prompts : undefined;
  if (first === 'prompts' && typeof index === 'number' && Array.isArray(prompts)) {
    const promptId = (prompts[index] as { id?: unknown } | undefined)?.id;
    if (typeof promptId === 'string') line = lineOf(source, `'${promptId}'`, line) ?? lineOf(source, `"${promptId}"`, line) ?? line;
  }
  const value = issue.path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined), definition);
  if (typeof value === 'string' || typeof value === 'number') {
    const literal = typeof value === 'string' ? [`'${value}'`, `"${value}"`] : [String(value)];
    line = literal.map((text) => lineOf(source, text, line)).find((found) => found !== null) ?? line;
  } else if (issue.code === 'unrecognized_keys') {
    line = lineOf(source, `${issue.keys[0]}:`, line) ?? line;
  }
  return line;
}

function readSource(location: SourceLocation): string[] {
  try {
    return readFileSync(path.resolve(PROJECT_ROOT, location.file), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** The definition, validated; an EvalFileError names the file, and each field with its line. */
export function parseDefinition(definition: EvalDefinition, location: SourceLocation): ParsedDefinition {
  const parsed = EvalDefinitionSchema.safeParse(definition);
  if (parsed.success) return parsed.data;
  const source = readSource(location);
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? '(the definition)' : issue.path.join('.');
    const line = problemLine(issue, definition, source, location.line);
    return `${field}${line === null ? '' : ` (line ${line})`}: ${issue.message}`;
  });
  throw new EvalFileError(location, problems);
}
