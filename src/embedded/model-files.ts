// Where the embedded runtime's model files come from: a .gguf path given by the user, a
// synthetic model generated on demand, or a catalog model downloaded into the cache folder
// (`<cacheDir>/models`). Also the cache management behind `edge-evals cache ...` and the
// download behind `edge-evals model download`.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { RuntimeError, type CachedModel } from '../contract/runtime.ts';
import { makeFolders } from '../util/files.ts';
import { closestNames } from '../util/suggest.ts';
import { EMBEDDED_CATALOG, findCatalogEntry, type EmbeddedCatalogEntry } from './catalog.ts';
import { plantedTruthFileName } from './synthetic/manifest.ts';

/** A name the user gave does not match any model the embedded runtime can find. */
export class UnknownModelError extends RuntimeError {
  constructor(
    readonly requested: string,
    message: string,
    /** Names that would have worked: generated and cached models. */
    readonly available: string[],
    readonly suggestions: string[],
    hint: string,
  ) {
    super(message, { hint });
    this.name = 'UnknownModelError';
  }
}

/** A catalog model that has to be downloaded first (never downloaded implicitly: it can be GBs). */
export class ModelNotDownloadedError extends RuntimeError {
  constructor(readonly entry: EmbeddedCatalogEntry, modelsDir: string) {
    super(`model ${entry.alias} is not downloaded; run edge-evals model download ${entry.alias}`, {
      hint: `it would be saved as ${path.join(modelsDir, entry.fileName)} (${entry.source})`,
    });
    this.name = 'ModelNotDownloadedError';
  }
}

/** What a model name resolves to, before any file is generated. */
export interface ModelLocation {
  alias: string;
  modelId: string;
  /** Where the file is, or will be once a synthetic model is generated. */
  path: string;
  /** `generated`: made by the synthetic generator on demand (it may not exist yet). */
  origin: 'path' | 'generated' | 'catalog' | 'cache';
  synthetic: boolean;
  /** A synthetic model with planted answers (the catalog says so). */
  knownAnswers: boolean;
  /** The chat format when the catalog knows it; otherwise it is resolved from the model's template. */
  chatWrapper: 'auto' | 'chatML';
}

export interface ResolvedModelFile extends ModelLocation {
  sizeBytes: number;
  /** True when the synthetic model was written by this call. */
  generatedNow: boolean;
}

export interface CachedModelFile extends CachedModel {
  path: string;
  sizeBytes: number;
  fileName: string;
  /** Known to the catalog (a synthetic or downloadable entry), or a file the user put there. */
  inCatalog: boolean;
  synthetic: boolean;
}

/** Names accepted for models in the cache: no separators, so never a path outside it. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;

export function modelsDirectory(cacheDir: string): string {
  return path.join(cacheDir, 'models');
}

function isGgufPath(spec: string): boolean {
  return spec.toLowerCase().endsWith('.gguf');
}

function stem(fileName: string): string {
  return path.basename(fileName).replace(/\.gguf$/i, '');
}

/**
 * Find the file behind `spec` without generating or downloading anything:
 * - a path to an existing .gguf file, only when `allowPaths`: for the command line (the server
 *   passes it for HTTP requests only for files its command line named, or with --allow-model-paths);
 * - a synthetic catalog alias: `<cacheDir>/models/<fileName>`, generated later if missing;
 * - a downloadable catalog alias or model ID: its file in the cache, else ModelNotDownloadedError;
 * - the name of a .gguf file the user put in `<cacheDir>/models` (without the extension).
 * Anything else is an UnknownModelError listing what would have worked.
 */
export function locateModel(spec: string, options: { cacheDir: string; allowPaths: boolean }): ModelLocation {
  const modelsDir = modelsDirectory(options.cacheDir);
  if (options.allowPaths && isGgufPath(spec)) {
    const file = path.resolve(spec);
    if (!existsSync(file) || !statSync(file).isFile()) {
      const available = availableModelNames(modelsDir);
      throw new UnknownModelError(spec, `model file ${file} does not exist`, available, [], 'give the path of an existing .gguf file, or a model alias');
    }
    const name = stem(file);
    return { alias: name, modelId: name, path: file, origin: 'path', synthetic: false, knownAnswers: false, chatWrapper: 'auto' };
  }
  const entry = findCatalogEntry(spec);
  if (entry !== undefined) {
    const file = path.join(modelsDir, entry.fileName);
    if (entry.kind === 'generated') {
      return { alias: entry.alias, modelId: entry.modelId, path: file, origin: 'generated', synthetic: true, knownAnswers: entry.knownAnswers === true, chatWrapper: entry.chatWrapper ?? 'auto' };
    }
    if (!existsSync(file)) throw new ModelNotDownloadedError(entry, modelsDir);
    return { alias: entry.alias, modelId: entry.modelId, path: file, origin: 'catalog', synthetic: false, knownAnswers: false, chatWrapper: entry.chatWrapper ?? 'auto' };
  }
  if (MODEL_NAME.test(spec)) {
    const cached = listGgufFiles(modelsDir).find((fileName) => stem(fileName).toLowerCase() === spec.toLowerCase());
    if (cached !== undefined) {
      const name = stem(cached);
      return { alias: name, modelId: name, path: path.join(modelsDir, cached), origin: 'cache', synthetic: false, knownAnswers: false, chatWrapper: 'auto' };
    }
  }
  const available = availableModelNames(modelsDir);
  const suggestions = closestNames(spec, [...new Set([...EMBEDDED_CATALOG.map((candidate) => candidate.alias), ...available])]);
  const hint =
    suggestions.length > 0
      ? `did you mean ${suggestions.join(', ')}?`
      : `available here: ${available.join(', ')}${options.allowPaths ? '; or give the path of a .gguf file' : ''}; see edge-evals model list`;
  throw new UnknownModelError(spec, `unknown model '${spec}': not in the embedded catalog, not in ${modelsDir}`, available, suggestions, hint);
}

