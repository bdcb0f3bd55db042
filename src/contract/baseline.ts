// A baseline is a results file kept as the reference a later run is gated against. It is a
// full `Results` (so it records the runtime, every model ID and the machine, and any
// results file can serve as a baseline) plus, when written by `--save-baseline`, a note of
// where and when it was saved.
import { z } from 'zod';
import { Results } from './results.ts';

export const BaselineInfo = z.object({
  savedAt: z.string(),
  /** The results file the baseline was taken from, when there was one. */
  source: z.string().nullable(),
});
export type BaselineInfo = z.infer<typeof BaselineInfo>;

export const Baseline = Results.extend({
  baseline: BaselineInfo.optional(),
});
export type Baseline = z.infer<typeof Baseline>;

export function toBaseline(results: Results, info: BaselineInfo): Baseline {
  return { ...results, baseline: info };
}
