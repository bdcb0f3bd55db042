// Pure parsers for what Foundry Local's two CLI generations print and its services answer
// (docs/foundry-local.md). Real output interleaves noise with the data: "service started" lines,
// execution-provider download lines, `[hh:mm:ss ERR]` log lines, emoji. Every parser here
// therefore matches the lines it wants and ignores the rest, instead of assuming positions.
// No I/O: the adapter runs the commands, these functions read their output.
import { closestNames } from '../../util/suggest.ts';

/** A: service-based CLI (<= 0.8.x, `foundry service ...`). B: daemon CLI (0.10.x, `foundry server ...`). */
export type FoundryGeneration = 'A' | 'B';

/** One catalog variant, from either generation's model list, in the CLI's priority order. */
export interface FoundryModelRow {
  alias: string;
  /** The variant ID; with the `:N` version where the source prints it. */
  modelId: string;
  device?: string;
  task?: string;
  sizeBytes: number | null;
  license?: string;
  cached?: boolean;
}

export interface FoundryLoadedRow {
  alias: string;
  modelId: string;
}

export interface FoundryCachedRow {
  /** Null when the CLI could not match the cached files to a catalog entry. */
  alias: string | null;
  modelId: string;
}

// ---------------------------------------------------------------------------------------
// Generation and version

// Aspire's DetermineDaemonVerb uses these two patterns; B is tested first because its help
// text mentions no `service` command while A's never lists a `server` one.
const GEN_B_HELP = /^\s*(?:Server:\s*)?server(?:\s|$)/im;
const GEN_A_HELP = /^\s*service(?:\s|$)/im;

/** The CLI generation from `foundry --help`, falling back to the `--version` number. */
export function detectGeneration(helpText: string, version: string | null = null): FoundryGeneration | null {
  if (GEN_B_HELP.test(helpText)) return 'B';
  if (GEN_A_HELP.test(helpText)) return 'A';
  if (version === null) return null;
  const [major = 0, minor = 0] = version.split(/[.+]/).map(Number);
  return major > 0 || minor >= 9 ? 'B' : 'A';
}

/** `0.8.119`, `0.8.94+97f62578ec`, `0.10.2`: the first version-looking token of `--version`. */
export function parseVersion(text: string): string | null {
  return /\b\d+\.\d+(?:\.\d+)*(?:\+[0-9A-Za-z.-]+)?/.exec(text)?.[0] ?? null;
}

