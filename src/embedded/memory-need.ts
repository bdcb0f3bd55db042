// What a GGUF model takes in memory before it is loaded, for the runtimes that load edge-evals'
// model cache (embedded, llama-server): its weights are its file (mapped into memory and all
// read while generating), and its context is the KV cache the header lets us size: for each
// layer, keys and values of every position, in 16-bit floats, for the KV heads only.
import { existsSync, statSync } from 'node:fs';
import type { MemoryNeed } from '../contract/runtime.ts';
import { findCatalogEntry } from './catalog.ts';
import { locateModel, ModelNotDownloadedError } from './model-files.ts';

/** llama.cpp's default context (llama-server's `-c`), and the embedded engine's. */
export const CONTEXT_TOKENS = 4096;
const BYTES_PER_KV_VALUE = 2;

interface AttentionShape {
  layers: number;
  trainContext: number;
  kvHeads: number;
  keyLength: number;
  valueLength: number;
}

/** The KV cache of `contextTokens` positions (no more than the model was trained for). */
export function kvCacheBytes(shape: AttentionShape, contextTokens = CONTEXT_TOKENS): number {
  const positions = Math.min(contextTokens, shape.trainContext);
  return shape.layers * positions * shape.kvHeads * (shape.keyLength + shape.valueLength) * BYTES_PER_KV_VALUE;
}

type Metadata = Record<string, unknown>;
const numberAt = (record: Metadata | undefined, key: string) => (typeof record?.[key] === 'number' ? (record[key] as number) : undefined);

/** The attention shape in a GGUF header's metadata (`<architecture>.block_count`, ...); null when it is not there. */
export function attentionShape(metadata: Metadata): AttentionShape | null {
  const general = metadata.general as Metadata | undefined;
  const architecture = typeof general?.architecture === 'string' ? general.architecture : undefined;
  const model = architecture === undefined ? undefined : (metadata[architecture] as Metadata | undefined);
  const attention = model?.attention as Metadata | undefined;
  const layers = numberAt(model, 'block_count');
  const embedding = numberAt(model, 'embedding_length');
  const heads = numberAt(attention, 'head_count');
  const trainContext = numberAt(model, 'context_length');
  if (layers === undefined || embedding === undefined || heads === undefined || trainContext === undefined) return null;
  const headLength = embedding / heads;
  return {
    layers,
    trainContext,
    kvHeads: numberAt(attention, 'head_count_kv') ?? heads,
    keyLength: numberAt(attention, 'key_length') ?? headLength,
    valueLength: numberAt(attention, 'value_length') ?? headLength,
  };
}

async function readContextBytes(file: string): Promise<number | null> {
  try {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const info = await readGgufFileInfo(file, { readTensorInfo: false, logWarnings: false });
    const shape = attentionShape(info.metadata as unknown as Metadata);
    return shape === null ? null : kvCacheBytes(shape);
  } catch {
    return null; // not a GGUF file node-llama-cpp can read: the weights alone are the estimate
  }
}

/**
 * The memory a model of the cache (or a .gguf path) needs: from its file when it is there, else
 * from the catalog's size for it; null for a name nothing is known about.
 */
export async function ggufMemoryNeed(alias: string, cacheDir: string): Promise<MemoryNeed | null> {
  let file: string | null = null;
  try {
    file = locateModel(alias, { cacheDir, allowPaths: true }).path;
  } catch (error) {
    if (!(error instanceof ModelNotDownloadedError)) return null;
  }
  if (file !== null && existsSync(file)) {
    const contextBytes = await readContextBytes(file);
    return { weightsBytes: statSync(file).size, contextBytes, source: contextBytes === null ? 'the model file' : 'the model file and its GGUF header' };
  }
  const entry = findCatalogEntry(alias);
  return entry === undefined ? null : { weightsBytes: entry.sizeBytes, contextBytes: null, source: "the catalog's size for it" };
}
