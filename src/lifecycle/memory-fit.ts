// Does a model fit in this machine's memory? Checked just before it is loaded (the previous
// model unloaded), from the runtime's own figures: a model that needs more than is available
// is skipped with the reason, rather than pushing the machine into swap or the out-of-memory
// killer, unless EVAL_MEMORY_CHECK=warn says to load it anyway.
import type { MemoryFit } from '../contract/results.ts';
import type { MemoryNeed } from '../contract/runtime.ts';
import type { MachineMemory } from '../util/memory.ts';

const GB = 1024 ** 3;

/**
 * Beyond its weights and context, a runtime allocates compute buffers and its own structures:
 * about a tenth of the weights. When the context is not known (the runtime does not say),
 * another tenth stands for it.
 */
const RUNTIME_SHARE = 0.1;
const UNKNOWN_CONTEXT_SHARE = 0.1;

export function estimatedBytes(need: MemoryNeed): number {
  return need.weightsBytes * (1 + RUNTIME_SHARE) + (need.contextBytes ?? need.weightsBytes * UNKNOWN_CONTEXT_SHARE);
}

/**
 * The minimum RAM the edge AI course (Microsoft's edgeai-for-beginners) gives for the models it
 * uses, by model family: the machine a user should have to run each comfortably.
 */
const COURSE_MINIMUM_RAM_GB: Record<string, number> = {
  'phi-4-mini': 8,
  'qwen2.5-7b': 16,
  'qwen2.5-14b': 24,
};

/** A family name in every runtime's spelling: `phi4-mini`, `qwen2.5:7b`, `Qwen2.5-7B-Instruct-Q4_K_M`. */
const familyKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

export function courseMinimumRamGB(alias: string): number | null {
  const key = familyKey(alias);
  // The longest family that starts the name: `qwen2.5-14b` before `qwen2.5-1...`.
  const family = Object.keys(COURSE_MINIMUM_RAM_GB)
    .filter((name) => key.startsWith(familyKey(name)))
    .sort((a, b) => familyKey(b).length - familyKey(a).length)[0];
  return family === undefined ? null : (COURSE_MINIMUM_RAM_GB[family] ?? null);
}

const roundGB = (bytes: number) => Math.round((bytes / GB) * 10) / 10;

export function judgeMemory(alias: string, need: MemoryNeed | null, machine: MachineMemory): MemoryFit {
  const needBytes = need === null ? null : estimatedBytes(need);
  return {
    needGB: needBytes === null ? null : roundGB(needBytes),
    basis: need === null ? 'the runtime does not say how big the model is' : need.source,
    availableGB: roundGB(machine.availableBytes),
    totalGB: roundGB(machine.totalBytes),
    minimumRamGB: courseMinimumRamGB(alias),
    fits: needBytes === null ? null : needBytes <= machine.availableBytes,
  };
}

/** `needs ~9.1 GB, 6.2 GB free`, the reason a model was skipped. */
export function describeShortfall(fit: MemoryFit): string {
  return `needs ~${(fit.needGB ?? 0).toFixed(1)} GB, ${fit.availableGB.toFixed(1)} GB free`;
}
