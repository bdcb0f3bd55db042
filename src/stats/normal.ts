// The standard normal distribution, for planning repeats (how many samples tell a change of a
// given size), and for the rank test on large samples, where its distribution is all but normal.

const CENTRAL_NUMERATOR = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const CENTRAL_DENOMINATOR = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1, 1];
const TAIL_NUMERATOR = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const TAIL_DENOMINATOR = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1];
const TAIL_START = 0.02425;

/** c0 x^k + c1 x^(k-1) + ... + ck */
const horner = (coefficients: readonly number[], x: number) => coefficients.reduce((sum, coefficient) => sum * x + coefficient, 0);

/**
 * The p-quantile of the standard normal distribution (P. J. Acklam's rational approximation,
 * relative error below 1.2e-9 over (0, 1)).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1, got ${p}`);
  const tail = (q: number) => horner(TAIL_NUMERATOR, q) / horner(TAIL_DENOMINATOR, q);
  if (p < TAIL_START) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - TAIL_START) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (q * horner(CENTRAL_NUMERATOR, r)) / horner(CENTRAL_DENOMINATOR, r);
}

/**
 * P(Z <= z) for the standard normal distribution, from the complementary error function
 * (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7 everywhere).
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + x / 2);
  const exponent =
    -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const upper = (t * Math.exp(exponent)) / 2;
  return z >= 0 ? 1 - upper : upper;
}
