// How much memory the machine has, and how much a model could take without pushing it into
// swap or the out-of-memory killer.
// - Linux and Windows: the kernel's own "available" figure (Linux MemAvailable, which counts
//   the page cache that can be dropped, and a container's limit; Windows' available physical
//   memory), which Node reports.
// - macOS: Node reports only the pages that are free right now, a few hundred MB on a Mac in
//   use; `vm_stat` gives the inactive pages too, which macOS hands out on demand.
import os from 'node:os';

export interface MachineMemory {
  availableBytes: number;
  totalBytes: number;
}

/** Pages free + inactive from `vm_stat` (the figure psutil reports as available on macOS); null if unreadable. */
export function parseVmStat(text: string): number | null {
  const pageSize = Number(/page size of (\d+) bytes/.exec(text)?.[1]);
  const pages = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)\\.?\\s*$`, 'm').exec(text)?.[1]);
  const free = pages('Pages free');
  const inactive = pages('Pages inactive');
  if (![pageSize, free, inactive].every(Number.isFinite)) return null;
  return (free + inactive) * pageSize;
}

/** A container's memory limit (cgroup), when lower than the machine's. */
function constrainedTotal(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  const total = os.totalmem();
  return limit > 0 && limit < total ? limit : total;
}

export async function machineMemory(): Promise<MachineMemory> {
  const totalBytes = constrainedTotal();
  if (process.platform === 'darwin') {
    const { execa } = await import('execa');
    const { stdout } = await execa('vm_stat', [], { timeout: 5_000, reject: false, stdin: 'ignore' });
    const available = parseVmStat(stdout ?? '');
    if (available !== null) return { availableBytes: Math.min(available, totalBytes), totalBytes };
  }
  // process.availableMemory (Node 20.13) also honours a container's limit.
  return { availableBytes: Math.min(process.availableMemory?.() ?? os.freemem(), totalBytes), totalBytes };
}
