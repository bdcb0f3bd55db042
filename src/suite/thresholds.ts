// Latency and throughput thresholds: fixtures/thresholds.json gives defaults and per-model
// values; an eval can override them, and a prompt can override the eval. Later wins.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../util/paths.ts';

const ThresholdsSchema = z
  .object({
    /** Maximum time to first token, ms. */
    ttftMs: z.number().positive().optional(),
    /** Maximum end-to-end latency, ms. */
    e2eMs: z.number().positive().optional(),
    /** Maximum time per output token after the first, ms. */
    tpotMs: z.number().positive().optional(),
    /** Minimum output tokens per second (n / E2E). */
    tokensPerSec: z.number().positive().optional(),
  })
  .strict();
export type Thresholds = z.infer<typeof ThresholdsSchema>;

export const ThresholdOverridesSchema = ThresholdsSchema.extend({
  models: z.record(z.string(), ThresholdsSchema).optional(),
}).strict();
export type ThresholdOverrides = z.infer<typeof ThresholdOverridesSchema>;

const ThresholdsFileSchema = z.object({
  $comment: z.string().optional(),
  default: ThresholdsSchema,
  models: z.record(z.string(), ThresholdsSchema).default({}),
});

export const THRESHOLDS_FILE = path.join(PROJECT_ROOT, 'fixtures', 'thresholds.json');

let defaults: z.infer<typeof ThresholdsFileSchema> | undefined;

function fileDefaults() {
  if (defaults !== undefined) return defaults;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(THRESHOLDS_FILE, 'utf8'));
  } catch (error) {
    throw new Error(`Could not read ${THRESHOLDS_FILE}: ${(error as Error).message}`);
  }
  const parsed = ThresholdsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new Error(`Invalid ${THRESHOLDS_FILE}:\n${problems.join('\n')}`);
  }
  defaults = parsed.data;
  return defaults;
}

function modelLevel(model: string, overrides: ThresholdOverrides | undefined): Thresholds {
  if (overrides === undefined) return {};
  const { models, ...common } = overrides;
  return { ...common, ...(models?.[model] ?? {}) };
}

export function resolveThresholds(
  model: string,
  evalOverrides: ThresholdOverrides | undefined,
  promptOverrides: ThresholdOverrides | undefined,
): Thresholds {
  const file = fileDefaults();
  return {
    ...file.default,
    ...(file.models[model] ?? {}),
    ...modelLevel(model, evalOverrides),
    ...modelLevel(model, promptOverrides),
  };
}
