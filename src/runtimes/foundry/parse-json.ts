// Parsers for Foundry Local generation B's `--output json` (CLI 0.10.x): the JSON document
// found in the command's output, read leniently where its schema was never seen in full
// (docs/foundry-local.md, "Generation B output"). Pure, like parse.ts.
import { z } from 'zod';
import { originOf, type FoundryCachedRow, type FoundryModelRow } from './parse.ts';

/**
 * The JSON document in a command's output. Gen B may print progress or notices before it,
 * so this takes the first line that starts a JSON value and parses from there (a single
 * line first, then the rest of the output for pretty-printed JSON).
 */
export function extractJson(output: string): unknown {
  const lines = output.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const start = line.trimStart()[0];
    if (start !== '{' && start !== '[') continue;
    for (const candidate of [line, lines.slice(index).join('\n')]) {
      try {
        return JSON.parse(candidate) as unknown;
      } catch {
        // `[22:34:35 ERR] ...` also starts with '[': keep looking
      }
    }
  }
  return undefined;
}

const ServerStatusJson = z.object({
  running: z.boolean(),
  state: z.string().optional(),
  pid: z.number().int().optional(),
  webUrls: z.array(z.string()).optional(),
  port: z.number().int().optional(),
});

export interface ServerState {
  running: boolean;
  url: string | null;
  pid: number | null;
}

/** `foundry server status --output json` and `server start --output json` (Gen B). */
export function parseServerStatusJson(output: string): ServerState | null {
  const parsed = ServerStatusJson.safeParse(extractJson(output));
  if (!parsed.success) return null;
  const { running, pid, webUrls, port } = parsed.data;
  const printed = webUrls?.[0] ?? (port === undefined ? undefined : `http://127.0.0.1:${port}`);
  return { running, url: printed === undefined ? null : originOf(printed), pid: pid ?? null };
}

/** `foundry server start` (Gen B), JSON or text (`● success: Server ready (http://127.0.0.1:51454)`). */
export function parseServerStarted(output: string): string | null {
  const fromJson = parseServerStatusJson(output);
  if (fromJson?.running === true && fromJson.url !== null) return fromJson.url;
  const ready = /Server ready \((https?:\/\/[^)\s]+)\)/.exec(output);
  return ready?.[1] === undefined ? null : originOf(ready[1]);
}

// The full schema of Gen B's list output was never seen (docs/foundry-local.md, "Generation B output"): accept the
// reported `variants[]` root and the obvious alternatives, and the ID under any of its names.
const ListEntryJson = z.object({
  alias: z.string().optional(),
  variantId: z.string().optional(),
  id: z.string().optional(),
  modelId: z.string().optional(),
  name: z.string().optional(),
  type: z.string().optional(),
  task: z.string().optional(),
  device: z.string().optional(),
  fileSizeMb: z.number().optional(),
  license: z.string().optional(),
  cached: z.boolean().optional(),
  path: z.string().optional(),
});
type ListEntryJson = z.infer<typeof ListEntryJson>;

function listEntries(value: unknown, rootKeys: readonly string[]): ListEntryJson[] | null {
  let list: unknown = value;
  if (!Array.isArray(list) && typeof list === 'object' && list !== null) {
    const record = list as Record<string, unknown>;
    list = rootKeys.map((key) => record[key]).find(Array.isArray);
  }
  const parsed = z.array(ListEntryJson).safeParse(list);
  return parsed.success ? parsed.data : null;
}

function entryId(entry: ListEntryJson): string | undefined {
  return entry.id ?? entry.modelId ?? entry.variantId ?? entry.name;
}

/** `foundry model list --output json` (Gen B). Null when the output holds no such list. */
export function parseModelListJson(output: string): FoundryModelRow[] | null {
  const entries = listEntries(extractJson(output), ['variants', 'models', 'data']);
  if (entries === null) return null;
  return entries.flatMap((entry) => {
    const modelId = entryId(entry);
    if (modelId === undefined) return [];
    return [
      {
        alias: entry.alias ?? modelId,
        modelId,
        device: entry.device,
        task: entry.task ?? entry.type,
        sizeBytes: entry.fileSizeMb === undefined ? null : Math.round(entry.fileSizeMb * 1024 ** 2),
        license: entry.license,
        cached: entry.cached,
      },
    ];
  });
}

/** `foundry cache list --output json` (Gen B). Null when the output holds no such list. */
export function parseCacheListJson(output: string): FoundryCachedRow[] | null {
  const entries = listEntries(extractJson(output), ['models', 'cached', 'variants', 'data']);
  if (entries === null) return null;
  return entries.flatMap((entry) => {
    const modelId = entryId(entry);
    return modelId === undefined ? [] : [{ alias: entry.alias ?? null, modelId }];
  });
}

const ModelInfoJson = z.object({
  model: z.object({ id: z.string(), alias: z.string().optional(), cached: z.boolean().optional() }),
});

/** `foundry model info|show <alias> --output json` (Gen B): `{"model":{"id":"...:5","cached":true,...}}`. */
export function parseModelInfoJson(output: string): { modelId: string; alias: string | null; cached: boolean | null } | null {
  const parsed = ModelInfoJson.safeParse(extractJson(output));
  if (!parsed.success) return null;
  const { id, alias, cached } = parsed.data.model;
  return { modelId: id, alias: alias ?? null, cached: cached ?? null };
}

/** `foundry cache location --output json` (Gen B): `{"path":"...","userSet":false}`. */
export function parseCacheLocationJson(output: string): string | null {
  const parsed = z.object({ path: z.string() }).safeParse(extractJson(output));
  return parsed.success ? parsed.data.path : null;
}
