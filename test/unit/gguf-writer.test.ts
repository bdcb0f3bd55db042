import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufFileInfo } from 'node-llama-cpp';
import { float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from '../../src/embedded/gguf/float16.ts';
import { gguf, writeGgufFile, type GgufMetadataValue } from '../../src/embedded/gguf/writer.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gguf-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads a dotted key out of node-llama-cpp's nested metadata object. */
function lookup(metadata: object, key: string): unknown {
  let node: unknown = metadata;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

describe('writeGgufFile', () => {
  const metadata: Array<[string, GgufMetadataValue]> = [
    ['general.architecture', gguf.string('llama')],
    ['test.u8', gguf.u8(255)],
    ['test.i8', gguf.i8(-128)],
    ['test.u16', gguf.u16(65535)],
    ['test.i16', gguf.i16(-32768)],
    ['test.u32', gguf.u32(4294967295)],
    ['test.i32', gguf.i32(-2147483648)],
    ['test.u64', gguf.u64(18446744073709551615n)],
    ['test.i64', gguf.i64(-9223372036854775808n)],
    ['test.f32', gguf.f32(1.5)],
    ['test.f64', gguf.f64(Math.PI)],
    ['test.bool_true', gguf.bool(true)],
    ['test.bool_false', gguf.bool(false)],
    ['test.string', gguf.string('héllo, 世界 <|im_end|>')],
    ['test.empty_string', gguf.string('')],
    ['test.u8_array', gguf.numberArray('u8', [0, 1, 255])],
    ['test.i32_array', gguf.numberArray('i32', Int32Array.from([-1, 0, 7]))],
    ['test.f32_array', gguf.numberArray('f32', [0.25, -2])],
    ['test.f64_array', gguf.numberArray('f64', [1e300])],
    ['test.u64_array', gguf.bigIntArray('u64', [1n, 2])],
    ['test.bool_array', gguf.boolArray([true, false, true])],
    ['test.string_array', gguf.stringArray(['a', 'Ġb', ''])],
    ['test.empty_array', gguf.stringArray([])],
  ];
  // Odd sizes so every tensor after the first needs padding to reach the alignment.
  const a = Float32Array.from({ length: 3 * 5 }, (_, i) => i - 7.25);
  const b = Float32Array.from([1, -1, 0.1, 65504, 1e-7, -0]);
  const c = Float32Array.from({ length: 7 }, (_, i) => i / 3);

  it('round-trips every metadata type and places tensors at aligned offsets', async () => {
    const file = path.join(dir, 'all-types.gguf');
    const result = await writeGgufFile(file, {
      metadata,
      tensors: [
        { name: 'a', type: 'F32', dimensions: [3, 5], data: a },
        { name: 'b', type: 'F16', dimensions: [6], data: () => b },
        { name: 'blk.0.c', type: 'F32', dimensions: [7, 1, 1], data: c },
        { name: 'raw_halves', type: 'F16', dimensions: [3], data: Uint16Array.from([0x3c00, 0x0001, 0xfc00]) },
      ],
    });
    const bytes = await readFile(file);
    expect(result.sizeBytes).toBe(bytes.length);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.dataOffset % 32).toBe(0);

    const info = await readGgufFileInfo(file, { logWarnings: false });
    expect(info.version).toBe(3);
    const meta = info.metadata as object;
    expect(lookup(meta, 'general.alignment')).toBe(32);
    expect(lookup(meta, 'general.architecture')).toBe('llama');
    expect(lookup(meta, 'test.u8')).toBe(255);
    expect(lookup(meta, 'test.i8')).toBe(-128);
    expect(lookup(meta, 'test.u16')).toBe(65535);
    expect(lookup(meta, 'test.i16')).toBe(-32768);
    expect(lookup(meta, 'test.u32')).toBe(4294967295);
    expect(lookup(meta, 'test.i32')).toBe(-2147483648);
    expect(BigInt(lookup(meta, 'test.u64') as bigint)).toBe(18446744073709551615n);
    expect(BigInt(lookup(meta, 'test.i64') as bigint)).toBe(-9223372036854775808n);
    expect(lookup(meta, 'test.f32')).toBe(1.5);
    expect(lookup(meta, 'test.f64')).toBe(Math.PI);
    expect(lookup(meta, 'test.bool_true')).toBe(true);
    expect(lookup(meta, 'test.bool_false')).toBe(false);
    expect(lookup(meta, 'test.string')).toBe('héllo, 世界 <|im_end|>');
    expect(lookup(meta, 'test.empty_string')).toBe('');
    expect(lookup(meta, 'test.u8_array')).toEqual([0, 1, 255]);
    expect(lookup(meta, 'test.i32_array')).toEqual([-1, 0, 7]);
    expect(lookup(meta, 'test.f32_array')).toEqual([0.25, -2]);
    expect(lookup(meta, 'test.f64_array')).toEqual([1e300]);
    expect((lookup(meta, 'test.u64_array') as bigint[]).map((value) => BigInt(value))).toEqual([1n, 2n]);
    expect(lookup(meta, 'test.bool_array')).toEqual([true, false, true]);
    expect(lookup(meta, 'test.string_array')).toEqual(['a', 'Ġb', '']);
    expect(lookup(meta, 'test.empty_array')).toEqual([]);

    const tensors = info.tensorInfo ?? [];
    expect(tensors.map((tensor) => tensor.name)).toEqual(['a', 'b', 'blk.0.c', 'raw_halves']);
    expect(tensors.map((tensor) => tensor.dimensions.map(Number))).toEqual([[3, 5], [6], [7, 1, 1], [3]]);
    expect(tensors.map((tensor) => tensor.ggmlType)).toEqual([0, 1, 0, 1]);
    // a: 60 bytes at 0; b: 12 bytes at 64; c: 28 bytes at 96; raw_halves: 6 bytes at 128.
    expect(tensors.map((tensor) => Number(tensor.offset))).toEqual([0, 64, 96, 128]);
    for (const tensor of tensors) expect(Number(tensor.fileOffset) % 32).toBe(0);
    expect(Number(tensors[0]?.fileOffset)).toBe(result.dataOffset);

    const at = (index: number) => Number(tensors[index]?.fileOffset);
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + at(0), bytes.byteOffset + at(0) + 60))).toEqual(a);
    const halves = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + at(1), bytes.byteOffset + at(1) + 12));
    expect(Array.from(halves)).toEqual([0x3c00, 0xbc00, 0x2e66, 0x7bff, 0x0002, 0x8000]);
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + at(2), bytes.byteOffset + at(2) + 28))).toEqual(c);
    expect(Array.from(new Uint16Array(bytes.buffer.slice(bytes.byteOffset + at(3), bytes.byteOffset + at(3) + 6)))).toEqual([0x3c00, 0x0001, 0xfc00]);
    expect(bytes.length).toBe(at(3) + 6);
  });

  it('writes headers larger than its initial buffer (a real vocabulary)', async () => {
    const file = path.join(dir, 'big-header.gguf');
    const tokens = Array.from({ length: 20_000 }, (_, i) => `token-${i}-${'x'.repeat(i % 7)}`);
    await writeGgufFile(file, {
      metadata: [
        ['tokenizer.ggml.tokens', gguf.stringArray(tokens)],
        ['tokenizer.ggml.token_type', gguf.numberArray('i32', new Int32Array(tokens.length).fill(1))],
        ['general.name', gguf.string('after the big arrays')],
      ],
      tensors: [{ name: 't', type: 'F32', dimensions: [2], data: Float32Array.from([1, 2]) }],
    });
    const info = await readGgufFileInfo(file, { logWarnings: false });
    expect(info.metadata.tokenizer?.ggml?.tokens).toEqual(tokens);
    expect(lookup(info.metadata as object, 'general.name')).toBe('after the big arrays');
    expect(info.tensorInfo?.[0]?.name).toBe('t');
  });

  it('honours a larger alignment', async () => {
    const file = path.join(dir, 'align64.gguf');
    await writeGgufFile(file, {
      metadata: [['general.architecture', gguf.string('llama')]],
      tensors: [
        { name: 'x', type: 'F16', dimensions: [3], data: new Float32Array(3) },
        { name: 'y', type: 'F32', dimensions: [1], data: new Float32Array(1) },
      ],
      alignment: 64,
    });
    const info = await readGgufFileInfo(file, { logWarnings: false });
    expect(lookup(info.metadata as object, 'general.alignment')).toBe(64);
    expect(info.tensorInfo?.map((tensor) => Number(tensor.offset))).toEqual([0, 64]);
    for (const tensor of info.tensorInfo ?? []) expect(Number(tensor.fileOffset) % 64).toBe(0);
  });

  it('rejects values that do not fit their type, and malformed tensors', async () => {
    const file = path.join(dir, 'bad.gguf');
    const write = (metadataValue: GgufMetadataValue, data: Float32Array = new Float32Array(2)) =>
      writeGgufFile(file, { metadata: [['k', metadataValue]], tensors: [{ name: 't', type: 'F32', dimensions: [2], data }] });
    await expect(write(gguf.u8(256))).rejects.toThrow(/k: 256 is not a u8/);
    await expect(write(gguf.i32(1.5))).rejects.toThrow(/not a i32/);
    await expect(write(gguf.u64(-1))).rejects.toThrow(/out of range for u64/);
    await expect(write(gguf.u64(2 ** 60))).rejects.toThrow(/pass a bigint/);
    await expect(write(gguf.numberArray('u16', [1, 70000]))).rejects.toThrow(/k\[1\]: 70000 is not a u16/);
    await expect(write(gguf.string('ok'), new Float32Array(3))).rejects.toThrow(/3 values for dimensions \[2\]/);
    await expect(
      writeGgufFile(file, { metadata: [], tensors: [{ name: 't', type: 'F32', dimensions: [1], data: () => new Uint16Array(1) }] }),
    ).rejects.toThrow(/F32 but was given float16 bit patterns/);
    await expect(
      writeGgufFile(file, { metadata: [['general.alignment', gguf.u32(32)]], tensors: [] }),
    ).rejects.toThrow(/alignment/);
    await expect(
      writeGgufFile(file, { metadata: [], tensors: [{ name: 'x'.repeat(64), type: 'F32', dimensions: [1], data: new Float32Array(1) }] }),
    ).rejects.toThrow(/1 to 63 bytes/);
  });
});

