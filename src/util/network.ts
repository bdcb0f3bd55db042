// What a failed connection means, for callers on both sides of the wire: the runtime adapters
// (re-discover a service that moved) and the chat client (tell "nothing listens there" apart
// from "the server broke off").

/** True when nothing listens at the address (the service stopped, or moved to another port). */
export function isConnectionRefused(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let cause: unknown = error; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    if ((cause as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}
