// Small network facts shared by the runtime adapters and the chat client: what a failed
// connection means (re-discover a service that moved; tell "nothing listens there" apart from
// "the server broke off"), and a free port for a server we start.
import { createServer } from 'node:net';

/** True when the error, or an error it was caused by, has one of these codes. */
function hasErrorCode(error: unknown, codes: ReadonlySet<string>): boolean {
  const seen = new Set<unknown>();
  for (let cause: unknown = error; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    const { code } = cause as NodeJS.ErrnoException;
    if (code !== undefined && codes.has(code)) return true;
  }
  return false;
}

const REFUSED = new Set(['ECONNREFUSED']);
// UND_ERR_SOCKET: Node's fetch (undici) saying "other side closed".
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** True when nothing listens at the address (the service stopped, or moved to another port). */
export function isConnectionRefused(error: unknown): boolean {
  return hasErrorCode(error, REFUSED);
}

/**
 * True when the connection was closed under the request (reset, or "socket hang up"). Seen
 * before any answer, it means the server went away while the request was on its way: a
 * service that restarts closes the kept-alive connection the next request was sent on.
 */
export function isConnectionReset(error: unknown): boolean {
  return hasErrorCode(error, RESET);
}

/** A port on 127.0.0.1 that nothing listens on right now, for a server we are about to start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
