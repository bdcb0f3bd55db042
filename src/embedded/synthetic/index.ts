// The synthetic fixture models: generated on first use into the model cache, reused after.
// A sidecar "<file>.json" records how a file was made; a file from another generator version
// or another corpus, or whose sidecar is missing, unreadable or disagrees with the file's
// size, is regenerated. Files are written under a temporary name in the same folder and
// renamed into place, so a reader never sees a partial file, and two processes generating at
// once both produce the same bytes, the last rename winning.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { findCatalogEntry } from '../catalog.ts';
import { writeGgufFile } from '../gguf/writer.ts';
import { loadCorpus } from './corpus.ts';
import { buildSyntheticModel, SyntheticVocabulary } from './model.ts';
import { SYNTHETIC_GENERATOR_VERSION, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from './specs.ts';

export { SYNTHETIC_GENERATOR_VERSION, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from './specs.ts';

export interface SyntheticModelFile {
  alias: SyntheticAlias;
  path: string;
  sizeBytes: number;
  sha256: string;
  parameters: number;
  /** false: the file was already in the cache. */
  generated: boolean;
}

export function isSyntheticAlias(alias: string): alias is SyntheticAlias {
  return Object.hasOwn(SYNTHETIC_MODEL_SPECS, alias);
}

const Sidecar = z.object({
  generatorVersion: z.string(),
  corpusSha256: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive(),
  parameters: z.number().int().positive(),
});
type Sidecar = z.infer<typeof Sidecar>;

/** Generations in progress in this process, by file path: concurrent callers share one. */
const inProgress = new Map<string, Promise<SyntheticModelFile>>();
let vocabularyCache: SyntheticVocabulary | undefined;

export async function ensureSyntheticModel(
  alias: SyntheticAlias,
  modelsDir: string,
  options: {
    onProgress?: (message: string) => void;
    /** Regenerate even if a valid file is cached. */
    force?: boolean;
  } = {},
): Promise<SyntheticModelFile> {
  if (!isSyntheticAlias(alias)) {
    throw new Error(`"${alias}" is not a synthetic model; expected one of ${Object.keys(SYNTHETIC_MODEL_SPECS).join(', ')}`);
  }
  const filePath = path.join(modelsDir, syntheticFileName(alias));
  const running = inProgress.get(filePath);
  if (running !== undefined) return running;
  const promise = ensureFile(alias, filePath, options.force === true, options.onProgress ?? (() => {})).finally(() => inProgress.delete(filePath));
  inProgress.set(filePath, promise);
  return promise;
}

/** The catalog's file name for a synthetic alias. */
function syntheticFileName(alias: SyntheticAlias): string {
  const entry = findCatalogEntry(alias);
  if (entry === undefined) throw new Error(`The embedded catalog has no entry for ${alias}`);
  return entry.fileName;
}

async function ensureFile(
  alias: SyntheticAlias,
  filePath: string,
  force: boolean,
  onProgress: (message: string) => void,
): Promise<SyntheticModelFile> {
  const corpus = loadCorpus();
  const cached = force ? undefined : await readValidSidecar(filePath, corpus.sha256);
  if (cached !== undefined) {
    return { alias, path: filePath, sizeBytes: cached.sizeBytes, sha256: cached.sha256, parameters: cached.parameters, generated: false };
  }

  const started = performance.now();
  const spec = SYNTHETIC_MODEL_SPECS[alias];
  if (vocabularyCache?.corpusSha256 !== corpus.sha256) {
    onProgress(`${alias}: training the tokenizer and bigram statistics on the corpus`);
    vocabularyCache = new SyntheticVocabulary(corpus);
  }
  onProgress(`${alias}: building the weights`);
  const model = buildSyntheticModel(spec, vocabularyCache);

  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${randomUUID()}.tmp`;
  const temporarySidecar = `${sidecarPath(filePath)}.${randomUUID()}.tmp`;
  try {
    onProgress(`${alias}: writing ${path.basename(filePath)}`);
    const written = await writeGgufFile(temporary, model.contents);
    const sidecar: Sidecar = {
      generatorVersion: SYNTHETIC_GENERATOR_VERSION,
      corpusSha256: corpus.sha256,
      sha256: written.sha256,
      sizeBytes: written.sizeBytes,
      parameters: model.parameters,
    };
    await writeFile(temporarySidecar, `${JSON.stringify(sidecar, null, 2)}\n`);
    // The model first: a crash between the two renames leaves a stale sidecar, which only
    // causes a regeneration.
    await rename(temporary, filePath);
    await rename(temporarySidecar, sidecarPath(filePath));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    onProgress(`${alias}: ${(written.sizeBytes / 1024 / 1024).toFixed(1)} MB, ${model.parameters} parameters, ${seconds} s`);
    return { alias, path: filePath, sizeBytes: written.sizeBytes, sha256: written.sha256, parameters: model.parameters, generated: true };
  } finally {
    await rm(temporary, { force: true });
    await rm(temporarySidecar, { force: true });
  }
}

function sidecarPath(filePath: string): string {
  return `${filePath}.json`;
}

/** The sidecar if it describes the current generator, the current corpus and the file as it is on disk. */
async function readValidSidecar(filePath: string, corpusSha256: string): Promise<Sidecar | undefined> {
  try {
    const parsed = Sidecar.safeParse(JSON.parse(await readFile(sidecarPath(filePath), 'utf8')));
    if (!parsed.success) return undefined;
    const sidecar = parsed.data;
    if (sidecar.generatorVersion !== SYNTHETIC_GENERATOR_VERSION || sidecar.corpusSha256 !== corpusSha256) return undefined;
    const file = await stat(filePath);
    return file.size === sidecar.sizeBytes ? sidecar : undefined;
  } catch {
    // Missing or unreadable sidecar or model file: regenerate.
    return undefined;
  }
}
