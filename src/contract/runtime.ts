// The vocabulary shared by the runtimes, the embedded runtime they build on, and the CLI:
// a runtime's name, what a catalog lists, what a cache holds, and the error a user can act on.

export type RuntimeName = 'embedded' | 'foundry' | 'ollama' | 'llama-server' | 'openai';

export interface CatalogEntry {
  alias: string;
  /** The concrete identifier the chat endpoint expects (Foundry: the variant ID with `:N`). */
  modelId: string;
  device?: string;
  task?: string;
  /** Size of the model files in bytes, when known. */
  sizeBytes?: number | null;
  license?: string;
  parameters?: string;
  minRamGB?: number;
  /** Where the model comes from (an `hf:` URI, a catalog URL, `generated`, ...). */
  source?: string;
  /** Generated, not trained: its text is judged on content only when its answers are known. */
  synthetic: boolean;
  /** A synthetic model whose answers are planted in advance: content checks run against the planted truth. */
  knownAnswers?: boolean;
  cached?: boolean;
  description?: string;
}

/** What a model takes in memory, as far as its runtime knows before loading it. */
export interface MemoryNeed {
  /** The model's weights: the size of its files, or what the catalog says. */
  weightsBytes: number;
  /** Its context (the KV cache) at the size the runtime gives it, when known. */
  contextBytes: number | null;
  /** Where the figures come from, for the report: `the model file and its GGUF header`, `Foundry Local's catalog`. */
  source: string;
}

export interface CachedModel {
  alias: string;
  modelId: string;
  path?: string;
  sizeBytes?: number | null;
}

/** A failure the user can act on: printed without a stack trace, with the CLI output kept. */
export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly details: { command?: string; output?: string; hint?: string } = {},
  ) {
    super(message);
    this.name = 'RuntimeError';
  }

  /** The message, then what explains it: the command, its output and a hint, each detail prefixed by `indent`. */
  describe(indent = ''): string {
    const lines = [this.message];
    const { command, output, hint } = this.details;
    if (command !== undefined) lines.push(`${indent}command: ${command}`);
    if (output !== undefined && output.trim() !== '') {
      lines.push(`${indent}output:`, ...output.trim().split('\n').map((line) => `${indent}${indent}${line}`));
    }
    if (hint !== undefined) lines.push(`${indent}hint: ${hint}`);
    return lines.join('\n');
  }
}
