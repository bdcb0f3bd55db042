// A small seeded pseudo-random generator for the resampling statistics. The gate must give the
// same verdict on the same inputs (a CI run re-rendered later must not change its mind), so
// bootstrap and permutation draws never come from Math.random.

/** mulberry32: 32-bit state, uniform floats in [0, 1); plenty for resampling. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in 0..count-1. */
export function randomIndex(random: () => number, count: number): number {
  return Math.min(count - 1, Math.floor(random() * count));
}

/** A standard normal draw (Box-Muller; 1 - random() keeps the logarithm finite). */
export function randomNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw for shape >= 1 (Marsaglia and Tsang's squeeze, about 1.02 tries a draw). */
export function randomGamma(random: () => number, shape: number): number {
  if (!(shape >= 1)) throw new RangeError(`gamma shape must be at least 1, got ${shape}`);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = randomNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(1 - random()) < (x * x) / 2 + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw for a, b >= 1. */
export function randomBeta(random: () => number, a: number, b: number): number {
  const x = randomGamma(random, a);
  return x / (x + randomGamma(random, b));
}
