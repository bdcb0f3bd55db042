// Other processes that took CPU while a model was measured: another model server (a
// llama-server, Ollama, Foundry Local, another edge-evals run's service) or anything else
// busy. Its timings are then slower than on a quiet machine, and the report says so, naming
// them. Found by comparing the process tables the resource sampler takes anyway.
import { readFileSync } from 'node:fs';
import type { BusyProcess } from '../contract/results.ts';
import type { ProcessSample } from '../util/process-table.ts';

/** A tenth of a core, over the model's measurement so far: less is background noise. */
export const BUSY_CPU_PERCENT = 10;
/** A model server that works at all (not one idling with a model loaded) competes with the model. */
export const BUSY_MODEL_SERVER_CPU_PERCENT = 1;
const LISTED = 5;
/** A shorter window says little about what else runs. */
const MIN_WINDOW_MS = 1_000;

/** Executable names of model servers (Linux shows at most 15 characters of a name). */
const MODEL_SERVERS: readonly [RegExp, string][] = [
  [/llama-server/i, 'llama.cpp server'],
  [/^ollama|[/\\]ollama(\.exe)?$|ollama_llama_server/i, 'Ollama'],
  [/Inference\.Servi|foundrylocald|^foundry(\.exe)?$|[/\\]foundry$/i, 'Foundry Local'],
];

/** The command line of a Linux process, for the node processes that may be edge-evals' servers. */
function linuxCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Which model server a process is, as far as its name (and, for node, its command line) tells; null for none. */
export function modelServerKind(sample: Pick<ProcessSample, 'pid' | 'name'>, commandLine: (pid: number) => string = linuxCommandLine): string | null {
  for (const [pattern, kind] of MODEL_SERVERS) if (pattern.test(sample.name)) return kind;
  if (/(^|[/\\])node(\.exe)?$/i.test(sample.name) && /edge-evals(\.js)? serve/.test(commandLine(sample.pid))) return "another edge-evals run's model server";
  return null;
}

/**
 * Processes outside `ours` (the model's tree and edge-evals' own) that used at least
 * BUSY_CPU_PERCENT of a core (a model server: BUSY_MODEL_SERVER_CPU_PERCENT) between two
 * tables taken `windowMs` apart: model servers first, then the busiest.
 */
export function busyProcesses(
  first: ReadonlyMap<number, ProcessSample>,
  last: ReadonlyMap<number, ProcessSample>,
  ours: ReadonlySet<number>,
  windowMs: number,
  commandLine?: (pid: number) => string,
): BusyProcess[] {
  if (windowMs < MIN_WINDOW_MS) return [];
  const busy: BusyProcess[] = [];
  for (const sample of last.values()) {
    if (ours.has(sample.pid)) continue;
    // A process that started during the window spent all its CPU time in it.
    const before = first.get(sample.pid);
    const sameProcess = before !== undefined && before.cpuMs <= sample.cpuMs && before.name === sample.name;
    const cpuPercent = ((sample.cpuMs - (sameProcess ? before.cpuMs : 0)) / windowMs) * 100;
    if (cpuPercent < BUSY_MODEL_SERVER_CPU_PERCENT) continue;
    const modelServer = modelServerKind(sample, commandLine);
    if (modelServer === null && cpuPercent < BUSY_CPU_PERCENT) continue;
    busy.push({ pid: sample.pid, name: sample.name, cpuPercent: Math.round(cpuPercent), modelServer });
  }
  const rank = (entry: BusyProcess) => (entry.modelServer === null ? 0 : 1);
  return busy.sort((a, b) => rank(b) - rank(a) || b.cpuPercent - a.cpuPercent).slice(0, LISTED);
}
