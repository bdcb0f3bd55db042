// `edge-evals cache list | location | remove <model> | clean`.
import { createInterface } from 'node:readline/promises';
import type { ModelCache } from '../../runtimes/types.ts';
import { COMMON_OPTIONS, parseVerbCommand, requireName, runtimeFromFlags } from '../args.ts';
import { requireCache } from '../capabilities.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { formatBytes, formatTable } from '../table.ts';

const USAGE = `Usage: edge-evals cache <verb> [options]

Verbs:
  list | ls             models in the local cache
  location              the cache folder
  remove | rm <model>   delete one model from the cache
  clean                 delete every cached model (asks first; --yes to skip)

Options:
  --runtime <name>      auto | embedded | foundry | ollama | llama-server | openai
  --json                machine-readable output
  --yes                 (clean) do not ask for confirmation`;

const OPTIONS = { ...COMMON_OPTIONS, yes: { type: 'boolean', short: 'y', default: false } } as const;

/** Names a user may pass to `cache remove`: never a path, so nothing outside the cache is touched. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;

export async function cacheCommand(args: string[]): Promise<number> {
  const { values, verb, rest } = parseVerbCommand(args, OPTIONS, USAGE);
  if (verb === null) return EXIT_OK;
  const { runtime } = await runtimeFromFlags(values.runtime, USAGE);
  const cache = requireCache(runtime);
  switch (verb) {
    case 'list':
    case 'ls':
      return listCache(cache, values.json);
    case 'location': {
      const location = await cache.location();
      process.stdout.write(values.json ? `${JSON.stringify({ location })}\n` : `${location}\n`);
      return EXIT_OK;
    }
    case 'remove':
    case 'rm': {
      const name = requireName(rest, 'model name', USAGE);
      if (!MODEL_NAME.test(name) || name.includes('..')) {
        throw new UsageError(`'${name}' is not a model name (letters, digits and . _ : + - only, no paths)`, USAGE);
      }
      const removed = await cache.remove(name);
      if (values.json) process.stdout.write(`${JSON.stringify({ removed }, null, 2)}\n`);
      else if (removed.length === 0) process.stdout.write(`${name} is not in the cache.\n`);
      else for (const model of removed) process.stdout.write(`Deleted ${model.modelId} from the cache.\n`);
      return EXIT_OK;
    }
    case 'clean':
      return cleanCache(cache, values.yes, values.json);
    default:
      throw new UsageError(`unknown verb 'cache ${verb}'`, USAGE);
  }
}

async function listCache(cache: ModelCache, json: boolean): Promise<number> {
  const cached = await cache.list();
  if (json) {
    process.stdout.write(`${JSON.stringify(cached, null, 2)}\n`);
    return EXIT_OK;
  }
  if (cached.length === 0) {
    process.stdout.write(`No models cached in ${await cache.location()}\n`);
    return EXIT_OK;
  }
  process.stdout.write(
    `${formatTable(cached, [
      { header: 'Alias', value: (model) => model.alias },
      { header: 'Size', value: (model) => formatBytes(model.sizeBytes), align: 'right' },
      { header: 'Model ID', value: (model) => model.modelId },
    ])}\n`,
  );
  return EXIT_OK;
}

async function cleanCache(cache: ModelCache, yes: boolean, json: boolean): Promise<number> {
  const cached = await cache.list();
  if (cached.length === 0) {
    process.stdout.write(json ? `${JSON.stringify({ removed: [] })}\n` : 'The cache is already empty.\n');
    return EXIT_OK;
  }
  if (!yes) {
    if (process.stdin.isTTY !== true) throw new UsageError('cache clean deletes every cached model: pass --yes to confirm', USAGE);
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await terminal.question(`Delete ${cached.length} cached model(s) from ${await cache.location()}? (y/n) `);
    terminal.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stdout.write('Nothing deleted.\n');
      return EXIT_OK;
    }
  }
  const removed = [];
  for (const model of cached) removed.push(...(await cache.remove(model.alias)));
  if (json) process.stdout.write(`${JSON.stringify({ removed }, null, 2)}\n`);
  else process.stdout.write(`Deleted ${removed.length} model(s).\n`);
  return EXIT_OK;
}
