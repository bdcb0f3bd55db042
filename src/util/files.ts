// Files that other processes read while we write them (state files, results) are written
// atomically: to a temporary file in the same folder, then renamed over the target. Folders
// are made without Node's recursive mkdir, which loops forever where mkdir fails with ENOENT
// under a folder that exists (/proc/x, /sys/x).
import { copyFileSync, existsSync, mkdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `mkdir -p`: the missing folders of `folder`, outermost first; errors are mkdir's own. */
export function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let current = path.resolve(folder); !existsSync(current); current = path.dirname(current)) {
    missing.push(current);
    if (path.dirname(current) === current) break;
  }
  for (const each of missing.reverse()) {
    try {
      mkdirSync(each);
    } catch (error) {
      // Made by someone else meanwhile: fine, as long as it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(each).isDirectory()) throw error;
    }
  }
}

/**
 * Why `folder` cannot take files, or null when it can; nothing is left behind. A folder that
 * does not exist yet is checked by making (and removing) a folder in its nearest existing
 * parent, so that a folder under a file, on a read-only file system or in /proc is found
 * before a run starts rather than when its results are written.
 */
export function unwritableFolderReason(folder: string): string | null {
  const target = path.resolve(folder);
  try {
    let existing = target;
    while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    if (!statSync(existing).isDirectory()) return existing === target ? 'it is a file, not a folder' : 'a part of the path is a file, not a folder (ENOTDIR)';
    const probe = path.join(existing, `.edge-evals-write-check-${process.pid}`);
    if (existing === target) {
      writeFileSync(probe, '');
      rmSync(probe);
    } else {
      mkdirSync(probe);
      rmdirSync(probe);
    }
    return null;
  } catch (error) {
    return describeFileError(error);
  }
}

/** A file system error in words, with its code for searching. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a part of the path is a file, not a folder',
    EROFS: 'it is on a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted there',
    ENOENT: 'no folder can be made there',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exhausted',
  };
  const reason = code === undefined ? undefined : reasons[code];
  return reason === undefined ? (error as Error).message : `${reason} (${code})`;
}

/** `mode`: the new file's permissions, e.g. 0o600 for a file that holds a secret. */
export function writeFileAtomic(file: string, content: string | Uint8Array, options: { mode?: number } = {}): void {
  makeFolders(path.dirname(file));
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: options.mode });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Copy `source` to `file` atomically: readers see the old file or the whole copy. */
export function copyFileAtomic(source: string, file: string): void {
  makeFolders(path.dirname(file));
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    copyFileSync(source, temporary);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
