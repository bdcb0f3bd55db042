// Real file systems that misbehave, for the tests of results folders: a small tmpfs that fills
// up, a read-only one. Mounting needs root (CI runs as root); elsewhere these return null and
// the tests that need them say so.
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export interface Mount {
  folder: string;
  unmount(): Promise<void>;
}

const PAGE = 4096;

export const canMount = process.platform === 'linux' && process.getuid?.() === 0;

/** A tmpfs of `sizeBytes` at `folder` (made if missing); null when this process cannot mount. */
export async function mountTmpfs(folder: string, sizeBytes: number, options: { readOnly?: boolean } = {}): Promise<Mount | null> {
  if (!canMount) return null;
  mkdirSync(folder, { recursive: true });
  const flags = [`size=${Math.ceil(sizeBytes / PAGE) * PAGE}`, ...(options.readOnly === true ? ['ro'] : [])];
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', flags.join(','), 'tmpfs', folder], { reject: false, timeout: 10_000 });
  if (mounted.exitCode !== 0) return null;
  return {
    folder,
    unmount: async () => {
      await execa('umount', [folder], { reject: false, timeout: 10_000 });
    },
  };
}

export function freeBytes(folder: string): number {
  const stats = statfsSync(folder);
  return stats.bavail * stats.bsize;
}

/** Fill the file system of `folder` until `keepBytes` (rounded up to whole pages) are free. */
export function fillUntilFree(folder: string, keepBytes: number): void {
  const keep = Math.ceil(keepBytes / PAGE) * PAGE;
  const fill = freeBytes(folder) - keep;
  if (fill > 0) writeFileSync(path.join(folder, 'filler'), Buffer.alloc(fill));
}