/** Models that load without a download: the synthetic ones and whatever .gguf is cached. */
function availableModelNames(modelsDir: string): string[] {
  const cached = listGgufFiles(modelsDir).map(
    (fileName) => EMBEDDED_CATALOG.find((entry) => entry.fileName === fileName)?.alias ?? stem(fileName),
  );
  const generated = EMBEDDED_CATALOG.filter((entry) => entry.kind === 'generated').map((entry) => entry.alias);
  return [...new Set([...generated, ...cached])];
}

/** locateModel(), then generate the synthetic model if its file is not there yet. */
export async function resolveModelFile(
  spec: string,
  options: { cacheDir: string; allowPaths: boolean; onProgress?: (message: string) => void },
): Promise<ResolvedModelFile> {
  const location = locateModel(spec, options);
  if (location.origin !== 'generated') {
    return { ...location, sizeBytes: statSync(location.path).size, generatedNow: false };
  }
  // Imported only when needed: the generator (tokenizer training, GGUF writing) is not
  // something `serve --model some.gguf` should pay for at start-up.
  const { ensureSyntheticModel, isSyntheticAlias } = await import('./synthetic/index.ts');
  if (!isSyntheticAlias(location.alias)) {
    throw new RuntimeError(`the catalog lists '${location.alias}' as generated, but the synthetic generator does not know it`);
  }
  // The generator's messages do not name the model: the server's log needs it.
  const onProgress = (message: string) => options.onProgress?.(`${location.alias}: ${message}`);
  const file = await ensureSyntheticModel(location.alias, modelsDirectory(options.cacheDir), { onProgress });
  return { ...location, path: file.path, sizeBytes: file.sizeBytes, generatedNow: file.generated };
}

