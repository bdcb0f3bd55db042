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
