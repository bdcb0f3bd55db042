// IEEE 754 binary32 -> binary16 conversion with round-to-nearest-even, the rounding numpy
// and ggml's own conversion use: F16 weights written here are bit-identical to what a Python
// converter would write for the same float32 values.

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `value` (ties to even; overflow to infinity; NaN stays NaN). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  return bitsToHalf(f32Bits[0] ?? 0);
}

/** Converts a whole array; `target` (if given) must have the same length. */
export function float32ArrayToFloat16(source: Float32Array, target = new Uint16Array(source.length)): Uint16Array {
  if (target.length !== source.length) {
    throw new RangeError(`float16 target has ${target.length} elements, source has ${source.length}`);
  }
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < bits.length; i++) target[i] = bitsToHalf(bits[i] ?? 0);
  return target;
}

/** The float32 value of a binary16 bit pattern (exact: every half is a float32). */
export function float16BitsToFloat32(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bitsToHalf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) {
    // Infinity stays infinity; NaN keeps its top payload bits and is forced quiet so it
    // cannot collapse into infinity.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): the value is significand * 2^(halfExponent - 14 - 10).
    const shift = 14 - halfExponent;
    if (shift > 24) return sign; // below half of the smallest subnormal: rounds to zero
    const significand = mantissa | 0x800000;
    let half = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
    // A carry out of the subnormal range lands exactly on the smallest normal's encoding.
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++;
  // A carry out of the mantissa increments the exponent; from the largest finite value it
  // reaches 0x7c00, infinity, which is the correct rounding.
  return sign | half;
}