describe('float32 -> float16', () => {
  it('converts exact values, limits and specials', () => {
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(float32ToFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(1023 * 2 ** -24)).toBe(0x03ff); // largest subnormal
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    const nan = float32ToFloat16Bits(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x03ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    const ulpAtOne = 2 ** -10;
    expect(float32ToFloat16Bits(1 + ulpAtOne / 2)).toBe(0x3c00); // tie, 0x3c00 is even
    expect(float32ToFloat16Bits(1 + 1.5 * ulpAtOne)).toBe(0x3c02); // tie, rounds up to even
    expect(float32ToFloat16Bits(1 + ulpAtOne / 2 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff); // below the halfway point to 65536
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // the halfway point rounds (to even) to infinity
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e6)).toBe(0xfc00);
  });

  it('rounds into and out of the subnormal range', () => {
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // exactly half the smallest subnormal: tie to even (0)
    expect(float32ToFloat16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 subnormal ulps: tie to even (2)
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(float32ToFloat16Bits(-(2 ** -30))).toBe(0x8000);
    expect(float32ToFloat16Bits(1e-7)).toBe(0x0002);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up into the smallest normal
  });

  it('agrees with the exact nearest half for many values', () => {
    // Every finite half, and the midpoints between neighbours, checked against decoding.
    const mismatches: string[] = [];
    const check = (input: number, expected: number) => {
      const got = float32ToFloat16Bits(input);
      if (got !== expected) mismatches.push(`${input} -> 0x${got.toString(16)}, expected 0x${expected.toString(16)}`);
    };
    for (let bits = 0; bits < 0x7c00; bits++) {
      const value = float16BitsToFloat32(bits);
      check(value, bits);
      check(-value, bits | 0x8000);
      const mid = (value + float16BitsToFloat32(bits + 1)) / 2; // exact in float32 for every pair
      check(mid, bits % 2 === 0 ? bits : bits + 1);
    }
    expect(mismatches).toEqual([]);
    const values = Float32Array.from([0.5, -0.333, 1234.5678]);
    expect(Array.from(float32ArrayToFloat16(values))).toEqual(Array.from(values, (value) => float32ToFloat16Bits(value)));
  });
});
