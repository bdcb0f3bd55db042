// A seeded pseudo-random generator (xoshiro128**, seeded through SplitMix32): integer
// arithmetic only, so the same seed gives the same numbers on every machine and Node
// version. Math.random is never used for model weights.
import { float32ArrayToFloat16 } from '../gguf/float16.ts';

/** Draws are made in chunks of this many 32-bit words (the bulk loop keeps the state in locals). */
const CHUNK = 4096;

export class SeededRandom {
  private readonly state = new Uint32Array(4);
  private readonly chunk = new Uint32Array(CHUNK);

  constructor(seed: number) {
    let mixer = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      mixer = (mixer + 0x9e3779b9) >>> 0;
      let z = mixer;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.state[i] = z ^ (z >>> 16);
    }
  }

  /** Fills `target` with uniform 32-bit unsigned integers. */
  fillUint32(target: Uint32Array): void {
    const state = this.state;
    let a = state[0] as number;
    let b = state[1] as number;
    let c = state[2] as number;
    let d = state[3] as number;
    for (let i = 0; i < target.length; i++) {
      target[i] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
    }
    state[0] = a;
    state[1] = b;
    state[2] = c;
    state[3] = d;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const one = this.chunk.subarray(0, 1);
    this.fillUint32(one);
    return one[0] as number;
  }

  /** Fills `target` with uniform values in [-scale, scale) (exact multiples of 2^-31 before scaling). */
  fillUniform(target: Float32Array | Float64Array, scale: number): void {
    for (let start = 0; start < target.length; start += CHUNK) {
      const words = this.chunk.subarray(0, Math.min(CHUNK, target.length - start));
      this.fillUint32(words);
      for (let i = 0; i < words.length; i++) target[start + i] = (((words[i] as number) | 0) / 0x80000000) * scale;
    }
  }

  /**
   * Fills `target` with binary16 bit patterns, uniform over [-scale, scale) quantized to 65536
   * levels (finer than float16 itself near the ends): two values per 32-bit draw and a table
   * lookup each, several times faster than drawing floats and converting them, which matters
   * for the 100M-parameter model.
   */
  fillUniformFloat16(target: Uint16Array, scale: number): void {
    const table = uniformFloat16Table(scale);
    for (let start = 0; start < target.length; start += 2 * CHUNK) {
      const count = Math.min(2 * CHUNK, target.length - start);
      const words = this.chunk.subarray(0, Math.ceil(count / 2));
      this.fillUint32(words);
      for (let i = 0; i < count; i++) {
        const word = words[i >>> 1] as number;
        target[start + i] = table[i & 1 ? word >>> 16 : word & 0xffff] as number;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const float16Tables = new Map<number, Uint16Array>();

function uniformFloat16Table(scale: number): Uint16Array {
  let table = float16Tables.get(scale);
  if (table === undefined) {
    const levels = new Float32Array(65536);
    for (let level = 0; level < levels.length; level++) levels[level] = ((level + 0.5) / 32768 - 1) * scale;
    table = float32ArrayToFloat16(levels);
    float16Tables.set(scale, table);
  }
  return table;
}
