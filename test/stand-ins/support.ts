// For tests that run the stand-ins: where they are, and an environment that puts them first
// on PATH with their state in a fresh folder.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Holds `foundry`, `ollama` and `llama-server`: put it first on PATH. */
export const STAND_IN_BIN = fileURLToPath(new URL('./bin', import.meta.url));

/**
 * Where the embedded server behind the stand-ins keeps its synthetic models: shared by every
 * test and kept between runs, so a model is generated once (generation writes atomically).
 */
export const STAND_IN_MODEL_CACHE = path.join(os.tmpdir(), `edge-evals-test-models-${os.userInfo().uid}`);

export function temporaryFolder(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `edge-evals-${prefix}-`));
}

/** process.env with the stand-ins first on PATH, the shared model cache and `extra` on top. */
export function standInEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${STAND_IN_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    EDGE_EVALS_CACHE: STAND_IN_MODEL_CACHE,
    ...extra,
  };
}
