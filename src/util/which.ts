// Find an executable on PATH without running it (EVAL_RUNTIME=auto must decide cheaply).
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | null {
  const candidates = name.includes('/') || name.includes(path.sep)
    ? [path.resolve(name)]
    : searchPath
        .split(path.delimiter)
        .filter((folder) => folder !== '')
        .flatMap((folder) => {
          const base = path.join(folder, name);
          return process.platform === 'win32' ? [`${base}.exe`, `${base}.cmd`, base] : [base];
        });
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
