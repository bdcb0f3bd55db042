// A GGUF v3 writer: metadata of every value type llama.cpp reads, tensor infos, and F32/F16
// tensor data at the file's alignment. Tensors are converted and written one at a time (a
// tensor's values may be produced lazily), so a 200 MB model never sits in memory whole; the
// SHA-256 is computed on the way out, so callers need not read the file back.
//
// Layout (all little-endian): magic "GGUF", version u32, tensor count u64, metadata count
// u64, the metadata key/values, the tensor infos (name, dimension count u32, dimensions u64,
// type u32, offset u64 relative to the data section), padding to the alignment, then each
// tensor's data, each starting at a multiple of the alignment.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import os from 'node:os';
import { float32ArrayToFloat16 } from './float16.ts';

export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value type codes, as in ggml's gguf.h. */
export const GgufValueType = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigIntType = 'u64' | 'i64';
export type GgufArrayItemType = GgufNumberType | GgufBigIntType | 'bool' | 'string';

export type GgufMetadataValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint | number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufNumberType; value: ArrayLike<number> }
  | { type: 'array'; itemType: GgufBigIntType; value: ArrayLike<bigint | number> }
  | { type: 'array'; itemType: 'bool'; value: ArrayLike<boolean> }
  | { type: 'array'; itemType: 'string'; value: ArrayLike<string> };

/** Typed constructors, so a key's GGUF type is stated where its value is written. */
export const gguf = {
  u8: (value: number): GgufMetadataValue => ({ type: 'u8', value }),
  i8: (value: number): GgufMetadataValue => ({ type: 'i8', value }),
  u16: (value: number): GgufMetadataValue => ({ type: 'u16', value }),
  i16: (value: number): GgufMetadataValue => ({ type: 'i16', value }),
  u32: (value: number): GgufMetadataValue => ({ type: 'u32', value }),
  i32: (value: number): GgufMetadataValue => ({ type: 'i32', value }),
  u64: (value: bigint | number): GgufMetadataValue => ({ type: 'u64', value }),
  i64: (value: bigint | number): GgufMetadataValue => ({ type: 'i64', value }),
  f32: (value: number): GgufMetadataValue => ({ type: 'f32', value }),
  f64: (value: number): GgufMetadataValue => ({ type: 'f64', value }),
  bool: (value: boolean): GgufMetadataValue => ({ type: 'bool', value }),
  string: (value: string): GgufMetadataValue => ({ type: 'string', value }),
  numberArray: (itemType: GgufNumberType, value: ArrayLike<number>): GgufMetadataValue => ({ type: 'array', itemType, value }),
  bigIntArray: (itemType: GgufBigIntType, value: ArrayLike<bigint | number>): GgufMetadataValue => ({ type: 'array', itemType, value }),
  boolArray: (value: ArrayLike<boolean>): GgufMetadataValue => ({ type: 'array', itemType: 'bool', value }),
  stringArray: (value: ArrayLike<string>): GgufMetadataValue => ({ type: 'array', itemType: 'string', value }),
};

/** ggml tensor types this writer produces (ggml type codes 0 and 1). */
export type GgufTensorType = 'F32' | 'F16';
const TENSOR_TYPE_CODE: Record<GgufTensorType, number> = { F32: 0, F16: 1 };
const TENSOR_ELEMENT_BYTES: Record<GgufTensorType, number> = { F32: 4, F16: 2 };

export interface GgufTensor {
  /** At most 63 bytes of UTF-8 (ggml's GGML_MAX_NAME is 64 with the terminator). */
  name: string;
  type: GgufTensorType;
  /** ggml order: the first dimension varies fastest (a [n_embd, n_vocab] matrix is n_vocab rows of n_embd). */
  dimensions: readonly number[];
  /** The values in ggml order; a function is called only when this tensor is written. */
  data: GgufTensorValues | (() => GgufTensorValues);
}

/** Float32Array: values, converted to the tensor's type. Uint16Array: binary16 bit patterns, F16 tensors only. */
export type GgufTensorValues = Float32Array | Uint16Array;

export interface GgufFileContents {
  /** Written in this order; `general.alignment` is added from `alignment`. */
  metadata: ReadonlyArray<readonly [key: string, value: GgufMetadataValue]>;
  tensors: readonly GgufTensor[];
  /** Defaults to 32, the value llama.cpp assumes when the key is absent. */
  alignment?: number;
}

export interface GgufWriteResult {
  sizeBytes: number;
  sha256: string;
  /** Where the tensor data section starts in the file. */
  dataOffset: number;
}

const MAX_TENSOR_NAME_BYTES = 63;
const MAX_TENSOR_DIMENSIONS = 4;

