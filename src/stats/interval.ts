// The 95% interval of a mean of scores: mean ± t(0.975, n - 1) · s / √n, Student's t because a
// model is scored on a handful of answers (six prompts by default), where the normal
// approximation would claim more certainty than the data has.

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z_975 = 1.959964;

/** t(0.975, df): the table up to 30, then the Cornish-Fisher expansion around the normal quantile. */
export function tQuantile975(degreesOfFreedom: number): number {
  if (!(degreesOfFreedom >= 1)) throw new RangeError(`degrees of freedom must be >= 1, got ${degreesOfFreedom}`);
  const tabled = T_975[Math.floor(degreesOfFreedom) - 1];
  if (tabled !== undefined) return tabled;
  const z = Z_975;
  const v = degreesOfFreedom;
  return z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2);
}

/** Fewer answers than this get a mean without an interval: with 2-4 the interval spans most of the scale. */
export const MIN_ANSWERS_FOR_INTERVAL = 5;

export interface MeanInterval {
  n: number;
  mean: number | null;
  /** null below MIN_ANSWERS_FOR_INTERVAL values. */
  low: number | null;
  high: number | null;
}

/** Mean and 95% interval of values on a bounded scale; the interval is clipped to [min, max]. */
export function meanInterval(values: readonly number[], scale: { min: number; max: number }): MeanInterval {
  const n = values.length;
  if (n === 0) return { n, mean: null, low: null, high: null };
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n < MIN_ANSWERS_FOR_INTERVAL) return { n, mean, low: null, high: null };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  return { n, mean, low: Math.max(scale.min, mean - half), high: Math.min(scale.max, mean + half) };
}
