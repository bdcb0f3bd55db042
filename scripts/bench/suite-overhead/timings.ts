// Timings of parts of a test, kept per worker until stamps.ts writes them after each file.
const parts = new Map<string, number[]>();

export function recordPart(name: string, ms: number): void {
  const list = parts.get(name) ?? [];
  list.push(ms);
  parts.set(name, list);
}

/** Time one part of a test under `name`. */
export async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    recordPart(name, performance.now() - started);
  }
}

/** The timings so far, emptied. */
export function takeParts(): Record<string, number[]> {
  const taken = Object.fromEntries(parts);
  parts.clear();
  return taken;
}
