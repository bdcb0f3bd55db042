// Thresholds on the request's metrics: max-ttft, max-e2e, max-tpot, min-tokens-per-sec.
import { z } from 'zod';
import type { RequestMetrics } from '../contract/results.ts';
import { failed, passed, type AssertionContext, type AssertionHandler, type AssertionOutcome } from './types.ts';

const limitMs = z.number().positive('expected a positive number of milliseconds');

export const MaxTtftSpec = z.object({ type: z.literal('max-ttft'), ms: limitMs }).strict();
export const MaxE2eSpec = z.object({ type: z.literal('max-e2e'), ms: limitMs }).strict();
export const MaxTpotSpec = z.object({ type: z.literal('max-tpot'), ms: limitMs }).strict();
export const MinTokensPerSecSpec = z
  .object({ type: z.literal('min-tokens-per-sec'), value: z.number().positive('expected a positive rate') })
  .strict();
export type MaxTtftSpec = z.infer<typeof MaxTtftSpec>;
export type MaxE2eSpec = z.infer<typeof MaxE2eSpec>;
export type MaxTpotSpec = z.infer<typeof MaxTpotSpec>;
export type MinTokensPerSecSpec = z.infer<typeof MinTokensPerSecSpec>;

interface Measured {
  label: string;
  pick: (metrics: RequestMetrics) => number | null;
  /** Why the metric can be null, for the reason. */
  whenNull: (metrics: RequestMetrics) => string;
}

const noOutput = () => 'the reply carried no output';

function judge(measured: Measured, context: AssertionContext, limit: number, direction: 'max' | 'min', unit: string): AssertionOutcome {
  if (context.metrics === null) return failed(`no ${measured.label} to check against ${limit} ${unit}: the request produced no metrics`);
  const value = measured.pick(context.metrics);
  if (value === null) return failed(`no ${measured.label} to check against ${limit} ${unit}: ${measured.whenNull(context.metrics)}`);
  const shown = `${measured.label} ${value.toFixed(1)} ${unit}`;
  const ok = direction === 'max' ? value <= limit : value >= limit;
  if (ok) return passed(`${shown} is within the ${direction === 'max' ? 'maximum' : 'minimum'} of ${limit} ${unit}`);
  return failed(`expected ${measured.label} ${direction === 'max' ? 'at most' : 'at least'} ${limit} ${unit}; got ${value.toFixed(1)} ${unit}`);
}

const TTFT: Measured = { label: 'TTFT', pick: (metrics) => metrics.ttftMs, whenNull: noOutput };
const E2E: Measured = { label: 'E2E latency', pick: (metrics) => metrics.e2eMs, whenNull: noOutput };
const TPOT: Measured = {
  label: 'TPOT',
  pick: (metrics) => metrics.tpotMs,
  whenNull: (metrics) =>
    metrics.outputTokens <= 1
      ? `it is undefined for ${metrics.outputTokens} output token${metrics.outputTokens === 1 ? '' : 's'}`
      : `all ${metrics.outputTokens} tokens arrived in one event, so no decode interval was seen`,
};
const RATE: Measured = { label: 'output tokens/s', pick: (metrics) => metrics.tokensPerSec, whenNull: noOutput };

export const maxTtft: AssertionHandler<MaxTtftSpec> = {
  kind: 'performance',
  evaluate: ({ ms }, context) => judge(TTFT, context, ms, 'max', 'ms'),
};

export const maxE2e: AssertionHandler<MaxE2eSpec> = {
  kind: 'performance',
  evaluate: ({ ms }, context) => judge(E2E, context, ms, 'max', 'ms'),
};

export const maxTpot: AssertionHandler<MaxTpotSpec> = {
  kind: 'performance',
  evaluate: ({ ms }, context) => judge(TPOT, context, ms, 'max', 'ms'),
};

export const minTokensPerSec: AssertionHandler<MinTokensPerSecSpec> = {
  kind: 'performance',
  evaluate: ({ value }, context) => judge(RATE, context, value, 'min', 'tokens/s'),
};
