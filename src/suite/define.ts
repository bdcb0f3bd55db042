// `defineEval`: what an evals/*.eval.ts file calls. It turns a short declarative definition
// into one vitest test per (model, prompt[, repeat]), named `<model> > <category>/<prompt id>`
// so that `-t` and the vitest UI find it. The model comes from the vitest project the file
// runs in (one project per model, see projects.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, inject, test } from 'vitest';
import { z } from 'zod';
import { AssertionSpecSchema } from '../assertions/index.ts';
import { loadConfig } from '../config/env.ts';
import { testId } from '../contract/results.ts';
import { acquireModel } from '../lifecycle/control-client.ts';
import type { ModelLease } from '../lifecycle/coordinator.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { runCase } from './run-case.ts';
import { resolveThresholds, ThresholdOverridesSchema } from './thresholds.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The model this vitest project evaluates. */
    edgeEvalsModel: string;
  }
}

const PROMPT_ID = /^[a-z0-9][a-z0-9-]*$/;

const EvalPromptSchema = z
  .object({
    id: z.string().regex(PROMPT_ID, 'expected lower-case letters, digits and dashes, e.g. "sort-function"'),
    /** The prompt text; with `file`, it comes first, then the file's content. */
    prompt: z.string().min(1).optional(),
    /** A file under fixtures/prompts/ whose content is (part of) the prompt. */
    file: z.string().min(1).optional(),
    system: z.string().optional(),
    assert: z.array(AssertionSpecSchema).default([]),
    thresholds: ThresholdOverridesSchema.optional(),
    maxTokens: z.number().int().positive().optional(),
  })
  .strict()
  .refine((prompt) => prompt.prompt !== undefined || prompt.file !== undefined, 'needs `prompt`, `file` or both');

const EvalDefinitionSchema = z
  .object({
    category: z.string().regex(PROMPT_ID, 'expected lower-case letters, digits and dashes, e.g. "code"'),
    description: z.string().optional(),
    system: z.string().optional(),
    /** Checks applied to every prompt of this eval, before the prompt's own. */
    assert: z.array(AssertionSpecSchema).default([]),
    thresholds: ThresholdOverridesSchema.optional(),
    prompts: z.array(EvalPromptSchema).min(1),
  })
  .strict();

export type EvalDefinition = z.input<typeof EvalDefinitionSchema>;
export type EvalPrompt = z.input<typeof EvalPromptSchema>;

/** The eval file that called defineEval, for error messages (from the call stack). */
function callerFile(): string {
  const line = new Error().stack?.split('\n').find((frame) => frame.includes('.eval.'));
  const match = line?.match(/(?:file:\/\/)?(\/[^:)]+\.eval\.[cm]?[jt]s)/);
  return match?.[1] === undefined ? 'an eval file' : path.relative(PROJECT_ROOT, match[1]);
}

/** The definition, validated; an error names the eval file and the field. */
export function parseDefinition(definition: EvalDefinition, file: string) {
  const parsed = EvalDefinitionSchema.safeParse(definition);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length === 0 ? '(the definition)' : issue.path.join('.');
    return `  ${where}: ${issue.message}`;
  });
  throw new Error(`Invalid eval definition in ${file}:\n${problems.join('\n')}`);
}

/** The text sent: `prompt`, then the content of `file` (under fixtures/prompts/) when given. */
export function promptText(prompt: { prompt?: string; file?: string }, file: string): string {
  if (prompt.file === undefined) return prompt.prompt ?? '';
  const location = path.join(PROJECT_ROOT, 'fixtures', 'prompts', prompt.file);
  let content: string;
  try {
    content = readFileSync(location, 'utf8').trim();
  } catch {
    throw new Error(`${file}: prompt file fixtures/prompts/${prompt.file} does not exist`);
  }
  return prompt.prompt === undefined ? content : `${prompt.prompt}\n\n${content}`;
}

export function defineEval(definition: EvalDefinition): void {
  const file = callerFile();
  const evalDefinition = parseDefinition(definition, file);
  const config = loadConfig();
  const model = inject('edgeEvalsModel');
  const control = inject('edgeEvalsControl');

  describe(model, () => {
    let lease: ModelLease;
    beforeAll(async () => {
      lease = await acquireModel(control, model);
    }, config.loadTimeoutMs + 60_000);

    for (const prompt of evalDefinition.prompts) {
      const text = promptText(prompt, file);
      const thresholds = resolveThresholds(model, evalDefinition.thresholds, prompt.thresholds);
      for (let repeat = 0; repeat < config.repeats; repeat++) {
        const id = testId({ category: evalDefinition.category, prompt: prompt.id });
        const name = config.repeats > 1 ? `${id} #${repeat + 1}` : id;
        test(
          name,
          async (context) => {
            await runCase(context, {
              name: `${model} > ${name}`,
              lease,
              onReconnect: (moved) => {
                lease = moved;
              },
              control,
              config,
              category: evalDefinition.category,
              promptId: prompt.id,
              repeat,
              system: prompt.system ?? evalDefinition.system,
              prompt: text,
              maxTokens: prompt.maxTokens ?? config.maxTokens,
              assertions: [...evalDefinition.assert, ...prompt.assert],
              thresholds,
            });
          },
          // The request, and once a reconnect that may load the model again.
          config.timeoutMs * 2 + config.loadTimeoutMs + 30_000,
        );
      }
    }
  });
}