/** Gen A prints `Unrecognized command or argument 'x'.`; Gen B `Unknown command: 'x'` (0.10.3). */
export function unrecognizedCommand(output: string): string | null {
  const match = /Unrecognized command or argument '([^']*)'|Unknown command: '([^']*)'/.exec(output);
  return match === null ? null : (match[1] ?? match[2] ?? '');
}

/** The first line that reports a failure (`Exception: ...`, `● error: ...`, `error: ...`). */
export function errorLine(output: string): string | null {
  for (const line of output.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (/^(?:Exception:|(?:● )?error:)/i.test(trimmed)) return trimmed;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Gen A: service discovery

export type ServiceStatusOutput =
  | { state: 'running'; url: string }
  | { state: 'stopped' }
  /** The CLI found a service record but the service did not answer (microsoft/Foundry-Local#286). */
  | { state: 'unreachable'; url: string | null; message: string };

const URL_TOKEN = /https?:\/\/[^\s,!]+/;

/** The origin of a URL the CLI printed: `http://127.0.0.1:11223/openai/status` -> `http://127.0.0.1:11223`. */
export function originOf(printed: string): string | null {
  const trimmed = printed.replace(/[.!]+$/, '');
  try {
    return new URL(trimmed).origin;
  } catch {
    return null;
  }
}

/** `foundry service status` (Gen A). */
export function parseServiceStatus(output: string): ServiceStatusOutput {
  const running = /is running on (https?:\/\/\S+)/.exec(output);
  if (running?.[1] !== undefined) {
    const url = originOf(running[1]);
    if (url !== null) return { state: 'running', url };
  }
  if (/is not running/i.test(output)) return { state: 'stopped' };
  const printedUrl = URL_TOKEN.exec(output)?.[0];
  const message = errorLine(output) ?? output.trim().split(/\r?\n/)[0] ?? '';
  return { state: 'unreachable', url: printedUrl === undefined ? null : originOf(printedUrl), message };
}

/**
 * `🟢 Service is Started on http://127.0.0.1:64646/, PID 17000!` or
 * `🟢 Service is already running on http://127.0.0.1:64646/.`: printed by `service start`
 * and, as noise, by any Gen A command that had to start the service first.
 */
export function parseServiceStarted(output: string): { url: string; pid: number | null; alreadyRunning: boolean } | null {
  const match = /Service is (Started|already running) on (https?:\/\/[^\s,!]+)(?:, PID (\d+))?/.exec(output);
  if (match === null) return null;
  const url = originOf(match[2] ?? '');
  if (url === null) return null;
  return { url, pid: match[3] === undefined ? null : Number(match[3]), alreadyRunning: match[1] === 'already running' };
}

// ---------------------------------------------------------------------------------------
// Gen A: tables

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `8.37 GB` -> bytes. Foundry computes these from `fileSizeMb` with 1024 steps (8570 MB = 8.37 GB). */
export function parseFileSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?B)$/i.exec(text.trim());
  if (match === null) return null;
  const unit = SIZE_UNITS[(match[2] ?? 'B').toUpperCase()];
  return unit === undefined ? null : Math.round(Number(match[1]) * unit);
}

// Column widths differ between versions (Task is 15 wide in 0.8, 19 in 0.7, and long tasks
// overflow with a single space), so rows are matched by content: the device word, a size
// with its unit, then the license and the model ID as the last token.
const MODEL_ROW =
  /^(?<alias>\S+)?\s+(?<device>CPU|GPU|NPU)\s+(?<task>\S.*?)\s+(?<size>\d+(?:\.\d+)?\s*[KMGT]?B)\s+(?<license>\S.*?)\s+(?<id>\S+)\s*$/;

/** `foundry model list` / `foundry model info <alias>` (Gen A): variants in priority order. */
export function parseModelTable(output: string): FoundryModelRow[] {
  const rows: FoundryModelRow[] = [];
  let alias: string | null = null;
  for (const line of output.split(/\r?\n/)) {
    const groups = MODEL_ROW.exec(line)?.groups;
    if (groups === undefined) continue;
    // A blank alias column continues the previous alias group.
    alias = groups.alias ?? alias;
    if (alias === null) continue;
    rows.push({
      alias,
      modelId: groups.id ?? '',
      device: groups.device,
      task: groups.task,
      sizeBytes: parseFileSize(groups.size ?? ''),
      license: groups.license,
    });
  }
  return rows;
}

/** `foundry cache list` (Gen A): `💾 <alias> <model id>` rows. */
export function parseCacheList(output: string): FoundryCachedRow[] {
  const rows: FoundryCachedRow[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (!line.startsWith('💾')) continue;
    const rest = line.slice('💾'.length).trim();
    // Files the catalog does not know come out glued: `Model was not found in catalogllama-3.2`.
    const unknown = /^Model was not found in catalog(\S*)$/.exec(rest);
    if (unknown !== null) {
      rows.push({ alias: null, modelId: unknown[1] ?? '' });
      continue;
    }
    const match = /^(\S+)\s+(\S+)$/.exec(rest);
    if (match !== null) rows.push({ alias: match[1] ?? '', modelId: match[2] ?? '' });
  }
  return rows;
}

/** `💾 Cache directory path: C:\Users\<user>\.foundry\cache\models` (Gen A). */
export function parseCacheLocation(output: string): string | null {
  return /Cache directory path:\s*(.+?)\s*$/m.exec(output)?.[1] ?? null;
}

/** `foundry service ps` / `service list` (Gen A): the loaded models. */
export function parseServicePs(output: string): FoundryLoadedRow[] {
  const rows: FoundryLoadedRow[] = [];
  let inTable = false;
  for (const line of output.split(/\r?\n/)) {
    if (/Models running in service/i.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const match = /^🟢\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (match !== null) rows.push({ alias: match[1] ?? '', modelId: match[2] ?? '' });
  }
  return rows;
}

/** Model IDs a `cache remove` reported as deleted (A: `Deleted model <id> ...`, B: `Removed '<name>' ...`). */
export function parseCacheRemoved(output: string): string[] {
  const removed: string[] = [];
  for (const match of output.matchAll(/Deleted model (\S+) from the cache|Removed '([^']+)' from the cache/g)) {
    removed.push(match[1] ?? match[2] ?? '');
  }
  return removed;
}

/**
 * Percentages in a chunk of download output, in order: Gen A `[####  ]  94.85 %`, Gen B
 * progress bars `━━━ 100%`. Progress bars redraw with `\r`, so a chunk may hold several.
 */
export function parsePercents(chunk: string): number[] {
  const percents: number[] = [];
  for (const match of chunk.matchAll(/(\d{1,3}(?:\.\d+)?)\s?%/g)) {
    const value = Number(match[1]);
    if (value <= 100) percents.push(value);
  }
  return percents;
}

// ---------------------------------------------------------------------------------------
// HTTP bodies

/**
 * Loaded model IDs from `/openai/loadedmodels` or `/models/loaded` (a JSON array of IDs), or
 * from an OpenAI-style `{"data":[{"id":...}]}` list.
 */
export function parseLoadedModelIds(body: unknown): string[] | null {
  const items = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { data?: unknown }).data)
      ? ((body as { data: unknown[] }).data)
      : null;
  if (items === null) return null;
  return items.flatMap((item) => {
    if (typeof item === 'string') return [item];
    if (typeof item === 'object' && item !== null) {
      const id = (item as { id?: unknown; name?: unknown }).id ?? (item as { name?: unknown }).name;
      if (typeof id === 'string') return [id];
    }
    return [];
  });
}

// ---------------------------------------------------------------------------------------
// Alias -> model ID

/** The `:N` version of a model ID, null for unversioned IDs (before mid-2025). */
export function modelVersion(modelId: string): number | null {
  const match = /:(\d+)$/.exec(modelId);
  return match === null ? null : Number(match[1]);
}

export type ModelResolution = { row: FoundryModelRow } | { row: null; suggestions: string[] };

/**
 * What the legacy SDKs do (getModelInfo), case-insensitively: an exact model ID; then an ID
 * without its `:N` (the highest version wins); then an alias, whose first variant in the
 * catalog's priority order is the one Foundry runs.
 */
export function resolveModel(rows: readonly FoundryModelRow[], wanted: string): ModelResolution {
  const key = wanted.toLowerCase();
  const exact = rows.find((row) => row.modelId.toLowerCase() === key);
  if (exact !== undefined) return { row: exact };
  const versions = rows.filter((row) => row.modelId.toLowerCase().startsWith(`${key}:`));
  if (versions.length > 0) {
    const newest = versions.reduce((best, row) => ((modelVersion(row.modelId) ?? 0) > (modelVersion(best.modelId) ?? 0) ? row : best));
    return { row: newest };
  }
  const byAlias = rows.find((row) => row.alias.toLowerCase() === key);
  if (byAlias !== undefined) return { row: byAlias };
  const aliases = [...new Set(rows.map((row) => row.alias))];
  return { row: null, suggestions: closestNames(wanted, aliases) };
}
