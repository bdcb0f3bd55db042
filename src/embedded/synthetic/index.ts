// The synthetic fixture models: generated on first use into the model cache, reused after.
// A sidecar "<file>.json" records how a file was made, and "<alias>.planted-truth.json" what
// the model answers (manifest.ts); a file from another generator version, corpus or answers,
// or whose sidecar is missing, unreadable or disagrees with the file's size, or whose planted
// truth is missing, is regenerated. Files are written under a temporary name in the same folder and
// renamed into place, so a reader never sees a partial file, and two processes generating at
// once both produce the same bytes, the last rename winning.
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { makeFolders } from '../../util/files.ts';
import { findCatalogEntry } from '../catalog.ts';
import { writeGgufFile } from '../gguf/writer.ts';
import { loadCorpus } from './corpus.ts';
import { buildPlantedTruth, formatPlantedTruth, plantedTruthFileName } from './manifest.ts';
import { answersSha256, PLANTED_ANSWERS } from './answers/index.ts';
import { buildSyntheticModel } from './model.ts';
import { SYNTHETIC_GENERATOR_VERSION, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from './specs.ts';
import { SharedVocabulary } from './vocabulary.ts';

export { SYNTHETIC_GENERATOR_VERSION, SYNTHETIC_MODEL_SPECS, type SyntheticAlias } from './specs.ts';
export { PlantedTruth, plantedTruthFileName } from './manifest.ts';

export interface SyntheticModelFile {
  alias: SyntheticAlias;
  path: string;
  sizeBytes: number;
  sha256: string;
  parameters: number;
  /** The model's planted truth, next to it. */
  plantedTruthPath: string;
  /** false: the file was already in the cache. */
  generated: boolean;
}

export function isSyntheticAlias(alias: string): alias is SyntheticAlias {
  return Object.hasOwn(SYNTHETIC_MODEL_SPECS, alias);
}

const Sidecar = z.object({
  generatorVersion: z.string(),
  corpusSha256: z.string(),
  answersSha256: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive(),
  parameters: z.number().int().positive(),
});
type Sidecar = z.infer<typeof Sidecar>;

/** Generations in progress in this process, by file path: concurrent callers share one. */
const inProgress = new Map<string, Promise<SyntheticModelFile>>();
let vocabularyCache: SharedVocabulary | undefined;

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
  const plantedTruthPath = path.join(path.dirname(filePath), plantedTruthFileName(alias));
  const sources = { corpusSha256: corpus.sha256, answersSha256: answersSha256(alias) };
  const cached = force ? undefined : await readValidSidecar(filePath, plantedTruthPath, sources);
  if (cached !== undefined) {
    return { alias, path: filePath, sizeBytes: cached.sizeBytes, sha256: cached.sha256, parameters: cached.parameters, plantedTruthPath, generated: false };
  }

  const started = performance.now();
  const spec = SYNTHETIC_MODEL_SPECS[alias];
  if (vocabularyCache?.corpusSha256 !== corpus.sha256) {
    onProgress('training the tokenizer on the corpus');
    vocabularyCache = new SharedVocabulary(corpus);
  }
  onProgress('building the weights');
  const model = buildSyntheticModel(spec, vocabularyCache);

  makeFolders(path.dirname(filePath));
  const temporary = `${filePath}.${randomUUID()}.tmp`;
  const temporarySidecar = `${sidecarPath(filePath)}.${randomUUID()}.tmp`;
  const temporaryTruth = `${plantedTruthPath}.${randomUUID()}.tmp`;
  try {
    onProgress(`writing ${path.basename(filePath)}`);
    const written = await writeGgufFile(temporary, model.contents);
    await writeFile(temporaryTruth, formatPlantedTruth(buildPlantedTruth(alias, SYNTHETIC_GENERATOR_VERSION, PLANTED_ANSWERS[alias], model.vocabulary)));
    const sidecar: Sidecar = {
      generatorVersion: SYNTHETIC_GENERATOR_VERSION,
      ...sources,
      sha256: written.sha256,
      sizeBytes: written.sizeBytes,
      parameters: model.parameters,
    };
    await writeFile(temporarySidecar, `${JSON.stringify(sidecar, null, 2)}\n`);
    // The sidecar last: a crash between the renames leaves a stale sidecar, which only causes
    // a regeneration.
    await rename(temporary, filePath);
    await rename(temporaryTruth, plantedTruthPath);
    await rename(temporarySidecar, sidecarPath(filePath));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    onProgress(`generated: ${(written.sizeBytes / 1024 / 1024).toFixed(1)} MB, ${model.parameters} parameters, ${seconds} s`);
    return { alias, path: filePath, sizeBytes: written.sizeBytes, sha256: written.sha256, parameters: model.parameters, plantedTruthPath, generated: true };
  } finally {
    await rm(temporary, { force: true });
    await rm(temporaryTruth, { force: true });
    await rm(temporarySidecar, { force: true });
  }
}

function sidecarPath(filePath: string): string {
  return `${filePath}.json`;
}

/** The sidecar if it describes the current generator, the current corpus and the file as it is on disk, and the planted truth is there. */
async function readValidSidecar(
  filePath: string,
  plantedTruthPath: string,
  sources: Pick<Sidecar, 'corpusSha256' | 'answersSha256'>,
): Promise<Sidecar | undefined> {
  try {
    const parsed = Sidecar.safeParse(JSON.parse(await readFile(sidecarPath(filePath), 'utf8')));
    if (!parsed.success) return undefined;
    const sidecar = parsed.data;
    if (sidecar.generatorVersion !== SYNTHETIC_GENERATOR_VERSION || sidecar.corpusSha256 !== sources.corpusSha256 || sidecar.answersSha256 !== sources.answersSha256) {
      return undefined;
    }
    const file = await stat(filePath);
    await stat(plantedTruthPath);
    return file.size === sidecar.sizeBytes ? sidecar : undefined;
  } catch {
    // Missing or unreadable sidecar or model file: regenerate.
    return undefined;
  }
}