export interface DownloadOptions {
  onProgress?: (percent: number, downloadedBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** How long the reachability check may take before the source counts as unreachable. */
  probeTimeoutMs?: number;
}

export interface DownloadResult {
  path: string;
  downloadMs: number;
  alreadyCached: boolean;
}

/**
 * Download a catalog model into `<cacheDir>/models/<fileName>` with node-llama-cpp's
 * downloader. Offline it fails within seconds: node-llama-cpp gives ipull no retry options,
 * and ipull's default is 150 retries with back-off (about 12 minutes), so the source's host
 * is probed first and an unreachable one fails at once.
 */
export async function downloadModel(
  entry: EmbeddedCatalogEntry,
  cacheDir: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const modelsDir = modelsDirectory(cacheDir);
  const target = path.join(modelsDir, entry.fileName);
  if (entry.kind !== 'download') {
    throw new RuntimeError(`model ${entry.alias} is generated, not downloaded`, { hint: `it is generated on first use in ${modelsDir}` });
  }
  if (existsSync(target)) return { path: target, downloadMs: 0, alreadyCached: true };
  const started = performance.now();
  const failure = (reason: string) =>
    new RuntimeError(`could not download model ${entry.alias} from ${entry.source} into ${modelsDir}: ${reason}`, {
      hint: `without internet, copy the .gguf file into ${modelsDir} as ${entry.fileName}, or use a synthetic model (fixture-tiny, fixture-small, fixture-medium)`,
    });
  const probeUrl = downloadHostUrl(entry.source);
  const unreachable = await probeUnreachable(probeUrl, options.probeTimeoutMs ?? 5_000, options.signal);
  if (options.signal?.aborted) throw failure('cancelled');
  if (unreachable !== null) throw failure(`${new URL(probeUrl).host} is not reachable (${unreachable})`);

  makeFolders(modelsDir);
  const { createModelDownloader } = await import('node-llama-cpp');
  try {
    const downloader = await createModelDownloader({
      modelUri: entry.source,
      dirPath: modelsDir,
      fileName: entry.fileName,
      skipExisting: true,
      onProgress: ({ totalSize, downloadedSize }) => {
        const percent = totalSize > 0 ? Math.min(100, (downloadedSize / totalSize) * 100) : 0;
        options.onProgress?.(percent, downloadedSize, totalSize);
      },
    });
    const file = await downloader.download({ signal: options.signal });
    return { path: file, downloadMs: performance.now() - started, alreadyCached: false };
  } catch (error) {
    if (options.signal?.aborted) throw failure('cancelled');
    throw failure(describeNetworkError(error));
  }
}

/** The URL whose host serves `source`: Hugging Face (or its mirror) for `hf:` URIs. */
export function downloadHostUrl(source: string, env: NodeJS.ProcessEnv = process.env): string {
  if (source.startsWith('hf:')) {
    // Same precedence as node-llama-cpp's resolveHuggingFaceEndpoint (not exported).
    const endpoint = [env.MODEL_ENDPOINT, env.HF_ENDPOINT].find((value) => value !== undefined && /^https?:\/\//.test(value));
    return endpoint ?? 'https://huggingface.co/';
  }
  return source;
}

/** null when the host answers anything at all (any HTTP status); else why not. */
async function probeUnreachable(url: string, timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(new URL(url).origin, {
      method: 'HEAD',
      redirect: 'manual',
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    await response.body?.cancel();
    return null;
  } catch (error) {
    if (timeout.aborted) return `no answer within ${timeoutMs} ms`;
    return describeNetworkError(error);
  }
}

/** The most specific reason in a fetch/ipull error chain (ENOTFOUND, ECONNREFUSED, HTTP 404, ...). */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined) parts.push(code);
    else if (current.message !== '' && !parts.includes(current.message)) parts.push(current.message);
    const next: unknown = (current as Error & { cause?: unknown }).cause;
    current = next instanceof AggregateError ? next.errors[0] : next;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

function listGgufFiles(modelsDir: string): string[] {
  try {
    return readdirSync(modelsDir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && isGgufPath(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** The complete .gguf files in the cache (partial downloads end in `.ipull` and are left out). */
export async function listCachedModels(cacheDir: string): Promise<CachedModelFile[]> {
  const modelsDir = modelsDirectory(cacheDir);
  return listGgufFiles(modelsDir).map((fileName) => {
    const file = path.join(modelsDir, fileName);
    const entry = EMBEDDED_CATALOG.find((candidate) => candidate.fileName === fileName);
    return {
      alias: entry?.alias ?? stem(fileName),
      modelId: entry?.modelId ?? stem(fileName),
      path: file,
      sizeBytes: statSync(file).size,
      fileName,
      inCatalog: entry !== undefined,
      synthetic: entry?.synthetic ?? false,
    };
  });
}

/**
 * Remove one model from the cache by alias, model ID or file name. Only plain names are
 * accepted and only files directly inside `<cacheDir>/models` are touched. Returns what was
 * removed (empty when the model was not cached); an invalid name is an error.
 */
export async function removeCachedModel(cacheDir: string, alias: string): Promise<CachedModelFile[]> {
  const modelsDir = modelsDirectory(cacheDir);
  if (!MODEL_NAME.test(alias) || alias.includes('..')) {
    throw new RuntimeError(`'${alias}' is not a model name (letters, digits and . _ : + - only, no path)`, {
      hint: `models are removed by alias; see edge-evals cache list (folder: ${modelsDir})`,
    });
  }
  const wanted = alias.toLowerCase();
  const entry = findCatalogEntry(alias);
  const matches = (await listCachedModels(cacheDir)).filter(
    (cached) =>
      cached.alias.toLowerCase() === wanted ||
      cached.modelId.toLowerCase() === wanted ||
      cached.fileName.toLowerCase() === wanted ||
      (entry !== undefined && cached.fileName === entry.fileName),
  );
  for (const cached of matches) {
    removeInside(modelsDir, cached.path);
    // A partial download (ipull), the synthetic generator's sidecar and planted truth go with the model.
    for (const suffix of ['.ipull', '.json']) removeInside(modelsDir, `${cached.path}${suffix}`);
    if (cached.synthetic) removeInside(modelsDir, path.join(modelsDir, plantedTruthFileName(cached.alias)));
  }
  return matches;
}

/** Remove every file in `<cacheDir>/models` (models, partial downloads); nothing outside it. */
export async function cleanCache(cacheDir: string): Promise<{ removed: CachedModelFile[]; freedBytes: number }> {
  const modelsDir = modelsDirectory(cacheDir);
  const removed = await listCachedModels(cacheDir);
  let freedBytes = 0;
  let names: string[] = [];
  try {
    names = readdirSync(modelsDir);
  } catch {
    return { removed: [], freedBytes: 0 };
  }
  for (const name of names) {
    const file = path.join(modelsDir, name);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (stats === undefined || !stats.isFile()) continue;
    freedBytes += stats.size;
    removeInside(modelsDir, file);
  }
  return { removed, freedBytes };
}

function removeInside(folder: string, file: string): void {
  const relative = path.relative(folder, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative) || relative.includes(path.sep)) {
    throw new RuntimeError(`refusing to remove ${file}: it is not directly inside ${folder}`);
  }
  rmSync(file, { force: true });
}
