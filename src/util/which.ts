// Find an executable on PATH without running it (EVAL_RUNTIME=auto must decide cheaply). On
// Windows a command is found under the extensions of PATHEXT (`foundry` as `foundry.exe`, a
// shim as `x.cmd`), PATH folders may be quoted, and names compare without regard to case.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export interface SearchOptions {
  searchPath?: string;
  platform?: NodeJS.Platform;
  /** Windows' PATHEXT; its default when unset. */
  pathExt?: string;
}

const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/** The files that `name` may be, in the order a shell would try them. */
export function executableCandidates(name: string, options: SearchOptions = {}): string[] {
  const platform = options.platform ?? process.platform;
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  const hasFolder = name.includes('/') || (platform === 'win32' && name.includes('\\'));
  const folders = hasFolder
    ? ['']
    : searchPath
        .split(paths.delimiter)
        .map((folder) => (platform === 'win32' ? folder.replace(/^"(.*)"$/, '$1') : folder))
        .filter((folder) => folder !== '');
  const names = platform === 'win32' ? windowsNames(name, options.pathExt ?? process.env.PATHEXT) : [name];
  return folders.flatMap((folder) => names.map((candidate) => (folder === '' ? paths.resolve(candidate) : paths.join(folder, candidate))));
}

/** `foundry` -> foundry.com, foundry.exe, ...; a name that has one of those extensions already stays as it is. */
function windowsNames(name: string, pathExt: string | undefined): string[] {
  const extensions = (pathExt === undefined || pathExt.trim() === '' ? DEFAULT_PATHEXT : pathExt)
    .split(';')
    .map((extension) => extension.trim().toLowerCase())
    .filter((extension) => extension.startsWith('.'));
  if (extensions.includes(path.win32.extname(name).toLowerCase())) return [name];
  return extensions.map((extension) => `${name}${extension}`);
}

export function findExecutable(name: string, options: SearchOptions = {}): string | null {
  const windows = (options.platform ?? process.platform) === 'win32';
  for (const candidate of executableCandidates(name, options)) {
    try {
      if (!statSync(candidate).isFile()) continue;
      // Windows has no execute bit: the extension makes a file runnable.
      if (!windows) accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