/** Writes a GGUF v3 file at `filePath` (created or truncated). */
export async function writeGgufFile(filePath: string, contents: GgufFileContents): Promise<GgufWriteResult> {
  if (os.endianness() !== 'LE') {
    throw new Error('The GGUF writer copies typed arrays as they are in memory and needs a little-endian machine.');
  }
  const alignment = contents.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`GGUF alignment must be a power of two, got ${alignment}`);
  }
  const layout = planTensors(contents.tensors, alignment);
  const header = encodeHeader(contents, layout, alignment);
  const dataOffset = alignUp(header.length, alignment);

  const hash = createHash('sha256');
  const file = await open(filePath, 'w');
  let position = 0;
  const write = async (bytes: Uint8Array) => {
    hash.update(bytes);
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await file.write(bytes, written, bytes.length - written, position + written);
      written += bytesWritten;
    }
    position += bytes.length;
  };
  try {
    await write(header);
    await write(new Uint8Array(dataOffset - header.length));
    for (const [index, tensor] of contents.tensors.entries()) {
      const planned = layout[index];
      if (planned === undefined) throw new Error(`tensor ${index} missing from the layout`);
      await write(new Uint8Array(dataOffset + planned.offset - position));
      await write(encodeTensorData(tensor, planned.elementCount));
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { sizeBytes: position, sha256: hash.digest('hex'), dataOffset };
}

interface PlannedTensor {
  elementCount: number;
  /** Relative to the start of the data section. */
  offset: number;
}

function planTensors(tensors: readonly GgufTensor[], alignment: number): PlannedTensor[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((tensor) => {
    const nameBytes = Buffer.byteLength(tensor.name, 'utf8');
    if (nameBytes === 0 || nameBytes > MAX_TENSOR_NAME_BYTES) {
      throw new RangeError(`tensor name "${tensor.name}" must be 1 to ${MAX_TENSOR_NAME_BYTES} bytes, got ${nameBytes}`);
    }
    if (names.has(tensor.name)) throw new Error(`tensor "${tensor.name}" is listed twice`);
    names.add(tensor.name);
    if (tensor.dimensions.length === 0 || tensor.dimensions.length > MAX_TENSOR_DIMENSIONS) {
      throw new RangeError(`tensor "${tensor.name}" needs 1 to ${MAX_TENSOR_DIMENSIONS} dimensions, got ${tensor.dimensions.length}`);
    }
    let elementCount = 1;
    for (const dimension of tensor.dimensions) {
      if (!Number.isSafeInteger(dimension) || dimension <= 0) {
        throw new RangeError(`tensor "${tensor.name}" has dimension ${dimension}; expected positive integers`);
      }
      elementCount *= dimension;
    }
    if (typeof tensor.data !== 'function' && tensor.data.length !== elementCount) {
      throw new RangeError(`tensor "${tensor.name}" has ${tensor.data.length} values for dimensions [${tensor.dimensions.join(', ')}] (${elementCount})`);
    }
    offset = alignUp(offset, alignment);
    const planned = { elementCount, offset };
    offset += elementCount * TENSOR_ELEMENT_BYTES[tensor.type];
    return planned;
  });
}

function encodeTensorData(tensor: GgufTensor, elementCount: number): Uint8Array {
  const values = typeof tensor.data === 'function' ? tensor.data() : tensor.data;
  if (values.length !== elementCount) {
    throw new RangeError(`tensor "${tensor.name}" produced ${values.length} values, expected ${elementCount}`);
  }
  if (values instanceof Uint16Array && tensor.type !== 'F16') {
    throw new TypeError(`tensor "${tensor.name}" is ${tensor.type} but was given float16 bit patterns`);
  }
  const encoded = tensor.type === 'F16' && values instanceof Float32Array ? float32ArrayToFloat16(values) : values;
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

function encodeHeader(contents: GgufFileContents, layout: readonly PlannedTensor[], alignment: number): Uint8Array {
  const out = new ByteWriter();
  const metadata = [...contents.metadata];
  const keys = new Set<string>();
  for (const [key] of metadata) {
    if (keys.has(key)) throw new Error(`metadata key "${key}" is listed twice`);
    if (key === 'general.alignment') throw new Error('pass the alignment as the `alignment` option, not as a metadata key');
    keys.add(key);
  }
  metadata.push(['general.alignment', gguf.u32(alignment)]);

  out.bytes(Buffer.from('GGUF', 'ascii'));
  out.u32(GGUF_VERSION);
  out.u64(BigInt(contents.tensors.length));
  out.u64(BigInt(metadata.length));
  for (const [key, value] of metadata) {
    out.string(key);
    out.u32(value.type === 'array' ? GgufValueType.array : GgufValueType[value.type]);
    encodeValue(out, key, value);
  }
  for (const [index, tensor] of contents.tensors.entries()) {
    const planned = layout[index];
    if (planned === undefined) throw new Error(`tensor ${index} missing from the layout`);
    out.string(tensor.name);
    out.u32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) out.u64(BigInt(dimension));
    out.u32(TENSOR_TYPE_CODE[tensor.type]);
    out.u64(BigInt(planned.offset));
  }
  return out.finish();
}

function encodeValue(out: ByteWriter, key: string, value: GgufMetadataValue): void {
  switch (value.type) {
    case 'bool':
      out.u8(value.value ? 1 : 0);
      return;
    case 'string':
      out.string(value.value);
      return;
    case 'u64':
    case 'i64':
      out.bigint(value.type, checkedBigInt(key, value.type, value.value));
      return;
    case 'array': {
      out.u32(GgufValueType[value.itemType]);
      out.u64(BigInt(value.value.length));
      for (let i = 0; i < value.value.length; i++) {
        const item: unknown = value.value[i];
        const where = `${key}[${i}]`;
        if (value.itemType === 'string') {
          if (typeof item !== 'string') throw new TypeError(`${where}: expected a string, got ${typeof item}`);
          out.string(item);
        } else if (value.itemType === 'bool') {
          if (typeof item !== 'boolean') throw new TypeError(`${where}: expected a boolean, got ${typeof item}`);
          out.u8(item ? 1 : 0);
        } else if (value.itemType === 'u64' || value.itemType === 'i64') {
          if (typeof item !== 'bigint' && typeof item !== 'number') throw new TypeError(`${where}: expected a bigint or number, got ${typeof item}`);
          out.bigint(value.itemType, checkedBigInt(where, value.itemType, item));
        } else {
          if (typeof item !== 'number') throw new TypeError(`${where}: expected a number, got ${typeof item}`);
          out.number(value.itemType, checkedNumber(where, value.itemType, item));
        }
      }
      return;
    }
    default:
      out.number(value.type, checkedNumber(key, value.type, value.value));
  }
}

const INTEGER_RANGES: Record<Exclude<GgufNumberType, 'f32' | 'f64'>, readonly [number, number]> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

function checkedNumber(where: string, type: GgufNumberType, value: number): number {
  if (type === 'f32' || type === 'f64') return value;
  const [min, max] = INTEGER_RANGES[type];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${where}: ${value} is not a ${type} (integer from ${min} to ${max})`);
  }
  return value;
}

const BIGINT_RANGES: Record<GgufBigIntType, readonly [bigint, bigint]> = {
  u64: [0n, 0xffffffffffffffffn],
  i64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

function checkedBigInt(where: string, type: GgufBigIntType, value: bigint | number): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`${where}: ${value} is not a safe integer; pass a bigint for ${type}`);
  }
  const big = BigInt(value);
  const [min, max] = BIGINT_RANGES[type];
  if (big < min || big > max) throw new RangeError(`${where}: ${big} is out of range for ${type}`);
  return big;
}

const NUMBER_BYTES: Record<GgufNumberType, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 };

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** A growable little-endian byte buffer for the header (metadata can be a few MB of tokens). */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  private length = 0;

  private reserve(extra: number): number {
    const start = this.length;
    if (start + extra > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(this.buffer.length * 2, start + extra));
      this.buffer.copy(grown, 0, 0, start);
      this.buffer = grown;
    }
    this.length += extra;
    return start;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.buffer.writeUInt8(value, at);
  }

  u32(value: number): void {
    const at = this.reserve(4);
    this.buffer.writeUInt32LE(value, at);
  }

  u64(value: bigint): void {
    const at = this.reserve(8);
    this.buffer.writeBigUInt64LE(value, at);
  }

  number(type: GgufNumberType, value: number): void {
    // reserve() may replace the buffer: take the offset before touching this.buffer.
    const at = this.reserve(NUMBER_BYTES[type]);
    switch (type) {
      case 'u8': return void this.buffer.writeUInt8(value, at);
      case 'i8': return void this.buffer.writeInt8(value, at);
      case 'u16': return void this.buffer.writeUInt16LE(value, at);
      case 'i16': return void this.buffer.writeInt16LE(value, at);
      case 'u32': return void this.buffer.writeUInt32LE(value, at);
      case 'i32': return void this.buffer.writeInt32LE(value, at);
      case 'f32': return void this.buffer.writeFloatLE(value, at);
      case 'f64': return void this.buffer.writeDoubleLE(value, at);
    }
  }

  bigint(type: GgufBigIntType, value: bigint): void {
    const at = this.reserve(8);
    if (type === 'u64') this.buffer.writeBigUInt64LE(value, at);
    else this.buffer.writeBigInt64LE(value, at);
  }

  string(value: string): void {
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.u64(BigInt(byteLength));
    const at = this.reserve(byteLength);
    this.buffer.write(value, at, byteLength, 'utf8');
  }

  bytes(value: Uint8Array): void {
    const at = this.reserve(value.length);
    this.buffer.set(value, at);
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
