// Files that other processes read while we write them (state files, results) are written
// atomically: to a temporary file in the same folder, then renamed over the target.
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `mode`: the new file's permissions, e.g. 0o600 for a file that holds a secret. */
export function writeFileAtomic(file: string, content: string | Uint8Array, options: { mode?: number } = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
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
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    copyFileSync(source, temporary);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
