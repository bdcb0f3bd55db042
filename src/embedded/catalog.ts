// The embedded runtime's model catalog: three synthetic models that edge-evals generates
// itself (so a machine without internet can run everything), and real GGUF chat models that
// a user with internet downloads through node-llama-cpp's downloader.
import type { CatalogEntry } from '../contract/runtime.ts';

export interface EmbeddedCatalogEntry extends CatalogEntry {
  /** `generated`: written by the synthetic-model generator; `download`: fetched from `source`. */
  kind: 'generated' | 'download';
  /** File name inside the model cache folder. */
  fileName: string;
  /** Approximate file size in bytes (exact for the synthetic models once generated). */
  sizeBytes: number;
  parameters: string;
  minRamGB: number;
  license: string;
  source: string;
  description: string;
  /**
   * The chat format, when it is known without inspecting the model's template: the synthetic
   * generator writes the plain ChatML template. Resolving it from the template ('auto') costs
   * 200-400 ms of every model load.
   */
  chatWrapper?: 'chatML';
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const EMBEDDED_CATALOG: readonly EmbeddedCatalogEntry[] = [
  {
    alias: 'fixture-tiny',
    modelId: 'fixture-tiny',
    kind: 'generated',
    synthetic: true,
    knownAnswers: true,
    fileName: 'fixture-tiny.gguf',
    sizeBytes: 8_997_536,
    parameters: '2.2M',
    minRamGB: 0.25,
    license: 'MIT',
    source: 'generated',
    chatWrapper: 'chatML',
    task: 'chat',
    description: 'Synthetic 2-layer llama model with planted answers: the fastest, but terse, and misses points.',
  },
  {
    alias: 'fixture-small',
    modelId: 'fixture-small',
    kind: 'generated',
    synthetic: true,
    knownAnswers: true,
    fileName: 'fixture-small.gguf',
    sizeBytes: 55_811_328,
    parameters: '27.9M',
    minRamGB: 0.5,
    license: 'MIT',
    source: 'generated',
    chatWrapper: 'chatML',
    task: 'chat',
    description: 'Synthetic 6-layer llama model with planted answers: clear and mostly right, with one wrong fact.',
  },
  {
    alias: 'fixture-medium',
    modelId: 'fixture-medium',
    kind: 'generated',
    synthetic: true,
    knownAnswers: true,
    fileName: 'fixture-medium.gguf',
    sizeBytes: 200_264_160,
    parameters: '100M',
    minRamGB: 1,
    license: 'MIT',
    source: 'generated',
    chatWrapper: 'chatML',
    task: 'chat',
    description: 'Synthetic 12-layer llama model with planted answers: accurate and complete, but the slowest and verbose.',
  },
  {
    alias: 'qwen2.5-0.5b-instruct',
    modelId: 'qwen2.5-0.5b-instruct-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    sizeBytes: 491 * MB,
    parameters: '0.5B',
    minRamGB: 1,
    license: 'apache-2.0',
    source: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    task: 'chat',
    description: 'Qwen2.5 0.5B Instruct, Q4_K_M: the fastest real chat model here.',
  },
  {
    alias: 'qwen2.5-1.5b-instruct',
    modelId: 'qwen2.5-1.5b-instruct-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    sizeBytes: 1.12 * GB,
    parameters: '1.5B',
    minRamGB: 2,
    license: 'apache-2.0',
    source: 'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    task: 'chat',
    description: 'Qwen2.5 1.5B Instruct, Q4_K_M.',
  },
  {
    alias: 'llama-3.2-1b-instruct',
    modelId: 'llama-3.2-1b-instruct-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    sizeBytes: 808 * MB,
    parameters: '1.2B',
    minRamGB: 2,
    license: 'llama3.2',
    source: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    task: 'chat',
    description: 'Meta Llama 3.2 1B Instruct, Q4_K_M.',
  },
  {
    alias: 'gemma-3-1b-it',
    modelId: 'gemma-3-1b-it-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'google_gemma-3-1b-it-Q4_K_M.gguf',
    sizeBytes: 806 * MB,
    parameters: '1B',
    minRamGB: 2,
    license: 'gemma',
    source: 'hf:bartowski/google_gemma-3-1b-it-GGUF/google_gemma-3-1b-it-Q4_K_M.gguf',
    task: 'chat',
    description: 'Google Gemma 3 1B instruction-tuned, Q4_K_M.',
  },
  {
    alias: 'phi-4-mini',
    modelId: 'phi-4-mini-instruct-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'microsoft_Phi-4-mini-instruct-Q4_K_M.gguf',
    sizeBytes: 2.49 * GB,
    parameters: '3.8B',
    minRamGB: 5,
    license: 'MIT',
    source: 'hf:bartowski/microsoft_Phi-4-mini-instruct-GGUF/microsoft_Phi-4-mini-instruct-Q4_K_M.gguf',
    task: 'chat, tools',
    description: 'Microsoft Phi-4-mini Instruct, Q4_K_M: a good default for development.',
  },
  {
    alias: 'qwen2.5-7b-instruct',
    modelId: 'qwen2.5-7b-instruct-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'Qwen2.5-7B-Instruct-Q4_K_M.gguf',
    sizeBytes: 4.68 * GB,
    parameters: '7.6B',
    minRamGB: 8,
    license: 'apache-2.0',
    source: 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M.gguf',
    task: 'chat, tools',
    description: 'Qwen2.5 7B Instruct, Q4_K_M: stronger reasoning, slower.',
  },
  {
    alias: 'deepseek-r1-distill-qwen-7b',
    modelId: 'deepseek-r1-distill-qwen-7b-q4_k_m',
    kind: 'download',
    synthetic: false,
    fileName: 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    sizeBytes: 4.68 * GB,
    parameters: '7.6B',
    minRamGB: 8,
    license: 'MIT',
    source: 'hf:bartowski/DeepSeek-R1-Distill-Qwen-7B-GGUF/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    task: 'chat, reasoning',
    description: 'DeepSeek R1 distilled into Qwen 7B, Q4_K_M: emits <think> blocks before answering.',
  },
];

export const DEFAULT_EMBEDDED_MODELS = ['fixture-tiny', 'fixture-small', 'fixture-medium'] as const;

export function findCatalogEntry(aliasOrId: string): EmbeddedCatalogEntry | undefined {
  const wanted = aliasOrId.toLowerCase();
  return EMBEDDED_CATALOG.find(
    (entry) => entry.alias.toLowerCase() === wanted || entry.modelId.toLowerCase() === wanted,
  );
}
