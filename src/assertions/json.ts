// The reply is JSON (bare or in a ``` fenced block), optionally matching a zod schema.
import { z } from 'zod';
import { replyExcerpt } from './excerpt.ts';
import { failed, passed, type AssertionHandler } from './types.ts';

const FENCED_BLOCK = /```[^\n`]*\n([\s\S]*?)```/g;

export const JsonSpec = z
  .object({
    type: z.literal('json'),
    /** A zod schema the parsed value must satisfy. */
    schema: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'expected a zod schema (z.object({...}))').optional(),
  })
  .strict();
export type JsonSpec = z.infer<typeof JsonSpec>;

type Parsed = { ok: true; value: unknown; from: string } | { ok: false; error: string };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** The reply itself, else the first fenced block that parses (models like ```json fences). */
function extractJson(response: string): Parsed {
  const whole = parseJson(response.trim());
  if (whole.ok) return { ...whole, from: 'the reply' };
  for (const match of response.matchAll(FENCED_BLOCK)) {
    const block = parseJson((match[1] ?? '').trim());
    if (block.ok) return { ...block, from: 'a fenced block' };
  }
  return { ok: false, error: whole.error };
}

export const json: AssertionHandler<JsonSpec> = {
  kind: 'content',
  evaluate: ({ schema }, { response }) => {
    const parsed = extractJson(response);
    if (!parsed.ok) {
      return failed(`expected JSON (bare or in a \`\`\` block); the reply does not parse: ${parsed.error}. ${replyExcerpt(response)}`);
    }
    if (schema === undefined) return passed(`${parsed.from} is valid JSON`);
    const checked = schema.safeParse(parsed.value);
    if (checked.success) return passed(`${parsed.from} is valid JSON matching the schema`);
    const issues = checked.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`);
    return failed(`expected JSON matching the schema; ${parsed.from} parses but ${issues.join('; ')}. ${replyExcerpt(response)}`);
  },
};
