// How far two raters agree on the same answers: Cohen's kappa with quadratic weights (the usual
// measure for ordinal scales: a 4 against a 5 costs less than a 1 against a 5, and chance
// agreement is taken out), Spearman's rank correlation, and the mean absolute difference.

/**
 * Quadratically weighted kappa of paired ratings on the integer scale low..high (values are
 * rounded onto it). 1 is perfect agreement, 0 what chance gives, below 0 worse than chance;
 * null when chance alone would agree perfectly (both raters always gave the same one score).
 */
export function weightedKappa(first: readonly number[], second: readonly number[], low = 1, high = 5): number | null {
  if (first.length !== second.length) throw new RangeError(`paired ratings expected, got ${first.length} and ${second.length}`);
  const n = first.length;
  const k = high - low + 1;
  if (n === 0 || k < 2) return null;
  const clamp = (value: number) => Math.min(high, Math.max(low, Math.round(value))) - low;
  const observed = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const rowTotals = new Array<number>(k).fill(0);
  const columnTotals = new Array<number>(k).fill(0);
  for (let index = 0; index < n; index++) {
    const a = clamp(first[index] as number);
    const b = clamp(second[index] as number);
    (observed[a] as number[])[b] = ((observed[a] as number[])[b] as number) + 1;
    rowTotals[a] = (rowTotals[a] as number) + 1;
    columnTotals[b] = (columnTotals[b] as number) + 1;
  }
  let disagreement = 0;
  let expectedDisagreement = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const weight = (a - b) ** 2 / (k - 1) ** 2;
      disagreement += weight * ((observed[a] as number[])[b] as number);
      expectedDisagreement += (weight * (rowTotals[a] as number) * (columnTotals[b] as number)) / n;
    }
  }
  return expectedDisagreement === 0 ? null : 1 - disagreement / expectedDisagreement;
}

/** Ranks 1..n, ties sharing their mean rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value) end++;
    const rank = (start + end) / 2 + 1;
    for (let position = start; position <= end; position++) result[(order[position] as { index: number }).index] = rank;
    start = end + 1;
  }
  return result;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2) return null;
  const meanX = x.reduce((sum, value) => sum + value, 0) / n;
  const meanY = y.reduce((sum, value) => sum + value, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let index = 0; index < n; index++) {
    const dx = (x[index] as number) - meanX;
    const dy = (y[index] as number) - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  return varianceX === 0 || varianceY === 0 ? null : covariance / Math.sqrt(varianceX * varianceY);
}

/** Spearman's rho: Pearson's correlation of the ranks; null when either side does not vary. */
export function spearman(first: readonly number[], second: readonly number[]): number | null {
  if (first.length !== second.length) throw new RangeError(`paired ratings expected, got ${first.length} and ${second.length}`);
  return pearson(ranks(first), ranks(second));
}

export function meanAbsoluteDifference(first: readonly number[], second: readonly number[]): number | null {
  if (first.length !== second.length) throw new RangeError(`paired ratings expected, got ${first.length} and ${second.length}`);
  if (first.length === 0) return null;
  return first.reduce((sum, value, index) => sum + Math.abs(value - (second[index] as number)), 0) / first.length;
}
